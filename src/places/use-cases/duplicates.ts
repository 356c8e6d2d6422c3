import { sql, type Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB, LabelStatus } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { defaultChoice, differingFields, fieldText, MERGE_FIELDS, mergeSides, type MergeSide } from '../domain/merge.js';
import { canReviewDuplicates } from '../domain/policies.js';
import { labelRecordValidToday } from '../domain/sql-fragments.js';
import { LABEL_STATUS_TEXT } from './labels.js';
import { standardFileRow, standardRecord } from './record.js';
import { programmesOpenToPlace, replaceProgrammes, validatedColumns } from './store.js';

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

/** A record's latest label, as the reviewer compares them. */
export interface PairLabel {
  status: LabelStatus;
  statusText: string;
  validFrom: string | null;
  validUntil: string | null;
  /** Approved and within its dates today: the record a reviewer should keep. */
  valid: boolean;
}

export interface DuplicatePair {
  placeId: number;
  placeName: string;
  placeAddress: string;
  placeSource: string | null;
  placeUpdatedOn: string;
  placeLabel: PairLabel | null;
  otherPlaceId: number;
  otherPlaceName: string;
  otherPlaceAddress: string;
  otherPlaceSource: string | null;
  otherPlaceUpdatedOn: string;
  otherPlaceLabel: PairLabel | null;
  reason: 'same_siret' | 'same_name_nearby';
  /** Labelled today (its latest label approved and within its dates): the record a reviewer should keep. */
  placeLabelled: boolean;
  otherPlaceLabelled: boolean;
}

const pairLabel = (status: LabelStatus | null, validFrom: string | null, validUntil: string | null, valid: boolean | null): PairLabel | null =>
  status === null ? null : { status, statusText: LABEL_STATUS_TEXT[status], validFrom, validUntil, valid: Boolean(valid) };

interface LabelJson {
  status: LabelStatus;
  validFrom: string | null;
  validUntil: string | null;
  valid: boolean;
}

/** The place's latest label record (as currentLabel in labels.ts reads it), as one JSON value beside the place. */
const latestLabel = (placeColumn: 'a.id' | 'b.id') => sql<LabelJson | null>`(
  select json_build_object('status', l.status, 'validFrom', l.valid_from::text, 'validUntil', l.valid_until::text, 'valid', ${sql.raw(labelRecordValidToday('l'))})
  from place_labels l where l.place_id = ${sql.ref(placeColumn)} order by l.id desc limit 1)`;

export async function listOpenDuplicates(db: Kysely<DB>, departementCodes: string[] | null): Promise<DuplicatePair[]> {
  let query = db
    .selectFrom('place_duplicates as d')
    .innerJoin('places as a', 'a.id', 'd.place_id')
    .innerJoin('places as b', 'b.id', 'd.other_place_id')
    .innerJoin('communes as c', 'c.insee_code', 'a.commune_code')
    .select([
      'd.place_id', 'a.name as a_name', sql<string>`a.address || ', ' || a.postal_code || ' ' || a.commune_name`.as('a_address'), 'a.source as a_source', sql<string>`a.updated_on::text`.as('a_updated_on'),
      'd.other_place_id', 'b.name as b_name', sql<string>`b.address || ', ' || b.postal_code || ' ' || b.commune_name`.as('b_address'), 'b.source as b_source', sql<string>`b.updated_on::text`.as('b_updated_on'),
      'd.reason', latestLabel('a.id').as('a_label'), latestLabel('b.id').as('b_label'),
    ])
    .where('d.status', '=', 'open')
    .where('a.active', '=', true)
    .where('b.active', '=', true)
    .orderBy('d.detected_at')
    .limit(200);
  if (departementCodes) query = query.where('c.departement_code', 'in', departementCodes.length ? departementCodes : ['']);
  const rows = await query.execute();
  const label = (json: LabelJson | null) => (json ? pairLabel(json.status, json.validFrom, json.validUntil, json.valid) : null);
  return rows.map((r) => ({
    placeId: r.place_id, placeName: r.a_name, placeAddress: r.a_address, placeSource: r.a_source, placeUpdatedOn: r.a_updated_on, placeLabel: label(r.a_label),
    otherPlaceId: r.other_place_id, otherPlaceName: r.b_name, otherPlaceAddress: r.b_address, otherPlaceSource: r.b_source, otherPlaceUpdatedOn: r.b_updated_on, otherPlaceLabel: label(r.b_label),
    reason: r.reason, placeLabelled: Boolean(r.a_label?.valid), otherPlaceLabelled: Boolean(r.b_label?.valid),
  }));
}

