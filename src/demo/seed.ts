import type { Kysely } from 'kysely';
import type { DB, Role } from '../db/schema.js';
import { loadPrincipal } from '../accounts/principal.js';
import { createOrganisation, createUser } from '../accounts/store.js';
import { recordPayment } from '../pass/activation.js';
import { allocateBooklets, handBooklet } from '../pass/booklets.js';
import { issueOrder } from '../pass/issuance.js';
import { placeOrder } from '../pass/orders.js';
import { createProgramme } from '../pass/programmes.js';
import { luhnDigit } from '../pass/domain/booklet-number.js';
import { SERVICE_NAMES } from '../pass/domain/profile.js';

export const DEMO_PASSWORD = 'demo-inclusif-2018';

/** Demo SIRETs: a 13-digit stem completed with its Luhn digit, so that they pass the same check as real ones. */
const siret = (stem: string) => stem + luhnDigit(stem);

export interface DemoAccount {
  email: string;
  role: Role;
  organisation: string;
}

const PLACES = [
  { name: 'Médiathèque Jacques Demy', commune: '44109', address: '24 quai de la Fosse, 44000 Nantes', account: 'mediateur' },
  { name: 'Espace numérique de Saint-Nazaire', commune: '44184', address: '6 rue Auguste Baptiste Lechat, 44600 Saint-Nazaire', account: 'mediateur2' },
  { name: 'Centre socioculturel Château de Rezé', commune: '44143', address: 'Rue du Château de Rezé, 44400 Rezé', account: null },
  { name: 'France services de Châteaubriant', commune: '44036', address: '1 place Charles de Gaulle, 44110 Châteaubriant', account: null },
  { name: 'Tiers-lieu numérique d’Ancenis', commune: '44003', address: '30 place Francis Robert, 44150 Ancenis-Saint-Géréon', account: null },
  { name: 'Médiathèque Charles Gautier-Hermeland', commune: '44162', address: 'Rue François Rabelais, 44800 Saint-Herblain', account: null },
];

/**
 * Loire-Atlantique, where the plan was launched in 2018: the State and the département co-fund a programme,
 * prescribers hold booklets, six places redeem them. One account per role, all with the same password.
 */
export async function seedDemo(db: Kysely<DB>): Promise<DemoAccount[]> {
  const accounts: DemoAccount[] = [];
  const org = (name: string, stem: string | null, departementCode = '44') =>
    createOrganisation(db, { name, siret: stem && (stem.length === 14 ? stem : siret(stem)), departementCode }, null);
  const user = async (local: string, displayName: string, organisationId: number, organisation: string, role: Role, isOrgAdmin = true) => {
    const email = `${local}@demo.inclusif.fr`;
    await createUser(db, { email, displayName, password: DEMO_PASSWORD, organisationId, role, isOrgAdmin }, null);
    accounts.push({ email, role, organisation });
    return email;
  };

  const mission = await org('Mission société numérique (ANCT)', '1300116950001', '75');
  const state = await org('État — Agence nationale de la cohésion des territoires', '1300116950002', '75');
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
  await user('aidant', 'Aidant habilité du CCAS', ccas, 'CCAS de Nantes', 'helper');
  await user('etat', 'Cofinancement État', state, 'État — ANCT', 'funder');

  for (const [index, place] of PLACES.entries()) {
    const organisationId = await org(place.name, `42${String(1000000 + index * 7919).padStart(11, '0')}`.slice(0, 13));
    await db
      .insertInto('places')
      .values({ organisation_id: organisationId, name: place.name, commune_code: place.commune, address: place.address, services: SERVICE_NAMES.slice(0, 5) })
      .execute();
    if (place.account) await user(place.account, `Médiateur — ${place.name}`, organisationId, place.name, 'mediator');
  }

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
