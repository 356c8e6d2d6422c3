import { sql, type Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { forbidden, notFound } from '../../shared/errors.js';
import { canReviewDuplicates } from '../domain/policies.js';
import { labelRecordValidToday } from '../domain/sql-fragments.js';

/** Metres, in the kilometre projection of `places.location`. */
const NEARBY_KM = 0.1;

/**
 * Lists, for review, pairs that are likely the same place under two identifiers: same SIRET, or the same
 * normalised name within 100 m. Returns how many new pairs were found.
 */
export async function detectDuplicates(db: Kysely<DB>, placeIds: number[]): Promise<number> {
  if (placeIds.length === 0) return 0;
  const result = await sql`
    insert into place_duplicates (place_id, other_place_id, reason)
    select distinct least(a.id, b.id), greatest(a.id, b.id), pair.reason
    from places a
    cross join lateral (
      select b.id, 'same_siret' as reason from places b where b.pivot = a.pivot and b.id <> a.id and b.active
      union all
      select b.id, 'same_name_nearby' from places b
      where b.normalised_name = a.normalised_name and b.id <> a.id and b.active and b.location <@ circle(a.location, ${NEARBY_KM})
    ) pair
    join places b on b.id = pair.id
    where a.id = any(${placeIds}::bigint[]) and a.active
    on conflict (place_id, other_place_id) do nothing`.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

export interface DuplicatePair {
  placeId: number;
  placeName: string;
  placeAddress: string;
  placeSource: string | null;
  otherPlaceId: number;
  otherPlaceName: string;
  otherPlaceAddress: string;
  otherPlaceSource: string | null;
  reason: 'same_siret' | 'same_name_nearby';
  /** Labelled today (its latest label approved and within its dates): the record a reviewer should keep. */
  placeLabelled: boolean;
  otherPlaceLabelled: boolean;
}

/** Whether the place's latest label record is approved and valid today, as currentLabel (labels.ts) reads it. */
const labelledToday = (placeColumn: 'a.id' | 'b.id') => sql<boolean>`coalesce((
  select ${sql.raw(labelRecordValidToday('l'))}
  from place_labels l where l.place_id = ${sql.ref(placeColumn)} order by l.id desc limit 1), false)`;

export async function listOpenDuplicates(db: Kysely<DB>, departementCodes: string[] | null): Promise<DuplicatePair[]> {
  let query = db
    .selectFrom('place_duplicates as d')
    .innerJoin('places as a', 'a.id', 'd.place_id')
    .innerJoin('places as b', 'b.id', 'd.other_place_id')
    .innerJoin('communes as c', 'c.insee_code', 'a.commune_code')
    .select([
      'd.place_id', 'a.name as a_name', sql<string>`a.address || ', ' || a.postal_code || ' ' || a.commune_name`.as('a_address'), 'a.source as a_source',
      'd.other_place_id', 'b.name as b_name', sql<string>`b.address || ', ' || b.postal_code || ' ' || b.commune_name`.as('b_address'), 'b.source as b_source',
      'd.reason', labelledToday('a.id').as('a_labelled'), labelledToday('b.id').as('b_labelled'),
    ])
    .where('d.status', '=', 'open')
    .where('a.active', '=', true)
    .where('b.active', '=', true)
    .orderBy('d.detected_at')
    .limit(200);
  if (departementCodes) query = query.where('c.departement_code', 'in', departementCodes.length ? departementCodes : ['']);
  const rows = await query.execute();
  return rows.map((r) => ({
    placeId: r.place_id, placeName: r.a_name, placeAddress: r.a_address, placeSource: r.a_source,
    otherPlaceId: r.other_place_id, otherPlaceName: r.b_name, otherPlaceAddress: r.b_address, otherPlaceSource: r.b_source,
    reason: r.reason, placeLabelled: Boolean(r.a_labelled), otherPlaceLabelled: Boolean(r.b_labelled),
  }));
}

/**
 * A reviewer either says the two records are distinct places, or deactivates one of them as the duplicate; the
 * deactivated record stays in the base (its history, its redemptions) and leaves the search and the export. A hub
 * reviews the pairs of its territory only (canReviewDuplicates): the pair's first place, where the list shows it,
 * and the place it deactivates.
 */
export async function reviewDuplicate(
  db: Kysely<DB>,
  principal: Principal,
  pair: { placeId: number; otherPlaceId: number },
  decision: { kind: 'distinct' } | { kind: 'deactivate'; placeId: number },
): Promise<void> {
  const [first, second] = pair.placeId < pair.otherPlaceId ? [pair.placeId, pair.otherPlaceId] : [pair.otherPlaceId, pair.placeId];
  const actorUserId = principal.system ? null : principal.userId;
  await db.transaction().execute(async (trx) => {
    const concerned = [first, ...(decision.kind === 'deactivate' ? [decision.placeId] : [])];
    const places = await trx.selectFrom('places as p').innerJoin('communes as c', 'c.insee_code', 'p.commune_code').select('c.departement_code').where('p.id', 'in', concerned).execute();
    if (places.some((p) => !canReviewDuplicates(principal, p.departement_code))) throw forbidden('Ce doublon possible n’est pas sur le territoire de votre hub.');
    const updated = await trx
      .updateTable('place_duplicates')
      .set({ status: decision.kind === 'distinct' ? 'distinct' : 'resolved', reviewed_by: actorUserId, reviewed_at: new Date() })
      .where('place_id', '=', first)
      .where('other_place_id', '=', second)
      .where('status', '=', 'open')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw notFound('Ce doublon possible a déjà été traité ou n’existe pas.');
    if (decision.kind === 'deactivate') {
      if (decision.placeId !== first && decision.placeId !== second) throw notFound('Ce lieu ne fait pas partie de la paire.');
      await trx.updateTable('places').set({ active: false, updated_at: new Date() }).where('id', '=', decision.placeId).execute();
    }
    await recordAudit(trx, {
      actorUserId,
      action: decision.kind === 'distinct' ? 'place.duplicate_dismissed' : 'place.deactivated_as_duplicate',
      placeId: decision.kind === 'deactivate' ? decision.placeId : first,
      details: { pair: [first, second] },
    });
  });
}
