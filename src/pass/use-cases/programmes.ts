import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { hasRole, type Principal } from '../../accounts/use-cases/principal.js';
import { recordAudit } from '../../shared/audit.js';
import { forbidden, invalid, notFound } from '../../shared/errors.js';
import { SERVICE_NAMES } from '../domain/profile.js';

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
  cofunders: { organisationId: number; name: string; shareBp: number }[];
}

export function validateProgrammeInput(input: ProgrammeInput): void {
  if (!input.name.trim()) throw invalid('Le nom du programme est obligatoire.');
  if (input.departementCodes.length === 0) throw invalid('Un programme couvre au moins un département.', 'territoire_vide');
  if (input.cofunders.length === 0) throw invalid('Un programme a au moins un financeur.', 'financeurs_vides');
  const ids = new Set(input.cofunders.map((c) => c.organisationId));
  if (ids.size !== input.cofunders.length) throw invalid('Un financeur ne peut figurer qu’une fois.', 'financeur_double');
  const total = input.cofunders.reduce((sum, c) => sum + c.shareBp, 0);
  if (input.cofunders.some((c) => !Number.isInteger(c.shareBp) || c.shareBp <= 0) || total !== 10_000) {
    throw invalid(`Les parts des financeurs doivent faire 100 % au total (actuellement ${(total / 100).toLocaleString('fr-FR')} %).`, 'parts_incorrectes');
  }
  const unknown = (input.eligibleServices ?? []).filter((service) => !SERVICE_NAMES.includes(service));
  if (unknown.length > 0) throw invalid(`Service inconnu : ${unknown.join(', ')}.`, 'service_inconnu');
}

export async function createProgramme(db: Kysely<DB>, principal: Principal, input: ProgrammeInput): Promise<number> {
  if (!hasRole(principal, 'admin') && !hasRole(principal, 'hub') && !hasRole(principal, 'funder')) {
    throw forbidden('Seuls un financeur, un hub ou l’administration nationale peuvent créer un programme.');
  }
  validateProgrammeInput(input);
  const creator = principal.memberships.find((m) => ['admin', 'hub', 'funder'].includes(m.role))!;
  return db.transaction().execute(async (trx) => {
    const departements = await trx.selectFrom('departements').select('code').where('code', 'in', input.departementCodes).execute();
    const missing = input.departementCodes.filter((code) => !departements.some((d) => d.code === code));
    if (missing.length > 0) throw invalid(`Département inconnu : ${missing.join(', ')}.`, 'departement_inconnu');
    const organisations = await trx
      .selectFrom('organisations')
      .select('id')
      .where('id', 'in', input.cofunders.map((c) => c.organisationId))
      .execute();
    if (organisations.length !== input.cofunders.length) throw invalid('Un des financeurs n’existe pas.', 'financeur_inconnu');
    const { id } = await trx
      .insertInto('programmes')
      .values({
        name: input.name.trim(),
        face_value_cents: input.faceValueCents ?? 1000,
        validity_months: input.validityMonths ?? 12,
        eligible_services: input.eligibleServices ?? [],
        allow_direct_handing: input.allowDirectHanding ?? false,
        created_by_organisation_id: creator.organisationId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx.insertInto('programme_departements').values(input.departementCodes.map((code) => ({ programme_id: id, departement_code: code }))).execute();
    await trx
      .insertInto('programme_cofunders')
      .values(input.cofunders.map((c) => ({ programme_id: id, organisation_id: c.organisationId, share_bp: c.shareBp })))
      .execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: creator.organisationId, action: 'programme.created', details: { programmeId: id, ...input } });
    return id;
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
    .select(['programme_id', 'organisation_id', 'organisations.name', 'share_bp'])
    .where('programme_id', 'in', ids)
    .orderBy('share_bp', 'desc')
    .execute();
  return programmes.map((p) => ({
    id: p.id,
    name: p.name,
    faceValueCents: p.face_value_cents,
    validityMonths: p.validity_months,
    eligibleServices: p.eligible_services,
    allowDirectHanding: p.allow_direct_handing,
    departements: departements.filter((d) => d.programme_id === p.id).map((d) => ({ code: d.code, name: d.name })),
    cofunders: cofunders
      .filter((c) => c.programme_id === p.id)
      .map((c) => ({ organisationId: c.organisation_id, name: c.name, shareBp: c.share_bp })),
  }));
}

export async function getProgramme(db: Kysely<DB>, id: number): Promise<Programme> {
  const programme = (await listProgrammes(db)).find((p) => p.id === id);
  if (!programme) throw notFound(`Le programme ${id} n’existe pas.`);
  return programme;
}
