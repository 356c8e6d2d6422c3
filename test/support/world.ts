import type { Kysely } from 'kysely';
import type { DB, Role } from '../../src/db/schema.js';
import { loadPrincipal, type Principal } from '../../src/accounts/principal.js';
import { createApiToken, createOrganisation, createUser } from '../../src/accounts/store.js';
import { recordPayment } from '../../src/pass/activation.js';
import { allocateBooklets, handBooklet } from '../../src/pass/booklets.js';
import { issueOrder } from '../../src/pass/issuance.js';
import { placeOrder } from '../../src/pass/orders.js';
import { createProgramme } from '../../src/pass/programmes.js';
import { luhnDigit } from '../../src/pass/domain/booklet-number.js';

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
  const userId = await createUser(db, { email, displayName: name, password: PASSWORD, organisationId, role, isOrgAdmin: true }, null);
  return { principal: (await loadPrincipal(db, userId))!, organisationId, email, token: await createApiToken(db, email, 'tests') };
}

export async function addPlace(db: Kysely<DB>, organisationId: number, communeCode: string, services: string[] = ['Prendre en main un ordinateur']) {
  const { id } = await db
    .insertInto('places')
    .values({ organisation_id: organisationId, name: `Lieu ${organisationId} (${communeCode})`, commune_code: communeCode, address: '1 rue de test', services })
    .returning('id')
    .executeTakeFirstOrThrow();
  return id;
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
    eligibleServices: ['Prendre en main un ordinateur'],
    allowDirectHanding: options.allowDirectHanding ?? false,
  });
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
