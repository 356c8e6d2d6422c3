import { sql, type Kysely } from 'kysely';
import { canReadFunderReport } from '../domain/policies.js';
import type { Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { forbidden, notFound } from '../../shared/errors.js';
import { AGE_BANDS, NOT_GIVEN_LABEL, SITUATIONS } from '../domain/profile.js';
import { ordersProgress, type OrderProgress } from '../../kit/use-cases/progress.js';

/** Below this many booklets a group is shown as "fewer than 3": a small commune must not point at a person. */
export const SMALL_COUNT = 3;

export interface OrderFigures {
  orderId: number;
  programmeName: string;
  placedAt: Date;
  status: string;
  role: 'ordered' | 'cofunded';
  shareBp: number;
  vouchers: { issued: number; allocated: number; handed: number; redeemed: number; expired: number };
  /** The whole order's amount. */
  amountCents: number;
  /** This funder's committed part of it (order_cofunding, split to the cent when the order was placed). */
  shareCents: number;
  redeemedCents: number;
  expiredCents: number;
  /** The funder's part of the expired value, as booked in the ledger (largest remainder to the cent). */
  refundCents: number;
  /** Every co-funder's exact and booked part of the expired value: how the cents were assigned. */
  refundSplit: { organisationName: string; shareBp: number; exactCents: number; bookedCents: number }[];
}

export interface ReachGroup {
  label: string;
  /** null when fewer than SMALL_COUNT booklets. */
  booklets: number | null;
}

export interface FunderReport {
  funder: { id: number; name: string };
  orders: OrderFigures[];
  totals: { amountCents: number; redeemedCents: number; expiredCents: number; refundCents: number; handed: number; redeemed: number };
  reach: { handedBooklets: number; ageBands: ReachGroup[]; situations: ReachGroup[]; communes: ReachGroup[] };
  /** Levels measured before and after the workshops, per order (averages withheld under SMALL_COUNT booklets). */
  progress: OrderProgress[];
}

const group = (rows: { label: string | null; n: number }[], labels?: Record<string, string>): ReachGroup[] =>
  // « Non renseigné » (null on a handed booklet) is a group of its own, never folded into a real value.
  rows.map((r) => ({ label: r.label === null ? NOT_GIVEN_LABEL : (labels?.[r.label] ?? r.label), booklets: r.n < SMALL_COUNT ? null : r.n }));

/** A funder sees its own orders and those it co-funds; the administration sees every funder's. */
export async function funderReport(db: Kysely<DB>, principal: Principal, funderId: number): Promise<FunderReport> {
  if (!canReadFunderReport(principal, funderId)) throw forbidden('Ce rapport est celui d’un autre financeur.');
  const funder = await db.selectFrom('organisations').select(['id', 'name']).where('id', '=', funderId).executeTakeFirst();
  if (!funder) throw notFound('Ce financeur n’existe pas.');
  const { rows } = await sql<{
    id: number; programme: string; placed_at: Date; status: string; funder_organisation_id: number; share_bp: number; amount_cents: number; share_cents: number;
    issued: number; allocated: number; handed: number; redeemed: number; expired: number; redeemed_cents: number; expired_cents: number; refund_cents: number;
  }>`
    select o.id, p.name as programme, o.placed_at, o.status, o.funder_organisation_id, c.share_bp, o.amount_cents, c.amount_cents as share_cents,
      (select count(*) from vouchers v where v.order_id = o.id)::int as issued,
      (select count(*) from vouchers v join booklets b on b.id = v.booklet_id where v.order_id = o.id and b.allocated_at is not null)::int as allocated,
      (select count(*) from vouchers v join booklets b on b.id = v.booklet_id where v.order_id = o.id and b.handed_at is not null)::int as handed,
      (select count(*) from vouchers v where v.order_id = o.id and v.status = 'redeemed')::int as redeemed,
      (select count(*) from vouchers v where v.order_id = o.id and v.status = 'expired')::int as expired,
      coalesce((select sum(face_value_cents) from vouchers v where v.order_id = o.id and v.status = 'redeemed'), 0)::bigint as redeemed_cents,
      coalesce((select sum(face_value_cents) from vouchers v where v.order_id = o.id and v.status = 'expired'), 0)::bigint as expired_cents,
      coalesce((select -sum(amount_cents) from ledger_entries l where l.order_id = o.id and l.account = 'funder_refund_due' and l.organisation_id = ${funderId}), 0)::bigint as refund_cents
    from orders o
    join programmes p on p.id = o.programme_id
    join order_cofunding c on c.order_id = o.id and c.organisation_id = ${funderId}
    where o.status <> 'cancelled'
    order by o.id`.execute(db);
  const orderIds = rows.map((r) => r.id);
  const splits = orderIds.length
    ? await sql<{ order_id: number; name: string; share_bp: number; booked: number }>`
        select c.order_id, org.name, c.share_bp,
          coalesce((select -sum(amount_cents) from ledger_entries l where l.order_id = c.order_id and l.account = 'funder_refund_due' and l.organisation_id = c.organisation_id), 0)::bigint as booked
        from order_cofunding c join organisations org on org.id = c.organisation_id
        where c.order_id = any(${orderIds}::bigint[]) order by c.order_id, c.share_bp desc`.execute(db)
    : { rows: [] };
  const orders: OrderFigures[] = rows.map((r) => ({
    orderId: r.id, programmeName: r.programme, placedAt: new Date(r.placed_at), status: r.status,
    role: r.funder_organisation_id === funderId ? 'ordered' : 'cofunded', shareBp: r.share_bp,
    vouchers: { issued: r.issued, allocated: r.allocated, handed: r.handed, redeemed: r.redeemed, expired: r.expired },
    amountCents: Number(r.amount_cents), shareCents: Number(r.share_cents), redeemedCents: Number(r.redeemed_cents), expiredCents: Number(r.expired_cents), refundCents: Number(r.refund_cents),
    refundSplit: splits.rows.filter((s) => s.order_id === r.id).map((s) => ({ organisationName: s.name, shareBp: s.share_bp, exactCents: (Number(r.expired_cents) * s.share_bp) / 10_000, bookedCents: Number(s.booked) })),
  }));
  const reachOf = async (column: 'profile_age_band' | 'profile_situation') =>
    (await sql<{ label: string | null; n: number }>`
      select ${sql.ref(`b.${column}`)} as label, count(*)::int as n from booklets b
      where b.order_id = any(${orderIds.length ? orderIds : [0]}::bigint[]) and b.handed_at is not null
      group by 1 order by 2 desc`.execute(db)).rows;
  const communes = (await sql<{ label: string | null; n: number }>`
      select c.name as label, count(*)::int as n from booklets b left join communes c on c.insee_code = b.profile_commune_code
      where b.order_id = any(${orderIds.length ? orderIds : [0]}::bigint[]) and b.handed_at is not null
      group by c.insee_code, c.name order by 2 desc, 1`.execute(db)).rows;
  const ageRows = await reachOf('profile_age_band');
  const ageOrder = (label: string | null) => (label === null ? 99 : AGE_BANDS.indexOf(label as (typeof AGE_BANDS)[number]));
  return {
    funder,
    orders,
    totals: {
      // The funder's own commitment: its booked share of each order, not the orders' whole amounts.
      amountCents: orders.reduce((s, o) => s + o.shareCents, 0),
      redeemedCents: orders.reduce((s, o) => s + o.redeemedCents, 0),
      expiredCents: orders.reduce((s, o) => s + o.expiredCents, 0),
      refundCents: orders.reduce((s, o) => s + o.refundCents, 0),
      handed: orders.reduce((s, o) => s + o.vouchers.handed, 0),
      redeemed: orders.reduce((s, o) => s + o.vouchers.redeemed, 0),
    },
    reach: {
      handedBooklets: ageRows.reduce((s, r) => s + r.n, 0),
      ageBands: group([...ageRows].sort((a, b) => ageOrder(a.label) - ageOrder(b.label)), Object.fromEntries(AGE_BANDS.map((a) => [a, `${a} ans`]))),
      situations: group(await reachOf('profile_situation'), SITUATIONS),
      communes: group(communes),
    },
    progress: await ordersProgress(db, orderIds, SMALL_COUNT),
  };
}
