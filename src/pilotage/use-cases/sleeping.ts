import { sql, type Kysely, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { reach, reachIsEmpty, type Reach } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { LIVE_VOUCHER_STATUSES_SQL } from '../../pass/domain/voucher-status.js';
import { acceptsAnyProgramme, labelValidToday } from '../../places/domain/sql-fragments.js';
import { forbidden, invalid } from '../../shared/errors.js';
import { PILOTAGE_PERMISSIONS } from '../domain/policies.js';
import { cutoff, DEFAULT_NUDGE_SETTINGS, horizon, mergeSmallCommunes, NUDGE_KINDS, type NudgeKind, type NudgeSetting } from '../domain/sleeping.js';

/**
 * Where value sleeps (/pilotage/dormants, GET /api/v1/pilotage/sleeping, and the nudges that read the same queries
 * for every organisation). Counts per organisation and per commune only: no list reaches one person, and a commune
 * with fewer than 5 sleeping booklets of a prescriber is merged into « autres communes » (domain/sleeping.ts).
 * Who sees which rows is the policy 'pilotage.sleeping' turned into SQL (`reach`): a prescriber its own booklets,
 * a funder those of its orders (and the places accepting its programmes), a hub its départements, the
 * administration everything.
 */

export type NudgeSettings = Record<NudgeKind, NudgeSetting>;

export async function readNudgeSettings(db: Kysely<DB>): Promise<NudgeSettings> {
  const rows = await db.selectFrom('nudge_settings').selectAll().execute();
  const settings: NudgeSettings = { ...DEFAULT_NUDGE_SETTINGS };
  for (const r of rows) settings[r.kind] = { kind: r.kind, enabled: r.enabled, thresholdDays: r.threshold_days, minRedemptions: r.min_redemptions, period: r.period };
  return settings;
}

/** The pass's live voucher (pass/domain/voucher-status.ts) at the instant `now` rather than the database's. */
export const liveAt = (alias: string, now: Date): RawBuilder<boolean> => sql<boolean>`(${sql.raw(`${alias}.status in ${LIVE_VOUCHER_STATUSES_SQL}`)} and ${sql.ref(`${alias}.expires_at`)} > ${now})`;

/**
 * `allows(principal, 'pilotage.sleeping', target)` as a condition on a row: any of the row's organisation columns
 * among the organisations it reaches, or its département column among the hub's départements.
 */
export function reachCondition(r: Reach, columns: { organisations: (string | RawBuilder<unknown>)[]; departement: string | null }): RawBuilder<boolean> {
  if (r.all) return sql<boolean>`true`;
  const parts: RawBuilder<boolean>[] = [];
  if (r.organisationIds.length) {
    for (const column of columns.organisations) parts.push(sql<boolean>`${typeof column === 'string' ? sql.ref(column) : column} = any(${r.organisationIds}::bigint[])`);
  }
  if (columns.departement && r.departementCodes.length) parts.push(sql<boolean>`${sql.ref(columns.departement)} = any(${r.departementCodes}::text[])`);
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` or `)})` : sql<boolean>`false`;
}

const ALL: Reach = { all: true, organisationIds: [], departementCodes: [] };

export interface AllocatedRow {
  organisationId: number;
  organisationName: string;
  booklets: number;
  oldestAllocation: Date;
}

/** Booklets allocated more than N days ago and not handed, still live, per prescribing organisation. */
export async function allocatedNotHanded(db: Kysely<DB>, r: Reach, now: Date, days: number): Promise<AllocatedRow[]> {
  const { rows } = await sql<{ organisation_id: number; organisation_name: string; booklets: number; oldest: Date }>`
    select b.allocated_organisation_id as organisation_id, org.name as organisation_name, count(*)::int as booklets, min(b.allocated_at) as oldest
    from booklets b
    join orders o on o.id = b.order_id
    join organisations org on org.id = b.allocated_organisation_id
    where b.allocated_organisation_id is not null and b.handed_at is null and b.allocated_at <= ${cutoff(now, days)}
      and exists (select 1 from vouchers v where v.booklet_id = b.id and ${liveAt('v', now)})
      and ${reachCondition(r, { organisations: ['b.allocated_organisation_id', 'o.funder_organisation_id'], departement: 'org.departement_code' })}
    group by b.allocated_organisation_id, org.name
    order by count(*) desc, org.name`.execute(db);
  return rows.map((x) => ({ organisationId: Number(x.organisation_id), organisationName: x.organisation_name, booklets: x.booklets, oldestAllocation: new Date(x.oldest) }));
}

export interface HandedRow {
  organisationId: number;
  organisationName: string;
  communeCode: string | null;
  communeName: string;
  booklets: number;
  oldestHandOut: Date;
}

/**
 * Booklets handed more than N days ago of which no voucher was redeemed, still live, per prescriber and commune of
 * the person (the pseudonymous profile's); small communes merged per prescriber.
 */
export async function handedUnused(db: Kysely<DB>, r: Reach, now: Date, days: number): Promise<HandedRow[]> {
  const { rows } = await sql<{ organisation_id: number; organisation_name: string; commune_code: string | null; commune_name: string | null; booklets: number; oldest: Date }>`
    select org.id as organisation_id, org.name as organisation_name, b.profile_commune_code as commune_code, c.name as commune_name,
           count(*)::int as booklets, min(b.handed_at) as oldest
    from booklets b
    join orders o on o.id = b.order_id
    join organisations org on org.id = coalesce(b.allocated_organisation_id, o.funder_organisation_id)
    left join communes c on c.insee_code = b.profile_commune_code
    where b.handed_at is not null and b.handed_at <= ${cutoff(now, days)}
      and not exists (select 1 from vouchers v where v.booklet_id = b.id and v.status = 'redeemed')
      and exists (select 1 from vouchers v where v.booklet_id = b.id and ${liveAt('v', now)})
      and ${reachCondition(r, { organisations: ['org.id', 'o.funder_organisation_id'], departement: 'c.departement_code' })}
    group by org.id, org.name, b.profile_commune_code, c.name
    order by org.name, org.id, count(*) desc`.execute(db);
  const byOrganisation = new Map<number, HandedRow[]>();
  for (const x of rows) {
    const row: HandedRow = { organisationId: Number(x.organisation_id), organisationName: x.organisation_name, communeCode: x.commune_code, communeName: x.commune_name ?? 'commune inconnue', booklets: x.booklets, oldestHandOut: new Date(x.oldest) };
    byOrganisation.set(row.organisationId, [...(byOrganisation.get(row.organisationId) ?? []), row]);
  }
  return [...byOrganisation.values()].flatMap((list) =>
    mergeSmallCommunes(
      list.map((row) => ({ ...row, oldest: row.oldestHandOut })),
      (sum) => ({ ...sum, organisationId: list[0]!.organisationId, organisationName: list[0]!.organisationName, oldestHandOut: sum.oldest }),
    ).map(({ oldest: _oldest, ...row }) => row),
  );
}

export interface PlaceRow {
  placeId: number;
  placeName: string;
  communeName: string;
  organisationId: number | null;
  organisationName: string | null;
  redemptions: number;
}

/** Active places with a label valid today, accepting the pass, with fewer than M redemptions in the last N days. */
export async function fewRedemptions(db: Kysely<DB>, r: Reach, now: Date, days: number, minRedemptions: number): Promise<PlaceRow[]> {
  const since = cutoff(now, days);
  const funderOfAccepted = sql`(select pr.created_by_organisation_id from place_programmes pp2 join programmes pr on pr.id = pp2.programme_id where pp2.place_id = p.id and pr.created_by_organisation_id = any(${r.organisationIds}::bigint[]) limit 1)`;
  const { rows } = await sql<{ place_id: number; place_name: string; commune_name: string; organisation_id: number | null; organisation_name: string | null; redemptions: number }>`
    select p.id as place_id, p.name as place_name, p.commune_name, p.organisation_id, org.name as organisation_name,
           (select count(*)::int from vouchers v where v.redeemed_place_id = p.id and v.status = 'redeemed' and v.redeemed_at > ${since} and v.redeemed_at <= ${now}) as redemptions
    from places p
    join communes c on c.insee_code = p.commune_code
    left join organisations org on org.id = p.organisation_id
    where p.active and ${sql.raw(labelValidToday('p'))} and ${sql.raw(acceptsAnyProgramme('p'))}
      and (select count(*) from vouchers v where v.redeemed_place_id = p.id and v.status = 'redeemed' and v.redeemed_at > ${since} and v.redeemed_at <= ${now}) < ${minRedemptions}
      and ${reachCondition(r, { organisations: ['p.organisation_id', funderOfAccepted], departement: 'c.departement_code' })}
    order by redemptions, p.name
    limit 500`.execute(db);
  return rows.map((x) => ({ placeId: Number(x.place_id), placeName: x.place_name, communeName: x.commune_name, organisationId: x.organisation_id === null ? null : Number(x.organisation_id), organisationName: x.organisation_name, redemptions: x.redemptions }));
}

export interface ExpiringRow {
  orderId: number;
  programmeName: string;
  organisationId: number;
  organisationName: string;
  /** The funder for booklets it has not allocated, the prescribing organisation otherwise. */
  holder: 'funder' | 'prescriber';
  vouchers: number;
  handedVouchers: number;
  firstExpiry: Date;
}

/** Live vouchers expiring within N days, per order and holding organisation. */
export async function closeToExpiry(db: Kysely<DB>, r: Reach, now: Date, days: number): Promise<ExpiringRow[]> {
  const { rows } = await sql<{ order_id: number; programme_name: string; organisation_id: number; organisation_name: string; allocated: boolean; vouchers: number; handed: number; first_expiry: Date }>`
    select o.id as order_id, pr.name as programme_name, holder.id as organisation_id, holder.name as organisation_name,
           (b.allocated_organisation_id is not null) as allocated, count(*)::int as vouchers,
           count(*) filter (where v.status = 'handed')::int as handed, min(v.expires_at) as first_expiry
    from vouchers v
    join booklets b on b.id = v.booklet_id
    join orders o on o.id = v.order_id
    join programmes pr on pr.id = o.programme_id
    join organisations holder on holder.id = coalesce(b.allocated_organisation_id, o.funder_organisation_id)
    where ${liveAt('v', now)} and v.expires_at <= ${horizon(now, days)}
      and ${reachCondition(r, { organisations: ['holder.id', 'o.funder_organisation_id'], departement: 'holder.departement_code' })}
    group by o.id, pr.name, holder.id, holder.name, (b.allocated_organisation_id is not null)
    order by min(v.expires_at), o.id`.execute(db);
  return rows.map((x) => ({
    orderId: Number(x.order_id), programmeName: x.programme_name, organisationId: Number(x.organisation_id), organisationName: x.organisation_name,
    holder: x.allocated ? 'prescriber' : 'funder', vouchers: x.vouchers, handedVouchers: x.handed, firstExpiry: new Date(x.first_expiry),
  }));
}

export interface SleepingReport {
  settings: NudgeSettings;
  allocated: AllocatedRow[];
  handed: HandedRow[];
  places: PlaceRow[];
  expiring: ExpiringRow[];
}

/** The query of the page and the API: `now` (ISO date-time) for a replay, nothing else; unknown keys refused. */
export const sleepingQuery = z.object({ now: z.iso.datetime({ offset: true, error: 'La date « now » doit être une date et heure ISO 8601.' }).optional() }).strict();

/** The four lists, as far as the principal's policy reaches. */
export async function readSleeping(db: Kysely<DB>, principal: Principal, query: unknown = {}): Promise<SleepingReport> {
  const parsed = sleepingQuery.safeParse(query ?? {});
  if (!parsed.success) throw invalid(parsed.error.issues[0]?.message ?? 'Paramètres invalides.', 'parametres_invalides');
  const r = reach(principal, PILOTAGE_PERMISSIONS['pilotage.sleeping']);
  if (reachIsEmpty(r)) throw forbidden('Les chèques qui dorment se lisent par un prescripteur, un financeur, un hub ou l’administration.', 'hors_perimetre');
  const now = parsed.data.now ? new Date(parsed.data.now) : new Date();
  return sleepingFor(db, r, now);
}

export async function sleepingFor(db: Kysely<DB>, r: Reach, now: Date): Promise<SleepingReport> {
  const settings = await readNudgeSettings(db);
  const fr = settings.few_redemptions;
  return {
    settings,
    allocated: await allocatedNotHanded(db, r, now, settings.allocated_not_handed.thresholdDays),
    handed: await handedUnused(db, r, now, settings.handed_unused.thresholdDays),
    places: await fewRedemptions(db, r, now, fr.thresholdDays, fr.minRedemptions ?? DEFAULT_NUDGE_SETTINGS.few_redemptions.minRedemptions!),
    expiring: await closeToExpiry(db, r, now, settings.close_to_expiry.thresholdDays),
  };
}

/** Every organisation's sleeping value (the nudges' job, acting as the system). */
export const sleepingEverywhere = (db: Kysely<DB>, now: Date) => sleepingFor(db, ALL, now);

export { NUDGE_KINDS };
