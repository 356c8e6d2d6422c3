import { sql, type Kysely } from 'kysely';
import { isAdmin, organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import type { DB, LabelStatus } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { DomainError, conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { placeFacts, placeLocation, requireReviewer } from './access.js';
import { labelRecordValidToday } from '../domain/sql-fragments.js';
import { canReviewLabel } from '../domain/policies.js';
import { normaliseText } from '../domain/normalise.js';
import { readPage } from '../../shared/paged-query.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import { normalisedSql } from './territory.js';

/** A label lasts three years unless the reviewer decides otherwise. */
export const DEFAULT_LABEL_YEARS = 3;

export interface LabelSummary {
  id: number;
  status: LabelStatus;
  validFrom: string | null;
  validUntil: string | null;
  /** Approved and within its dates today: the only state in which the place redeems vouchers. */
  valid: boolean;
  decisionReason: string | null;
}

export const LABEL_STATUS_TEXT: Record<LabelStatus, string> = {
  pending: 'Demande en cours d’examen',
  approved: 'Labellisé',
  refused: 'Demande refusée',
  suspended: 'Label suspendu',
};

export async function listCriteria(db: Kysely<DB>, includeInactive = false) {
  let query = db.selectFrom('label_criteria').selectAll().orderBy('position').orderBy('id');
  if (!includeInactive) query = query.where('active', '=', true);
  return query.execute();
}

/** The national administration keeps the checklist: add a criterion, reword it, retire it. */
export async function saveCriterion(db: Kysely<DB>, principal: Principal, input: { id?: number; title: string; description: string; position: number; active: boolean }) {
  if (!isAdmin(principal)) throw forbidden('La grille de labellisation est tenue par l’administration nationale.');
  if (!input.title.trim()) throw invalid('Le critère doit avoir un intitulé.');
  await db.transaction().execute(async (trx) => {
    if (input.id) {
      const updated = await trx.updateTable('label_criteria').set({ title: input.title.trim(), description: input.description.trim(), position: input.position, active: input.active }).where('id', '=', input.id).executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) throw notFound('Ce critère n’existe pas.');
    } else {
      await trx.insertInto('label_criteria').values({ title: input.title.trim(), description: input.description.trim(), position: input.position, active: input.active }).execute();
    }
    await recordAudit(trx, { actorUserId: principal.userId, action: input.id ? 'label.criterion_changed' : 'label.criterion_added', details: { ...input } });
  });
}

const VALID_TODAY = sql.raw<boolean>(labelRecordValidToday('place_labels'));

/** The place's most recent label record, and whether it is valid today. */
export async function currentLabel(db: Kysely<DB>, placeId: number): Promise<LabelSummary | null> {
  const row = await db
    .selectFrom('place_labels')
    .select(['id', 'status', 'valid_from', 'valid_until', 'decision_reason', VALID_TODAY.as('valid')])
    .where('place_id', '=', placeId)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? { id: row.id, status: row.status, validFrom: row.valid_from, validUntil: row.valid_until, valid: row.valid, decisionReason: row.decision_reason } : null;
}

/**
 * A place's mediator applies for the label by declaring the checklist met. Every active criterion must be ticked:
 * the reviewer checks the declaration, the applicant cannot leave one out.
 */
export async function applyForLabel(db: Kysely<DB>, principal: Principal, placeId: number, input: { criteriaMet: number[]; note: string }): Promise<number> {
  const place = await placeLocation(db, placeId);
  if (place.organisation_id === null || !organisationsWithRole(principal, 'mediator').includes(place.organisation_id)) {
    throw forbidden('Seuls les médiateurs du lieu peuvent demander son label.');
  }
  const criteria = await listCriteria(db);
  const missing = criteria.filter((c) => !input.criteriaMet.includes(c.id));
  if (missing.length) {
    throw new DomainError('invalid', 'criteres_manquants', `Chaque critère doit être rempli pour demander le label. Manque : ${missing.map((c) => `« ${c.title} »`).join(', ')}.`, { missing: missing.map((c) => c.id) });
  }
  return db.transaction().execute(async (trx) => {
    const current = await currentLabel(trx, placeId);
    if (current?.status === 'pending') throw conflict('Une demande de label est déjà en cours d’examen pour ce lieu.');
    if (current?.valid) throw conflict(`Ce lieu est déjà labellisé jusqu’au ${current.validUntil}.`);
    const { id } = await trx
      .insertInto('place_labels')
      .values({ place_id: placeId, status: 'pending', criteria_met: criteria.map((c) => c.id), applicant_note: input.note.trim(), applied_by: principal.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: place.organisation_id, action: 'label.applied', placeId, toStatus: 'pending', details: { labelId: id, criteria: criteria.map((c) => c.title), note: input.note.trim() } });
    return id;
  });
}

export type LabelDecision =
  | { kind: 'approve'; validFrom: string; validUntil: string; reason?: string }
  | { kind: 'refuse'; reason: string }
  | { kind: 'suspend'; reason: string }
  | { kind: 'reinstate'; reason: string };

const TRANSITIONS: Record<LabelDecision['kind'], { from: LabelStatus; to: LabelStatus; action: string }> = {
  approve: { from: 'pending', to: 'approved', action: 'label.approved' },
  refuse: { from: 'pending', to: 'refused', action: 'label.refused' },
  suspend: { from: 'approved', to: 'suspended', action: 'label.suspended' },
  reinstate: { from: 'suspended', to: 'approved', action: 'label.reinstated' },
};

const WRONG_STATE: Record<LabelDecision['kind'], string> = {
  approve: 'Seule une demande en cours d’examen peut être acceptée.',
  refuse: 'Seule une demande en cours d’examen peut être refusée.',
  suspend: 'Seul un label accordé peut être suspendu.',
  reinstate: 'Seul un label suspendu peut être rétabli.',
};

function checkDecision(decision: LabelDecision): void {
  if (decision.kind !== 'approve' && !decision.reason.trim()) throw invalid('Indiquez le motif de la décision : il est communiqué au lieu et conservé au journal.');
  if (decision.kind === 'approve') {
    const dates = /^\d{4}-\d{2}-\d{2}$/;
    if (!dates.test(decision.validFrom) || !dates.test(decision.validUntil)) throw invalid('Les dates du label sont au format AAAA-MM-JJ.');
    if (decision.validUntil <= decision.validFrom) throw invalid('La fin du label doit suivre son début.');
  }
}

/** The hub of the place's territory, or the administration, decides; the decision and its reason are journaled. */
export async function decideLabel(db: Kysely<DB>, principal: Principal, labelId: number, decision: LabelDecision): Promise<void> {
  checkDecision(decision);
  await requireReviewer(db, principal);
  await db.transaction().execute(async (trx) => {
    const label = await trx.selectFrom('place_labels').select(['id', 'place_id', 'status']).where('id', '=', labelId).forUpdate().executeTakeFirst();
    if (!label) throw notFound('Cette demande de label n’existe pas.');
    const place = await placeLocation(trx, label.place_id);
    if (!canReviewLabel(principal, placeFacts(place))) throw forbidden('Ce lieu n’est pas sur le territoire de votre hub.');
    const transition = TRANSITIONS[decision.kind];
    if (label.status !== transition.from) throw conflict(WRONG_STATE[decision.kind]);
    await trx
      .updateTable('place_labels')
      .set({
        status: transition.to,
        decided_by: principal.userId,
        decided_at: new Date(),
        decision_reason: decision.reason?.trim() || null,
        ...(decision.kind === 'approve' ? { valid_from: decision.validFrom, valid_until: decision.validUntil } : {}),
      })
      .where('id', '=', labelId)
      .execute();
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: place.organisation_id,
      action: transition.action,
      placeId: place.id,
      fromStatus: transition.from,
      toStatus: transition.to,
      details: { labelId, reason: decision.reason?.trim() || null, ...(decision.kind === 'approve' ? { validFrom: decision.validFrom, validUntil: decision.validUntil } : {}) },
    });
  });
}

