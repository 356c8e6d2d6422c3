import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { isAdmin, organisationsWithRole, type Principal } from '../../accounts/domain/principal.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { canCreateProgramme, canDecideCofunding } from '../domain/policies.js';
import { SERVICE_NAMES } from '../domain/profile.js';
import { formatPercent } from '../../shared/french.js';

export interface ProgrammeInput {
  name: string;
  departementCodes: string[];
  faceValueCents?: number;
  validityMonths?: number;
  cofunders: { organisationId: number; shareBp: number }[];
  eligibleServices?: string[];
  allowDirectHanding?: boolean;
}

export interface Programme {
  id: number;
  name: string;
  faceValueCents: number;
  validityMonths: number;
  eligibleServices: string[];
  allowDirectHanding: boolean;
  departements: { code: string; name: string }[];
  cofunders: { organisationId: number; name: string; shareBp: number; status: CofundingStatus; refusalReason: string | null }[];
  createdByOrganisationId: number;
  /** Every co-funder has accepted its share: orders may be placed. */
  ready: boolean;
}

export type CofundingStatus = 'pending' | 'accepted' | 'refused';
export const COFUNDING_STATUS_LABELS: Record<CofundingStatus, string> = { pending: 'en attente de son accord', accepted: 'part acceptée', refused: 'part refusée' };

/** A voucher pays a workshop or an accompaniment: more than 1 000 € is a typing error. */
export const MAX_FACE_VALUE_CENTS = 100_000;

export function validateProgrammeInput(input: ProgrammeInput): void {
  if (!input.name.trim()) throw invalid('Le nom du programme est obligatoire.');
  if (input.faceValueCents !== undefined && (!Number.isSafeInteger(input.faceValueCents) || input.faceValueCents <= 0 || input.faceValueCents > MAX_FACE_VALUE_CENTS)) {
    throw invalid(`La valeur d’un chèque est comprise entre 0,01 € et ${MAX_FACE_VALUE_CENTS / 100} €.`, 'valeur_faciale');
  }
  if (input.validityMonths !== undefined && (!Number.isInteger(input.validityMonths) || input.validityMonths < 1 || input.validityMonths > 60)) {
    throw invalid('La validité d’un programme est comprise entre 1 et 60 mois.', 'validite');
  }
  if (input.departementCodes.length === 0) throw invalid('Un programme couvre au moins un département.', 'territoire_vide');
  if (input.cofunders.length === 0) throw invalid('Un programme a au moins un financeur.', 'financeurs_vides');
  const ids = new Set(input.cofunders.map((c) => c.organisationId));
  if (ids.size !== input.cofunders.length) throw invalid('Un financeur ne peut figurer qu’une fois.', 'financeur_double');
  const total = input.cofunders.reduce((sum, c) => sum + c.shareBp, 0);
  if (input.cofunders.some((c) => !Number.isInteger(c.shareBp) || c.shareBp <= 0) || total !== 10_000) {
    throw invalid(`Les parts des financeurs doivent faire ${formatPercent(10_000)} au total (actuellement ${formatPercent(total)}).`, 'parts_incorrectes');
  }
  const unknown = (input.eligibleServices ?? []).filter((service) => !SERVICE_NAMES.includes(service));
  if (unknown.length > 0) throw invalid(`Service inconnu : ${unknown.join(', ')}.`, 'service_inconnu');
}

/** The organisation on whose behalf the principal authors programmes (funder, hub or administration). */
function authorOrganisation(principal: Principal): number {
  if (!canCreateProgramme(principal)) throw forbidden('Seuls un financeur, un hub ou l’administration nationale peuvent créer un programme.');
  const creator = principal.memberships.find((m) => ['funder', 'hub', 'admin'].includes(m.role));
  if (!creator) throw forbidden('Seuls un financeur, un hub ou l’administration nationale peuvent créer un programme.');
  return creator.organisationId;
}

/**
 * Co-funders must be organisations of the funder kind; each accepts its share (the author's own share is accepted
 * by creating the programme when the author is a funder there). Until all have accepted, no order can be placed.
 */
