import { sql, type Kysely } from 'kysely';
import { organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import type { Mailer } from '../../shared/mailer.js';
import { recordAudit } from '../../shared/audit.js';
import { frenchDay } from '../../shared/dates.js';
import { plural } from '../../shared/french.js';

/** Warnings go out this long before vouchers expire, so that booklets still in drawers get handed. */
export const WARNING_DAYS = 30;

export interface ExpiryNotice {
  orderId: number;
  organisationId: number;
  organisationName: string;
  programmeName: string;
  expiresAt: Date;
  /** Booklets not yet in a person's hands (activated at the funder, or allocated to a prescriber). */
  bookletCount: number;
}

/**
 * Per order and per organisation holding them (the funder for unallocated booklets, the prescriber for allocated
 * ones), the booklets not yet handed whose vouchers expire within the warning window: the notices' query, read
 * here and counted in the notifications header.
 */
export function expiryNoticesSql(now: Date, organisationIds?: number[]) {
  const until = new Date(now.getTime() + WARNING_DAYS * 86_400_000);
  return sql<{ order_id: number; organisation_id: number; organisation_name: string; programme_name: string; expires_at: Date; booklets: number }>`
    select o.id as order_id, holder.id as organisation_id, holder.name as organisation_name, p.name as programme_name,
           min(v.expires_at) as expires_at, count(distinct b.id)::int as booklets
    from vouchers v
    join booklets b on b.id = v.booklet_id
    join orders o on o.id = v.order_id
    join programmes p on p.id = o.programme_id
    join organisations holder on holder.id = coalesce(b.allocated_organisation_id, o.funder_organisation_id)
    where v.status in ('activated', 'allocated') and v.expires_at > ${now} and v.expires_at <= ${until}
      ${organisationIds ? sql`and holder.id = any(${organisationIds}::bigint[])` : sql``}
    group by o.id, holder.id, holder.name, p.name
    order by min(v.expires_at)`;
}

/**
 * How many notices expiryNoticesSql gives for these organisations, cheaply enough for every page's header. Two
 * facts of the pass let it read a handful of rows instead of every voucher: a voucher expires when its order does
 * (issuance writes the order's expiry on each of them), and a booklet's vouchers leave 'activated'/'allocated' when
 * it is handed (same transaction). So the count starts from the few orders expiring within the window and asks, per
 * holder, whether one booklet not handed has one voucher matching the notices' conditions (index booklets_waiting).
 */
export function expiryNoticeCountSql(now: Date, organisationIds: number[]) {
  const until = new Date(now.getTime() + WARNING_DAYS * 86_400_000);
  const liveVoucher = sql`exists (select 1 from vouchers v where v.booklet_id = b.id and v.status in ('activated', 'allocated') and v.expires_at > ${now} and v.expires_at <= ${until})`;
  return sql<number>`(select count(*) from orders o cross join unnest(${organisationIds}::bigint[]) as holder(id)
    where o.expires_at > ${now} and o.expires_at <= ${until}
      and (exists (select 1 from booklets b where b.order_id = o.id and b.allocated_organisation_id = holder.id and b.handed_at is null and ${liveVoucher})
        or (o.funder_organisation_id = holder.id
            and exists (select 1 from booklets b where b.order_id = o.id and b.allocated_organisation_id is null and b.handed_at is null and ${liveVoucher}))))`;
}

/** The organisations whose expiring booklets a principal is told about: its funders' and its prescribers'. */
export const expiryHolderOrganisations = (principal: Principal): number[] => [...new Set([...organisationsWithRole(principal, 'funder'), ...organisationsWithRole(principal, 'prescriber')])];

async function noticesWithin(db: Kysely<DB>, now: Date, organisationIds?: number[]): Promise<ExpiryNotice[]> {
  const { rows } = await expiryNoticesSql(now, organisationIds).execute(db);
  return rows.map((r) => ({ orderId: r.order_id, organisationId: r.organisation_id, organisationName: r.organisation_name, programmeName: r.programme_name, expiresAt: new Date(r.expires_at), bookletCount: r.booklets }));
}

/** The notices a funder or a prescriber sees on their pages. */
export async function expiryNoticesFor(db: Kysely<DB>, principal: Principal, now = new Date()): Promise<ExpiryNotice[]> {
  const organisations = expiryHolderOrganisations(principal);
  return organisations.length ? noticesWithin(db, now, organisations) : [];
}


/**
 * E-mails every member of each organisation concerned, once per order and organisation (recorded in
 * expiry_warnings, so that several instances running the hourly job send it once).
 */
export async function sendExpiryWarnings(db: Kysely<DB>, mailer: Mailer, publicUrl: string, now = new Date()): Promise<number> {
  let sent = 0;
  for (const notice of await noticesWithin(db, now)) {
    const claimed = await db
      .insertInto('expiry_warnings')
      .values({ order_id: notice.orderId, organisation_id: notice.organisationId, recipients: 0 })
      .onConflict((oc) => oc.doNothing())
      .returning('order_id')
      .executeTakeFirst();
    if (!claimed) continue;
    const members = await db
      .selectFrom('memberships as m')
      .innerJoin('users as u', 'u.id', 'm.user_id')
      .select('u.email')
      .distinct()
      .where('m.organisation_id', '=', notice.organisationId)
      .where('m.role', 'in', ['funder', 'prescriber'])
      .execute();
    if (members.length === 0) continue;
    await mailer.send({
      to: members.map((m) => m.email),
      subject: `Pass numérique : ${plural(notice.bookletCount, 'carnet expire', 'carnets expirent')} le ${frenchDay(notice.expiresAt)}`,
      text: [
        'Bonjour,',
        '',
        notice.bookletCount === 1
          ? `1 carnet du programme « ${notice.programmeName} » (commande n° ${notice.orderId}) détenu par ${notice.organisationName} n’a pas encore été remis à une personne.`
          : `${plural(notice.bookletCount, 'carnet')} du programme « ${notice.programmeName} » (commande n° ${notice.orderId}) détenus par ${notice.organisationName} n’ont pas encore été remis à des personnes.`,
        notice.bookletCount === 1
          ? `Ses chèques expirent le ${frenchDay(notice.expiresAt)} : remettez-le avant cette date pour qu’ils servent.`
          : `Leurs chèques expirent le ${frenchDay(notice.expiresAt)} : remettez-les avant cette date pour qu’ils servent.`,
        '',
        `${publicUrl.replace(/\/$/, '')}/notifications`,
      ].join('\n'),
    });
    await db.updateTable('expiry_warnings').set({ recipients: members.length }).where('order_id', '=', notice.orderId).where('organisation_id', '=', notice.organisationId).execute();
    await recordAudit(db, { actorUserId: null, organisationId: notice.organisationId, orderId: notice.orderId, action: 'expiry.warning_sent', details: { recipients: members.length, bookletCount: notice.bookletCount } });
    sent += 1;
  }
  return sent;
}
