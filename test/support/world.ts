import type { Kysely } from 'kysely';
import type { DB, Role } from '../../src/db/schema.js';
import { loadPrincipal, type Principal } from '../../src/accounts/use-cases/principal.js';
import { createApiToken, createOrganisation, createUser } from '../../src/accounts/use-cases/store.js';
import { recordPayment } from '../../src/pass/use-cases/activation.js';
import { allocateBooklets, handBooklet } from '../../src/pass/use-cases/booklets.js';
import { issueOrder } from '../../src/pass/use-cases/issuance.js';
import { placeOrder } from '../../src/pass/use-cases/orders.js';
import { createProgramme, decideCofunding } from '../../src/pass/use-cases/programmes.js';
import { luhnDigit } from '../../src/pass/domain/booklet-number.js';
import { validateStandardRow } from '../../src/places/domain/validation.js';
import { placeColumns } from '../../src/places/use-cases/record.js';

export const PASSWORD = 'mot-de-passe-de-test';
let stemCounter = 0;
const freshSiret = () => {
  const stem = `7${String(Date.now() % 1e6).padStart(6, '0')}${String(++stemCounter).padStart(6, '0')}`;
  return stem + luhnDigit(stem);
};

export interface Actor {
  principal: Principal;
  organisationId: number;
  email: string;
  token: string;
}

export async function makeActor(db: Kysely<DB>, name: string, role: Role, departementCode = '44'): Promise<Actor> {
  const organisationId = await createOrganisation(db, { name, siret: freshSiret(), departementCode }, null);
  const email = `${role}.${organisationId}.${stemCounter}@test.fr`;
  // The system principal creates the account and grants the organisation the kind its role needs (journaled).
  const userId = await createUser(db, { email, displayName: name, password: PASSWORD, organisationId, role, isOrgAdmin: true }, null);
  return { principal: (await loadPrincipal(db, userId))!, organisationId, email, token: await createApiToken(db, email, 'tests') };
}

export const TEST_SERVICE = 'Maîtrise des outils numériques du quotidien';

/** A place of the organisation at its commune's centre, as the import would record it. */
export async function addPlace(db: Kysely<DB>, organisationId: number | null, communeCode: string, services: string[] = [TEST_SERVICE]) {
  const commune = await db.selectFrom('communes').select(['insee_code', 'name', 'postal_codes', 'lat', 'lng']).where('insee_code', '=', communeCode).executeTakeFirstOrThrow();
  const verdict = validateStandardRow({
    id: `test-${communeCode}-${++placeCounter}`, pivot: '00000000000000', nom: `Lieu ${organisationId} (${commune.name})`, commune: commune.name,
    code_postal: commune.postal_codes[0], code_insee: communeCode, adresse: '1 rue de test', date_maj: '2026-01-01', services: services.join('|'),
  });
  if (!verdict.ok) throw new Error(JSON.stringify(verdict.errors));
  const { id } = await db.insertInto('places').values({ ...placeColumns(verdict.place, commune), organisation_id: organisationId }).returning('id').executeTakeFirstOrThrow();
  return id;
}
let placeCounter = 0;

/** Test set-up of what a hub's decision and the mediator's choice produce: a valid label, the programme accepted. */
export async function labelAndEnrol(db: Kysely<DB>, placeId: number, programmeId: number) {
  await db.insertInto('place_labels').values({ place_id: placeId, status: 'approved', valid_from: '2020-01-01', valid_until: '2099-12-31' }).execute();
  await db.insertInto('place_programmes').values({ place_id: placeId, programme_id: programmeId }).execute();
}

/** A paid programme in Loire-Atlantique with its actors: the starting point of most integration tests. */
export async function buildWorld(db: Kysely<DB>, options: { bookletCount?: number; allowDirectHanding?: boolean } = {}) {
  const admin = await makeActor(db, 'Opérateur', 'admin');
  const funder = await makeActor(db, 'Département', 'funder');
  const state = await makeActor(db, 'État', 'funder');
  const otherFunder = await makeActor(db, 'Autre financeur', 'funder');
  const prescriber = await makeActor(db, 'CAF', 'prescriber');
  const mediatorA = await makeActor(db, 'Lieu A', 'mediator');
  const mediatorB = await makeActor(db, 'Lieu B', 'mediator');
  const outsider = await makeActor(db, 'Lieu hors territoire', 'mediator', '35');
  const placeA = await addPlace(db, mediatorA.organisationId, '44109');
  const placeB = await addPlace(db, mediatorB.organisationId, '44184');
  const placeOutside = await addPlace(db, outsider.organisationId, '35238');
  const programmeId = await createProgramme(db, funder.principal, {
    name: 'Programme de test',
    departementCodes: ['44'],
    faceValueCents: 1000,
    validityMonths: 12,
    cofunders: [
      { organisationId: funder.organisationId, shareBp: 7500 },
      { organisationId: state.organisationId, shareBp: 2500 },
    ],
    eligibleServices: [TEST_SERVICE],
    allowDirectHanding: options.allowDirectHanding ?? false,
  });
  await decideCofunding(db, state.principal, { programmeId, organisationId: state.organisationId, accept: true });
  for (const place of [placeA, placeB, placeOutside]) await labelAndEnrol(db, place, programmeId);
  const orderId = await placeOrder(db, funder.principal, { programmeId, bookletCount: options.bookletCount ?? 4, vouchersPerBooklet: 10 });
  await issueOrder(db, admin.principal.userId, orderId);
  await recordPayment(db, admin.principal.userId, orderId, 'VIR-TEST-1');
  const allocated = await allocateBooklets(db, funder.principal, { orderId, recipientOrganisationId: prescriber.organisationId, bookletCount: 2 });
  await handBooklet(db, prescriber.principal, allocated[0]!, { ageBand: '60-74', communeCode: '44109', situation: 'retiree', diagnosticLevel: 1 });
  return { admin, funder, state, otherFunder, prescriber, mediatorA, mediatorB, outsider, placeA, placeB, placeOutside, programmeId, orderId, handedBooklet: allocated[0]!, allocatedBooklet: allocated[1]! };
}

export async function serialsOfBooklet(db: Kysely<DB>, number: string): Promise<number[]> {
  const rows = await db
    .selectFrom('vouchers')
    .innerJoin('booklets', 'booklets.id', 'vouchers.booklet_id')
    .select('vouchers.serial')
    .where('booklets.number', '=', number)
    .orderBy('vouchers.serial')
    .execute();
  return rows.map((row) => row.serial);
}