async function checkCofunders(trx: Kysely<DB>, cofunders: ProgrammeInput['cofunders']) {
  const organisations = await trx.selectFrom('organisations').select(['id', 'name', 'kinds']).where('id', 'in', cofunders.map((c) => c.organisationId)).execute();
  if (organisations.length !== cofunders.length) throw invalid('Un des financeurs n’existe pas.', 'financeur_inconnu');
  const notFunders = organisations.filter((o) => !o.kinds.includes('funder'));
  if (notFunders.length) {
    throw invalid(`${notFunders.map((o) => `« ${o.name} »`).join(', ')} ${notFunders.length > 1 ? 'ne sont pas des financeurs' : 'n’est pas un financeur'} : seule une organisation de type financeur peut cofinancer un programme.`, 'cofinanceur_non_financeur');
  }
}

const acceptedByAuthor = (principal: Principal, organisationId: number) => organisationsWithRole(principal, 'funder').includes(organisationId);

export async function createProgramme(db: Kysely<DB>, principal: Principal, input: ProgrammeInput): Promise<number> {
  const creatorId = authorOrganisation(principal);
  validateProgrammeInput(input);
  return db.transaction().execute(async (trx) => {
    const departements = await trx.selectFrom('departements').select('code').where('code', 'in', input.departementCodes).execute();
    const missing = input.departementCodes.filter((code) => !departements.some((d) => d.code === code));
    if (missing.length > 0) throw invalid(`Département inconnu : ${missing.join(', ')}.`, 'departement_inconnu');
    await checkCofunders(trx, input.cofunders);
    const { id } = await trx
      .insertInto('programmes')
      .values({
        name: input.name.trim(),
        face_value_cents: input.faceValueCents ?? 1000,
        validity_months: input.validityMonths ?? 12,
        eligible_services: input.eligibleServices ?? [],
        allow_direct_handing: input.allowDirectHanding ?? false,
        created_by_organisation_id: creatorId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('programme_departements').values(input.departementCodes.map((code) => ({ programme_id: id, departement_code: code }))).execute();
    await trx
      .insertInto('programme_cofunders')
      .values(input.cofunders.map((c) => {
        const accepted = acceptedByAuthor(principal, c.organisationId);
        return { programme_id: id, organisation_id: c.organisationId, share_bp: c.shareBp, status: accepted ? 'accepted' as const : 'pending' as const, decided_at: accepted ? new Date() : null, decided_by: accepted ? principal.userId : null };
      }))
      .execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: creatorId, action: 'programme.created', details: { programmeId: id, ...input } });
    return id;
  });
}

/** A co-funder accepts its share, or refuses it with a reason: the programme then goes back to its author. */
export async function decideCofunding(
  db: Kysely<DB>,
  principal: Principal,
  input: { programmeId: number; organisationId: number; accept: boolean; reason?: string },
): Promise<void> {
  if (!canDecideCofunding(principal, input.organisationId)) throw forbidden('Seul un financeur de cette organisation peut accepter ou refuser sa part.');
  const reason = (input.reason ?? '').trim();
  if (!input.accept && !reason) throw invalid('Indiquez le motif du refus : il est transmis à l’auteur du programme.', 'motif_requis');
  await db.transaction().execute(async (trx) => {
    const line = await trx
      .selectFrom('programme_cofunders')
      .selectAll()
      .where('programme_id', '=', input.programmeId)
      .where('organisation_id', '=', input.organisationId)
      .forUpdate()
      .executeTakeFirst();
    if (!line) throw notFound('Cette organisation ne figure pas parmi les cofinanceurs de ce programme.');
    if (line.status !== 'pending') throw conflict(line.status === 'accepted' ? 'Cette part est déjà acceptée.' : 'Cette part a déjà été refusée : l’auteur du programme doit la modifier.', 'part_deja_decidee');
    await trx
      .updateTable('programme_cofunders')
      .set({ status: input.accept ? 'accepted' : 'refused', decided_at: new Date(), decided_by: principal.userId, refusal_reason: input.accept ? null : reason })
      .where('programme_id', '=', input.programmeId)
      .where('organisation_id', '=', input.organisationId)
      .execute();
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: input.organisationId,
      action: input.accept ? 'programme.cofunding_accepted' : 'programme.cofunding_refused',
      details: { programmeId: input.programmeId, shareBp: line.share_bp, ...(input.accept ? {} : { reason }) },
    });
  });
}

/**
 * The author changes the co-funders (after a refusal, say) while no order has been placed: lines kept with the
 * same share keep their decision, the others wait for their organisation's agreement again.
 */