const ordered = (pair: { placeId: number; otherPlaceId: number }): [number, number] =>
  pair.placeId < pair.otherPlaceId ? [pair.placeId, pair.otherPlaceId] : [pair.otherPlaceId, pair.placeId];

const ALREADY_REVIEWED = 'Ce doublon possible a déjà été traité (fiches distinctes, désactivée ou fusionnées) : rechargez la liste des doublons.';

/**
 * The pair, still to review, of two active places of the reviewer's territory (canReviewDuplicates on both). Locked
 * when `lock` is given, so that two reviewers deciding at once cannot both succeed. 404 when there is no such pair,
 * 403 outside the territory, 409 when it is no longer a pending duplicate.
 */
async function openPair(db: Kysely<DB>, principal: Principal, pair: { placeId: number; otherPlaceId: number }, lock = false) {
  const [first, second] = ordered(pair);
  // Decisions on pairs that share a record (A–B, B–C, A–C) lock the same places in different orders, and the merge
  // also rewrites the records merged before: one decision at a time, or PostgreSQL breaks a deadlock with an error.
  if (lock) await sql`select pg_advisory_xact_lock(hashtext('places-duplicates'))`.execute(db);
  let pairQuery = db.selectFrom('place_duplicates').select(['place_id', 'other_place_id', 'reason', 'status']).where('place_id', '=', first).where('other_place_id', '=', second);
  if (lock) pairQuery = pairQuery.forUpdate();
  const row = await pairQuery.executeTakeFirst();
  if (!row) throw notFound('Ce doublon possible n’existe pas.');
  let placesQuery = db.selectFrom('places as p').innerJoin('communes as c', 'c.insee_code', 'p.commune_code').select(['p.id', 'p.active', 'c.departement_code']).where('p.id', 'in', [first, second]);
  if (lock) placesQuery = placesQuery.forUpdate(['p']);
  const places = await placesQuery.execute();
  if (places.some((p) => !canReviewDuplicates(principal, p.departement_code))) throw forbidden('Ce doublon possible n’est pas sur le territoire de votre hub.');
  if (row.status !== 'open' || places.some((p) => !p.active)) throw conflict(ALREADY_REVIEWED, 'doublon_deja_traite');
  return { first, second, reason: row.reason };
}

/**
 * A reviewer either says the two records are distinct places, or deactivates one of them as the duplicate; the
 * deactivated record stays in the base (its history, its redemptions) and leaves the search and the export. A hub
 * reviews the pairs of its territory only (canReviewDuplicates on both places).
 */
