import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.js';
import { loadPrincipal } from '../accounts/use-cases/principal.js';
import { createOrganisation, createUser } from '../accounts/use-cases/store.js';
import type { OrganisationKind } from '../accounts/domain/organisation-kinds.js';
import { recordPayment } from '../pass/use-cases/activation.js';
import { allocateBooklets, handBooklet } from '../pass/use-cases/booklets.js';
import { issueOrder } from '../pass/use-cases/issuance.js';
import { placeOrder } from '../pass/use-cases/orders.js';
import { createProgramme, decideCofunding } from '../pass/use-cases/programmes.js';
import { luhnDigit } from '../pass/domain/booklet-number.js';
import { SERVICE_NAMES } from '../pass/domain/profile.js';
import { DEMO_PLACES, importDemoPlaces } from './places.js';

export const DEMO_PASSWORD = 'demo-inclusif-2018';

/** Demo SIRETs: a 13-digit stem completed with its Luhn digit, so that they pass the same check as real ones. */
const siret = (stem: string) => stem + luhnDigit(stem);

export interface DemoAccount {
  email: string;
  role: Role;
  organisation: string;
}


/**
 * Loire-Atlantique, where the plan was launched in 2018: the State and the département co-fund a programme,
 * prescribers hold booklets, six places redeem them. One account per role, all with the same password.
 */