export async function updateCofunders(db: Kysely<DB>, principal: Principal, programmeId: number, cofunders: ProgrammeInput['cofunders']): Promise<void> {
  authorOrganisation(principal);
  await db.transaction().execute(async (trx) => {
    const programme = await trx.selectFrom('programmes').select(['id', 'name', 'created_by_organisation_id']).where('id', '=', programmeId).forUpdate().executeTakeFirst();
    if (!programme) throw notFound(`Le programme ${programmeId} n’existe pas.`);
    const isAuthor = principal.memberships.some((m) => m.organisationId === programme.created_by_organisation_id && ['funder', 'hub', 'admin'].includes(m.role));
    if (!isAuthor && !isAdmin(principal)) throw forbidden('Seule l’organisation qui a créé le programme modifie ses cofinanceurs.');
    const ordered = await trx.selectFrom('orders').select('id').where('programme_id', '=', programmeId).limit(1).executeTakeFirst();
    if (ordered) throw conflict('Des carnets ont déjà été commandés dans ce programme : ses cofinanceurs ne changent plus.', 'programme_commande');
    validateProgrammeInput({ name: programme.name, departementCodes: ['-'], cofunders });
    await checkCofunders(trx, cofunders);
    const before = await trx.selectFrom('programme_cofunders').selectAll().where('programme_id', '=', programmeId).execute();
    await trx.deleteFrom('programme_cofunders').where('programme_id', '=', programmeId).execute();
    await trx
      .insertInto('programme_cofunders')
      .values(cofunders.map((c) => {
        const kept = before.find((b) => b.organisation_id === c.organisationId && b.share_bp === c.shareBp && b.status === 'accepted');
        if (kept) return { programme_id: programmeId, organisation_id: c.organisationId, share_bp: c.shareBp, status: 'accepted' as const, decided_at: kept.decided_at, decided_by: kept.decided_by };
        const accepted = acceptedByAuthor(principal, c.organisationId);
        return { programme_id: programmeId, organisation_id: c.organisationId, share_bp: c.shareBp, status: accepted ? 'accepted' as const : 'pending' as const, decided_at: accepted ? new Date() : null, decided_by: accepted ? principal.userId : null };
      }))
      .execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: programme.created_by_organisation_id, action: 'programme.cofunders_changed', details: { programmeId, before: before.map((b) => ({ organisationId: b.organisation_id, shareBp: b.share_bp, status: b.status })), after: cofunders } });
  });
}

export async function listProgrammes(db: Kysely<DB>): Promise<Programme[]> {
  const programmes = await db.selectFrom('programmes').selectAll().orderBy('id').execute();
  if (programmes.length === 0) return [];
  const ids = programmes.map((p) => p.id);
  const departements = await db
    .selectFrom('programme_departements')
    .innerJoin('departements', 'departements.code', 'programme_departements.departement_code')
    .select(['programme_id', 'departements.code', 'departements.name'])
    .where('programme_id', 'in', ids)
    .orderBy('departements.code')
    .execute();
  const cofunders = await db
    .selectFrom('programme_cofunders')
    .innerJoin('organisations', 'organisations.id', 'programme_cofunders.organisation_id')
    .select(['programme_id', 'organisation_id', 'organisations.name', 'share_bp', 'status', 'refusal_reason'])
    .where('programme_id', 'in', ids)
    .orderBy('share_bp', 'desc')
    .execute();
  return programmes.map((p) => {
    const lines = cofunders
      .filter((c) => c.programme_id === p.id)
      .map((c) => ({ organisationId: c.organisation_id, name: c.name, shareBp: c.share_bp, status: c.status, refusalReason: c.refusal_reason }));
    return {
    id: p.id,
    name: p.name,
    faceValueCents: p.face_value_cents,
    validityMonths: p.validity_months,
    eligibleServices: p.eligible_services,
    allowDirectHanding: p.allow_direct_handing,
    departements: departements.filter((d) => d.programme_id === p.id).map((d) => ({ code: d.code, name: d.name })),
    cofunders: lines,
    createdByOrganisationId: p.created_by_organisation_id,
    ready: lines.every((c) => c.status === 'accepted'),
  };
  });
}

export async function getProgramme(db: Kysely<DB>, id: number): Promise<Programme> {
  const programme = (await listProgrammes(db)).find((p) => p.id === id);
  if (!programme) throw notFound(`Le programme ${id} n’existe pas.`);
  return programme;
}