export interface LabelRequest {
  labelId: number;
  placeId: number;
  placeName: string;
  commune: string;
  status: LabelStatus;
  appliedAt: Date;
  applicantNote: string;
  validFrom: string | null;
  validUntil: string | null;
}

/** Pending applications first, then granted and suspended labels, on the reviewer's territory. */
export async function labelsToReview(db: Kysely<DB>, principal: Principal): Promise<LabelRequest[]> {
  const departements = await requireReviewer(db, principal);
  let query = db
    .selectFrom('place_labels as l')
    .innerJoin('places as p', 'p.id', 'l.place_id')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .select(['l.id', 'l.place_id', 'p.name', 'p.commune_name', 'l.status', 'l.applied_at', 'l.applicant_note', 'l.valid_from', 'l.valid_until'])
    .where('l.status', 'in', ['pending', 'approved', 'suspended'])
    .where(sql<boolean>`l.id = (select max(id) from place_labels where place_id = l.place_id)`)
    .orderBy(sql`l.status = 'pending'`, 'desc')
    .orderBy('l.applied_at')
    .limit(500);
  if (departements) query = query.where('c.departement_code', 'in', departements);
  return (await query.execute()).map((r) => ({
    labelId: r.id, placeId: r.place_id, placeName: r.name, commune: r.commune_name, status: r.status, appliedAt: r.applied_at,
    applicantNote: r.applicant_note, validFrom: r.valid_from, validUntil: r.valid_until,
  }));
}

