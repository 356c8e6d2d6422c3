import { sql, type Kysely, type Selectable } from 'kysely';
import type { Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { DomainError, forbidden, notFound } from '../../shared/errors.js';
import { canManagePlace } from './access.js';
import { validateStandardRow, type FieldError } from '../domain/validation.js';
import { gridToOsm, readTypedGrid, type TypedGrid } from '../domain/hours-grid.js';
import { organisationsWithRole } from '../../accounts/domain/principal.js';
import { reviewScope } from '../domain/policies.js';
import { placeColumns, standardRecord, standardFileRow } from './record.js';
import { loadCommunesFor, resolveCommune } from './communes.js';
import { currentLabel, type LabelSummary } from './labels.js';

export type PlaceRow = Selectable<DB['places']>;

export interface PlaceDetails {
  place: PlaceRow;
  departementCode: string;
  departementName: string;
  organisationName: string | null;
  programmes: { id: number; name: string }[];
  label: LabelSummary | null;
}

/** The standard's columns as the place form names them, for the summary a person reads above the form. */
const FIELD_NAMES: Record<string, string> = {
  nom: 'nom du lieu', pivot: 'SIRET', adresse: 'adresse', complement_adresse: 'complément d’adresse', code_postal: 'code postal',
  code_insee: 'commune', telephone: 'téléphone', site_web: 'sites web', prise_rdv: 'lien de prise de rendez-vous',
  presentation_resume: 'présentation en une phrase', presentation_detail: 'présentation détaillée', fiche_acces_libre: 'fiche Accès libre',
  publics_specifiquement_adresses: 'publics accueillis', prise_en_charge_specifique: 'accompagnements adaptés', frais_a_charge: 'prix',
  modalites_acces: 'comment venir', modalites_accompagnement: 'modes d’accompagnement',
};

/** A form's input rejected field by field: the page shows each reason beside its field. */
export class PlaceValidationError extends DomainError {
  constructor(public readonly fieldErrors: FieldError[]) {
    super('invalid', 'lieu_invalide', `Le lieu n’est pas enregistré : ${fieldErrors.map((e) => `${FIELD_NAMES[e.field] ?? e.field} : ${e.reason}`).join(' ; ')}.`, { errors: fieldErrors });
  }
}

export async function getPlace(db: Kysely<DB>, placeId: number): Promise<PlaceDetails> {
  const place = await db.selectFrom('places').selectAll().where('id', '=', placeId).executeTakeFirst();
  if (!place) throw notFound('Ce lieu n’existe pas.');
  const where = await db
    .selectFrom('communes as c')
    .innerJoin('departements as d', 'd.code', 'c.departement_code')
    .select(['d.code', 'd.name'])
    .where('c.insee_code', '=', place.commune_code)
    .executeTakeFirstOrThrow();
  const organisation = place.organisation_id
    ? await db.selectFrom('organisations').select('name').where('id', '=', place.organisation_id).executeTakeFirst()
    : undefined;
  const programmes = await db
    .selectFrom('place_programmes as pp')
    .innerJoin('programmes as p', 'p.id', 'pp.programme_id')
    .select(['p.id', 'p.name'])
    .where('pp.place_id', '=', placeId)
    .orderBy('p.name')
    .execute();
  return { place, departementCode: where.code, departementName: where.name, organisationName: organisation?.name ?? null, programmes, label: await currentLabel(db, placeId) };
}

async function requireManager(db: Kysely<DB>, principal: Principal, details: PlaceDetails) {
  if (!(await canManagePlace(db, principal, { organisation_id: details.place.organisation_id, departement_code: details.departementCode }))) {
    throw forbidden('Vous ne pouvez modifier que les lieux de votre structure, ou ceux de votre territoire si vous êtes un hub.');
  }
}

/** Programmes whose territory includes the place: those it may choose to accept. */
export async function programmesOpenToPlace(db: Kysely<DB>, placeId: number) {
  return db
    .selectFrom('programmes as pr')
    .select(['pr.id', 'pr.name'])
    .where(({ exists, selectFrom }) =>
      exists(
        selectFrom('programme_departements as pd')
          .innerJoin('communes as c', 'c.departement_code', 'pd.departement_code')
          .innerJoin('places as p', 'p.commune_code', 'c.insee_code')
          .whereRef('pd.programme_id', '=', 'pr.id')
          .where('p.id', '=', placeId)
          .select(sql`1`.as('one')),
      ),
    )
    .orderBy('pr.name')
    .execute();
}

export interface PlaceExtras {
  stepFreeAccess?: boolean | null;
  accessibilityNotes?: string | null;
  /** The programmes whose vouchers the place accepts (the pass numérique). */
  programmeIds?: number[];
  /** The week grid of the form: when given, it writes `horaires` (hours-grid.ts), its errors beside the others. */
  hoursGrid?: TypedGrid;
}

/** The standard's `horaires` written from the week grid, and the grid's errors as the form's field errors. */
function withHoursGrid(raw: Record<string, unknown>, grid: TypedGrid | undefined): { raw: Record<string, unknown>; errors: FieldError[] } {
  if (!grid) return { raw, errors: [] };
  const { grid: read, errors } = readTypedGrid(grid);
  return { raw: { ...raw, horaires: errors.length ? '' : gridToOsm(read) }, errors: errors.map((e) => ({ field: 'horaires', reason: e.reason })) };
}

/**
 * The programmes a place being registered may accept, before its commune is known: those of the départements where
 * the principal's organisations are (mediators) or that its hubs cover; every programme for the administration, or
 * when none is known. The place's own territory is checked once it is recorded (replaceProgrammes).
 */
export async function programmesForNewPlace(db: Kysely<DB>, principal: Principal) {
  const scope = reviewScope(principal);
  let codes: string[] | null = null;
  if (scope !== null) {
    const organisationIds = organisationsWithRole(principal, 'mediator');
    const own = organisationIds.length
      ? (await db.selectFrom('organisations').select('departement_code').where('id', 'in', organisationIds).where('departement_code', 'is not', null).execute()).map((o) => o.departement_code!)
      : [];
    codes = [...new Set([...scope, ...own])];
    if (codes.length === 0) codes = null;
  }
  let query = db
    .selectFrom('programmes as pr')
    .innerJoin('programme_departements as pd', 'pd.programme_id', 'pr.id')
    .innerJoin('departements as d', 'd.code', 'pd.departement_code')
    .select(['pr.id', 'pr.name', sql<string>`string_agg(d.name, ', ' order by d.code)`.as('departements')])
    .groupBy(['pr.id', 'pr.name'])
    .orderBy('pr.name');
  if (codes) query = query.where(({ exists, selectFrom }) => exists(selectFrom('programme_departements as x').whereRef('x.programme_id', '=', 'pr.id').where('x.departement_code', 'in', codes).select(sql`1`.as('one'))));
  return query.execute();
}

/** Validates a place as the standard requires and finds its commune; throws the reasons field by field. */
export async function validatedColumns(db: Kysely<DB>, raw: Record<string, unknown>, extraErrors: FieldError[] = []) {
  const verdict = validateStandardRow(raw);
  if (!verdict.ok || extraErrors.length) throw new PlaceValidationError([...extraErrors, ...(verdict.ok ? [] : verdict.errors)]);
  const commune = resolveCommune(verdict.place, await loadCommunesFor(db, verdict.place));
  if ('field' in commune) throw new PlaceValidationError([commune]);
  return placeColumns({ ...verdict.place, commune: commune.name, code_insee: commune.insee_code }, commune);
}

export async function replaceProgrammes(trx: Kysely<DB>, placeId: number, programmeIds: number[], allowed: number[]) {
  const refused = programmeIds.filter((id) => !allowed.includes(id));
  if (refused.length) throw new DomainError('invalid', 'programme_hors_territoire', 'Un lieu ne peut accepter que les chèques des programmes de son territoire.');
  await trx.deleteFrom('place_programmes').where('place_id', '=', placeId).where('programme_id', 'not in', programmeIds.length ? programmeIds : [0]).execute();
  if (programmeIds.length) {
    await trx.insertInto('place_programmes').values(programmeIds.map((programmeId) => ({ place_id: placeId, programme_id: programmeId }))).onConflict((oc) => oc.doNothing()).execute();
  }
}

/** A mediator registers a place of their organisation (or a hub one of its territory). */
export async function createPlace(db: Kysely<DB>, principal: Principal, organisationId: number | null, raw: Record<string, unknown>, extras: PlaceExtras = {}): Promise<number> {
  const hours = withHoursGrid(raw, extras.hoursGrid);
  const columns = await validatedColumns(db, { ...hours.raw, id: 'nouveau', date_maj: new Date().toISOString().slice(0, 10) }, hours.errors);
  const { standard_id: _generated, ...rest } = columns;
  const departement = await db.selectFrom('communes').select('departement_code').where('insee_code', '=', rest.commune_code).executeTakeFirstOrThrow();
  if (!(await canManagePlace(db, principal, { organisation_id: organisationId, departement_code: departement.departement_code }))) {
    throw forbidden('Vous ne pouvez enregistrer un lieu que pour votre structure, ou sur votre territoire si vous êtes un hub.');
  }
  return db.transaction().execute(async (trx) => {
    const { id } = await trx
      .insertInto('places')
      .values({ ...rest, organisation_id: organisationId, step_free_access: extras.stepFreeAccess ?? null, accessibility_notes: extras.accessibilityNotes ?? null })
      .returning('id')
      .executeTakeFirstOrThrow();
    if (extras.programmeIds) await replaceProgrammes(trx, id, extras.programmeIds, (await programmesOpenToPlace(trx, id)).map((p) => p.id));
    await recordAudit(trx, { actorUserId: principal.userId, organisationId, action: 'place.created', placeId: id, details: { name: rest.name } });
    return id;
  });
}

/** Publishes changes to a place's offer: the standard's fields given in `changes`, the rest kept. */
export async function updatePlace(db: Kysely<DB>, principal: Principal, placeId: number, changes: Record<string, unknown>, extras: PlaceExtras = {}): Promise<void> {
  const details = await getPlace(db, placeId);
  await requireManager(db, principal, details);
  const current = standardFileRow(standardRecord(details.place));
  const hours = withHoursGrid(changes, extras.hoursGrid);
  const columns = await validatedColumns(db, { ...current, ...hours.raw, id: details.place.standard_id, date_maj: new Date().toISOString().slice(0, 10) }, hours.errors);
  const { standard_id: _same, ...rest } = columns;
  await db.transaction().execute(async (trx) => {
    await trx
      .updateTable('places')
      .set({
        ...rest,
        step_free_access: extras.stepFreeAccess === undefined ? details.place.step_free_access : extras.stepFreeAccess,
        accessibility_notes: extras.accessibilityNotes === undefined ? details.place.accessibility_notes : extras.accessibilityNotes,
        updated_at: new Date(),
      })
      .where('id', '=', placeId)
      .execute();
    if (extras.programmeIds) await replaceProgrammes(trx, placeId, extras.programmeIds, (await programmesOpenToPlace(trx, placeId)).map((p) => p.id));
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: details.place.organisation_id,
      action: 'place.updated',
      placeId,
      details: { fields: Object.keys(changes), programmeIds: extras.programmeIds ?? null },
    });
  });
}

/** The places a principal runs as a mediator. */
export async function placesOfOrganisations(db: Kysely<DB>, organisationIds: number[]) {
  if (organisationIds.length === 0) return [];
  return db
    .selectFrom('places')
    .select(['id', 'name', 'address', 'postal_code', 'commune_name', 'active'])
    .where('organisation_id', 'in', organisationIds)
    .orderBy('name')
    .execute();
}