export async function reviewDuplicate(
  db: Kysely<DB>,
  principal: Principal,
  pair: { placeId: number; otherPlaceId: number },
  decision: { kind: 'distinct' } | { kind: 'deactivate'; placeId: number },
): Promise<void> {
  const actorUserId = principal.system ? null : principal.userId;
  await db.transaction().execute(async (trx) => {
    const { first, second } = await openPair(trx, principal, pair, true);
    if (decision.kind === 'deactivate' && decision.placeId !== first && decision.placeId !== second) throw notFound('Ce lieu ne fait pas partie de la paire.');
    await trx
      .updateTable('place_duplicates')
      .set({ status: decision.kind === 'distinct' ? 'distinct' : 'resolved', reviewed_by: actorUserId, reviewed_at: new Date() })
      .where('place_id', '=', first)
      .where('other_place_id', '=', second)
      .execute();
    if (decision.kind === 'deactivate') {
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

/** One record of a pair as the merge page shows it. */
export interface PairSide {
  placeId: number;
  name: string;
  address: string;
  source: string | null;
  standardId: string;
  updatedOn: string;
  organisationName: string | null;
  label: PairLabel | null;
  merge: MergeSide;
}

async function pairSide(db: Kysely<DB>, placeId: number): Promise<PairSide> {
  const place = await db.selectFrom('places').selectAll().where('id', '=', placeId).executeTakeFirstOrThrow();
  const label = await db
    .selectFrom('place_labels as l')
    .select(['l.status', sql<string | null>`l.valid_from::text`.as('valid_from'), sql<string | null>`l.valid_until::text`.as('valid_until'), sql<boolean>`${sql.raw(labelRecordValidToday('l'))}`.as('valid')])
    .where('l.place_id', '=', placeId)
    .orderBy('l.id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const programmes = await db.selectFrom('place_programmes').select('programme_id').where('place_id', '=', placeId).orderBy('programme_id').execute();
  const organisation = place.organisation_id === null ? undefined : await db.selectFrom('organisations').select('name').where('id', '=', place.organisation_id).executeTakeFirst();
  return {
    placeId,
    name: place.name,
    address: `${place.address}, ${place.postal_code} ${place.commune_name}`,
    source: place.source,
    standardId: place.standard_id,
    updatedOn: String(place.updated_on),
    organisationName: organisation?.name ?? null,
    label: label ? pairLabel(label.status, label.valid_from, label.valid_until, label.valid) : null,
    merge: {
      placeId,
      standard: standardRecord(place),
      organisationId: place.organisation_id,
      stepFreeAccess: place.step_free_access,
      accessibilityNotes: place.accessibility_notes,
      programmeIds: programmes.map((p) => p.programme_id),
    },
  };
}

/** The record kept by default: the only one labelled today, else the only one with a label record, else the older one. */
function defaultKept(first: PairSide, second: PairSide): PairSide {
  if (Boolean(first.label?.valid) !== Boolean(second.label?.valid)) return first.label?.valid ? first : second;
  if ((first.label === null) !== (second.label === null)) return first.label ? first : second;
  return first;
}

export interface MergeProposal {
  reason: 'same_siret' | 'same_name_nearby';
  sides: [PairSide, PairSide];
  /** The record kept unless the reviewer chooses the other one. */
  keptPlaceId: number;
  /** Every field of the merge: whose value is offered first, and each record's value in French. */
  fields: { key: string; label: string; differs: boolean; defaultPlaceId: number; texts: [string, string] }[];
}

/** What the merge page shows of a pending pair: both records, their labels, and the fields where they differ. */
export async function mergeProposal(db: Kysely<DB>, principal: Principal, pair: { placeId: number; otherPlaceId: number }): Promise<MergeProposal> {
  const { first, second, reason } = await openPair(db, principal, pair);
  const sides: [PairSide, PairSide] = [await pairSide(db, first), await pairSide(db, second)];
  const kept = defaultKept(...sides);
  const other = kept === sides[0] ? sides[1] : sides[0];
  const organisationIds = sides.map((s) => s.merge.organisationId).filter((id): id is number => id !== null);
  const programmeIds = sides.flatMap((s) => s.merge.programmeIds);
  const names = {
    organisations: new Map(organisationIds.length ? (await db.selectFrom('organisations').select(['id', 'name']).where('id', 'in', organisationIds).execute()).map((o) => [o.id, o.name]) : []),
    programmes: new Map(programmeIds.length ? (await db.selectFrom('programmes').select(['id', 'name']).where('id', 'in', programmeIds).execute()).map((p) => [p.id, p.name]) : []),
  };
  const differing = new Set(differingFields(sides[0].merge, sides[1].merge).map((f) => f.key));
  return {
    reason,
    sides,
    keptPlaceId: kept.placeId,
    fields: MERGE_FIELDS.map((field) => ({
      key: field.key,
      label: field.label,
      differs: differing.has(field.key),
      defaultPlaceId: defaultChoice(kept.merge, other.merge, field),
      texts: [fieldText(sides[0].merge, field, names), fieldText(sides[1].merge, field, names)],
    })),
  };
}

export interface MergeDecision {
  /** The record kept: its id, label history, bank details and redemptions stay; the other is deactivated. */
  keptPlaceId: number;
  /** Per differing field (MERGE_FIELDS key), the place whose value the merged record takes; the default otherwise. */
  choices: Record<string, number>;
}

/**
 * Merges a pending pair field by field, in one transaction: the kept record takes the chosen values (validated as
 * any place is), the other is deactivated and points to it (`merged_into`, as do the records merged into it
 * before), the pair is marked merged, and both records' journals say so. Refused like any review outside the
 * territory (403) or once the pair is no longer pending (409).
 */
export async function mergeDuplicate(db: Kysely<DB>, principal: Principal, pair: { placeId: number; otherPlaceId: number }, decision: MergeDecision) {
  const actorUserId = principal.system ? null : principal.userId;
  return db.transaction().execute(async (trx) => {
    const { first, second } = await openPair(trx, principal, pair, true);
    const keptId = decision.keptPlaceId;
    if (keptId !== first && keptId !== second) throw invalid('Choisissez la fiche à conserver parmi les deux fiches de la paire.', 'fiche_conservee_invalide');
    const otherId = keptId === first ? second : first;
    const kept = await pairSide(trx, keptId);
    const other = await pairSide(trx, otherId);
    const fromOther = new Set<string>();
    for (const field of differingFields(kept.merge, other.merge)) {
      const chosen = decision.choices[field.key] ?? defaultChoice(kept.merge, other.merge, field);
      if (chosen !== keptId && chosen !== otherId) throw invalid(`Champ « ${field.label} » : choisissez la valeur de l’une des deux fiches.`, 'choix_invalide');
      if (chosen === otherId) fromOther.add(field.key);
    }
    const merged = mergeSides(kept.merge, other.merge, fromOther);
    const today = new Date().toISOString().slice(0, 10);
    const { standard_id: _kept, ...columns } = await validatedColumns(trx, { ...standardFileRow(merged.standard), id: kept.standardId, date_maj: today });
    const now = new Date();
    await trx
      .updateTable('places')
      .set({ ...columns, organisation_id: merged.organisationId, step_free_access: merged.stepFreeAccess, accessibility_notes: merged.accessibilityNotes, updated_at: now })
      .where('id', '=', keptId)
      .execute();
    await replaceProgrammes(trx, keptId, merged.programmeIds, (await programmesOpenToPlace(trx, keptId)).map((p) => p.id));
    await trx.updateTable('places').set({ active: false, merged_into: keptId, updated_at: now }).where('id', '=', otherId).execute();
    await trx.updateTable('places').set({ merged_into: keptId }).where('merged_into', '=', otherId).execute();
    await trx.updateTable('place_duplicates').set({ status: 'merged', reviewed_by: actorUserId, reviewed_at: now }).where('place_id', '=', first).where('other_place_id', '=', second).execute();
    const fields = [...fromOther];
    await recordAudit(trx, { actorUserId, organisationId: merged.organisationId, action: 'place.merged', placeId: keptId, details: { pair: [first, second], mergedPlaceId: otherId, fieldsFromMerged: fields } });
    await recordAudit(trx, { actorUserId, organisationId: other.merge.organisationId, action: 'place.merged_into', placeId: otherId, details: { pair: [first, second], keptPlaceId: keptId } });
    return { keptPlaceId: keptId, mergedPlaceId: otherId, fieldsFromMerged: fields };
  });
}