export interface LabelFilters {
  status?: 'pending' | 'approved' | 'suspended';
  departement?: string;
  /** Part of the place's name or of its commune's, accents and case ignored. */
  text?: string;
}

/**
 * One page of the reviewer's labels (labelsToReview's rule: each place's latest record, pending first, on the
 * reviewer's territory), filtered, with the count.
 */
export async function listLabelsPage(db: Kysely<DB>, principal: Principal, filters: LabelFilters, request: PageRequest): Promise<{ requests: LabelRequest[]; page: Page }> {
  const departements = await requireReviewer(db, principal);
  let query = db
    .selectFrom('place_labels as l')
    .innerJoin('places as p', 'p.id', 'l.place_id')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .select(['l.id', 'l.place_id', 'p.name', 'p.commune_name', 'l.status', 'l.applied_at', 'l.applicant_note', 'l.valid_from', 'l.valid_until'])
    .where('l.status', 'in', filters.status ? [filters.status] : ['pending', 'approved', 'suspended'])
    .where(sql<boolean>`l.id = (select max(id) from place_labels where place_id = l.place_id)`)
    .orderBy(sql`l.status = 'pending'`, 'desc')
    .orderBy('l.applied_at')
    .orderBy('l.id');
  if (departements) query = query.where('c.departement_code', 'in', departements);
  if (filters.departement) query = query.where('c.departement_code', '=', filters.departement);
  const text = normaliseText(filters.text ?? '');
  if (filters.text && !text) query = query.where(sql<boolean>`false`);
  if (text) query = query.where((eb) => eb.or([eb('p.normalised_name', 'like', `%${text}%`), sql<boolean>`${normalisedSql('p.commune_name')} like ${`%${text}%`}`]));
  const { rows, page } = await readPage(query, request);
  return {
    requests: rows.map((r) => ({
      labelId: r.id, placeId: r.place_id, placeName: r.name, commune: r.commune_name, status: r.status, appliedAt: r.applied_at,
      applicantNote: r.applicant_note, validFrom: r.valid_from, validUntil: r.valid_until,
    })),
    page,
  };
}

/** Who decided what, when and why, for one place. */
export async function labelHistory(db: Kysely<DB>, placeId: number) {
  return db
    .selectFrom('audit_events as e')
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .select(['e.at', 'e.action', 'u.display_name', sql<string | null>`e.details->>'reason'`.as('reason'), sql<string | null>`e.details->>'note'`.as('note')])
    .where('e.place_id', '=', placeId)
    .where('e.action', 'like', 'label.%')
    .orderBy('e.id', 'desc')
    .execute();
}