export async function seedDemo(db: Kysely<DB>): Promise<DemoAccount[]> {
  const accounts: DemoAccount[] = [];
  const org = (name: string, stem: string | null, departementCode = '44', kinds: OrganisationKind[] = []) =>
    createOrganisation(db, { name, siret: stem && (stem.length === 14 ? stem : siret(stem)), departementCode, kinds }, null);
  const user = async (local: string, displayName: string, organisationId: number, organisation: string, role: Role, isOrgAdmin = true) => {
    const email = `${local}@demo.inclusif.fr`;
    await createUser(db, { email, displayName, password: DEMO_PASSWORD, organisationId, role, isOrgAdmin }, null);
    accounts.push({ email, role, organisation });
    return email;
  };

  const mission = await org('Mission société numérique (ANCT)', '1300116950001', '75');
  // A State service that funds: its co-funding is the « part de l’État » of the pilotage.
  const state = await org('État — Agence nationale de la cohésion des territoires', '1300116950002', '75', ['funder', 'state']);
  const departement = await org('Département de Loire-Atlantique', '2244000280001');
  const caf = await org('CAF de Loire-Atlantique', '7798473760001');
  const laPoste = await org('La Poste — bureau de Nantes Bretagne', '35600000000010');
  const ccas = await org('CCAS de Nantes', '2644010920001');
  const hub = await org('Hub France Connectée Ouest', '8512345670001');

  await user('admin', 'Opérateur national', mission, 'Mission société numérique (ANCT)', 'admin');
  await user('financeur', 'Service insertion du Département', departement, 'Département de Loire-Atlantique', 'funder');
  await user('prescripteur', 'Agente d’accueil CAF', caf, 'CAF de Loire-Atlantique', 'prescriber');
  await user('poste', 'Chargé de clientèle La Poste', laPoste, 'La Poste — bureau de Nantes Bretagne', 'prescriber');
  await user('hub', 'Coordinatrice du hub', hub, 'Hub France Connectée Ouest', 'hub');
  const hubUserId = (await db.selectFrom('users').select('id').where('email', '=', 'hub@demo.inclusif.fr').executeTakeFirstOrThrow()).id;
  await user('aidant', 'Aidant habilité du CCAS', ccas, 'CCAS de Nantes', 'helper');
  await user('etat', 'Cofinancement État', state, 'État — ANCT', 'funder');

  const placeOrganisations: { id: number; siret: string }[] = [];
  for (const [index, place] of DEMO_PLACES.entries()) {
    const placeSiret = siret(`42${String(1000000 + index * 7919).padStart(11, '0')}`.slice(0, 13));
    const organisationId = await org(place.name, placeSiret);
    placeOrganisations.push({ id: organisationId, siret: placeSiret });
    if (place.account) await user(place.account, `Médiateur — ${place.name}`, organisationId, place.name, 'mediator');
  }
  await db.insertInto('organisation_departements').values(['44', '49', '53', '72', '85'].map((code) => ({ organisation_id: hub, departement_code: code }))).execute();
  const places = await importDemoPlaces(db, placeOrganisations.map((o) => o.siret));

  const funder = (await loadPrincipal(db, (await db.selectFrom('users').select('id').where('email', '=', 'financeur@demo.inclusif.fr').executeTakeFirstOrThrow()).id))!;
  const prescriber = (await loadPrincipal(db, (await db.selectFrom('users').select('id').where('email', '=', 'prescripteur@demo.inclusif.fr').executeTakeFirstOrThrow()).id))!;
  const programmeId = await createProgramme(db, funder, {
    name: 'Pass numérique Loire-Atlantique',
    departementCodes: ['44'],
    faceValueCents: 1000,
    validityMonths: 12,
    cofunders: [
      { organisationId: departement, shareBp: 7500 },
      { organisationId: state, shareBp: 2500 },
    ],
    eligibleServices: SERVICE_NAMES.slice(0, 5),
  });
  // The State accepts its 25 % share, as a co-funder must before any order books against it.
  const stateFunder = (await loadPrincipal(db, (await db.selectFrom('users').select('id').where('email', '=', 'etat@demo.inclusif.fr').executeTakeFirstOrThrow()).id))!;
  await decideCofunding(db, stateFunder, { programmeId, organisationId: state, accept: true });
  await labelDemoPlaces(db, places.slice(0, DEMO_PLACES.length).map((p) => p.id), programmeId, hubUserId);
  const paidOrder = await placeOrder(db, funder, { programmeId, bookletCount: 20, vouchersPerBooklet: 10 });
  await issueOrder(db, null, paidOrder);
  await recordPayment(db, null, paidOrder, 'Mandat administratif 2026-0042');
  await allocateBooklets(db, funder, { orderId: paidOrder, recipientOrganisationId: caf, bookletCount: 8 });
  await allocateBooklets(db, funder, { orderId: paidOrder, recipientOrganisationId: laPoste, bookletCount: 4 });
  const cafBooklets = await db.selectFrom('booklets').select('number').where('allocated_organisation_id', '=', caf).orderBy('id').limit(3).execute();
  const profiles = [
    { ageBand: '60-74', communeCode: '44109', situation: 'retiree', diagnosticLevel: 1 },
    { ageBand: '25-39', communeCode: '44184', situation: 'job_seeker', diagnosticLevel: 2 },
    { ageBand: '40-59', communeCode: '44143', situation: 'rsa' },
  ];
  for (const [index, booklet] of cafBooklets.entries()) await handBooklet(db, prescriber, booklet.number, profiles[index]!);
  await placeOrder(db, funder, { programmeId, bookletCount: 5, vouchersPerBooklet: 10 });
  return accounts;
}

/** Labels granted by the hub (one application still waiting for review), and the programme accepted where labelled. */
async function labelDemoPlaces(db: Kysely<DB>, placeIds: number[], programmeId: number, hubUserId: number) {
  for (const [index, placeId] of placeIds.entries()) {
    const labelled = DEMO_PLACES[index]!.labelled;
    if (labelled === false) continue;
    await db
      .insertInto('place_labels')
      .values(
        labelled === true
          ? { place_id: placeId, status: 'approved', criteria_met: [1, 2, 3, 4, 5], decided_by: hubUserId, decided_at: new Date(), valid_from: '2025-01-01', valid_until: '2028-12-31', decision_reason: 'Visite du hub' }
          : { place_id: placeId, status: 'pending', criteria_met: [1, 2, 3, 4, 5], applicant_note: 'Deux conseillères numériques, six postes en accès libre.' },
      )
      .execute();
    if (labelled === true) await db.insertInto('place_programmes').values({ place_id: placeId, programme_id: programmeId }).execute();
  }
}
