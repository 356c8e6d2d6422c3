import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { SYSTEM_PRINCIPAL, type Principal } from '../accounts/domain/principal.js';
import { loadPrincipal } from '../accounts/use-cases/principal.js';
import { createOrganisation, createUser } from '../accounts/use-cases/store.js';
import { luhnDigit } from '../pass/domain/booklet-number.js';
import { AGE_BANDS, SERVICE_NAMES } from '../pass/domain/profile.js';
import { recordPayment } from '../pass/use-cases/activation.js';
import { expireVouchers } from '../pass/use-cases/expiry.js';
import { issueOrder } from '../pass/use-cases/issuance.js';
import { placeOrder } from '../pass/use-cases/orders.js';
import { createProgramme, decideCofunding } from '../pass/use-cases/programmes.js';
import { importPlaces } from '../places/use-cases/import.js';
import { SERVICES } from '../places/domain/standard.js';
import { validateBankDetails } from '../reimbursement/domain/bank.js';
import { holderNameForBank } from '../reimbursement/domain/sepa-text.js';
import { createRun, markRunPaid } from '../reimbursement/use-cases/runs.js';
import { REFERRALS, THEMES } from '../kit/domain/accompaniment.js';
import { overallLevel } from '../kit/domain/engine.js';
import { obstaclesFrom } from '../kit/domain/obstacles.js';
import { recommend } from '../kit/domain/recommendation.js';
import type { Level, Topic } from '../kit/domain/topics.js';
import { loadItemBank } from '../kit/use-cases/item-bank-file.js';
import { rebuildPilotage } from '../pilotage/use-cases/refresh.js';
import { refreshCoverage } from '../pilotage/use-cases/coverage.js';
import { parisDay } from '../shared/dates.js';
import { ofName } from '../shared/french.js';
import { DEMO_PASSWORD, type DemoAccount } from './seed.js';

/**
 * A year of plausible activity on several départements, so that every dashboard of the pilotage shows something on
 * first start. Only the few top-level objects go through the use cases (funders, programmes, orders: their ledger
 * lines and journal are the platform's own); everything that happens to thousands of booklets and vouchers —
 * allocation, hand-out, redemption, accompaniments, diagnostics — is written set-based (INSERT … SELECT,
 * generate_series) with the ledger lines and journal rows the use cases would write, then dated back into the past
 * year. Expiry and reimbursement runs are the use cases themselves. Deterministic: the « random » choices are hashes.
 */

interface DepartementPlan {
  code: string;
  /** The funder (a département) and its share of the programme; the State co-funds the rest. */
  funderName: string;
  funderStem: string;
  shareBp: number;
  programmeName: string;
  /** A printed demo account for this funder (at most two new accounts). */
  account?: { local: string; displayName: string };
  prescribers: string[];
}

/**
 * Orders of each programme: days before today it was placed, and booklets of ten vouchers. The programmes' vouchers
 * are valid ten months, so the first order has expired within the year the dashboards show by default.
 */
const VALIDITY_MONTHS = 10;
const ORDERS = [
  { daysAgo: 358, booklets: 30 },
  { daysAgo: 250, booklets: 30 },
  { daysAgo: 120, booklets: 26 },
];

const PLANS: DepartementPlan[] = [
  { code: '44', funderName: 'Département de Loire-Atlantique', funderStem: '', shareBp: 7500, programmeName: 'Pass numérique Loire-Atlantique — solidarités', prescribers: ['Mission locale de l’agglomération nantaise', 'France services de Saint-Nazaire'] },
  {
    code: '85', funderName: 'Département de la Vendée', funderStem: '2285000170001', shareBp: 7000, programmeName: 'Pass numérique Vendée',
    account: { local: 'financeur-vendee', displayName: 'Service autonomie du Département de la Vendée' },
    prescribers: ['CAF de la Vendée', 'CCAS de La Roche-sur-Yon', 'France services des Sables-d’Olonne'],
  },
  {
    code: '35', funderName: 'Département d’Ille-et-Vilaine', funderStem: '2235000160001', shareBp: 8000, programmeName: 'Pass numérique Ille-et-Vilaine',
    account: { local: 'financeur-ille-et-vilaine', displayName: 'Direction de l’action sociale d’Ille-et-Vilaine' },
    prescribers: ['CAF d’Ille-et-Vilaine', 'CCAS de Rennes', 'Mission locale du bassin rennais'],
  },
  { code: '49', funderName: 'Département de Maine-et-Loire', funderStem: '2249000190001', shareBp: 6500, programmeName: 'Pass numérique Maine-et-Loire', prescribers: ['CAF de Maine-et-Loire', 'CCAS d’Angers', 'France services de Cholet'] },
  { code: '72', funderName: 'Département de la Sarthe', funderStem: '2272000130001', shareBp: 7000, programmeName: 'Pass numérique Sarthe', prescribers: ['CAF de la Sarthe', 'CCAS du Mans', 'Mission locale de l’agglomération mancelle'] },
];

/** New places per département (in its largest communes not already holding a demo place). */
const PLACES_PER_DEPARTEMENT = 6;
const PLACE_KINDS = ['Médiathèque', 'France services', 'Centre social', 'Espace public numérique', 'Maison de quartier', 'Tiers-lieu numérique'];
const HOURS = ['Mo-Fr 09:00-12:00,14:00-17:00', 'Tu-Sa 10:00-18:00', 'Mo,We,Fr 09:00-12:30', 'Tu,Th 14:00-18:00; Sa 09:00-12:00'];

/** A commune needs this many communes loaded in its département to take part (the tests load 44, 35 and 85). */
const MIN_COMMUNES = 10;

const siret = (stem: string) => stem + luhnDigit(stem);

/** 0 … 2^28 − 1, a stable hash of an SQL expression and a salt: the seed's dice. */
const h = (expression: string, salt: string) => `(('x' || substr(md5((${expression})::text || '${salt}'), 1, 7))::bit(28)::int)`;
/** A Paris wall-clock time on a date expression, as timestamptz. */
const at = (dateExpression: string, minutesExpression: string) => `((${dateExpression})::timestamp + make_interval(mins => (${minutesExpression})::int)) at time zone 'Europe/Paris'`;

/** A French IBAN (RIB key and mod-97 check digits) from a number: valid for ibantools and the SEPA file. */
function demoIban(n: number): string {
  const bank = '30003';
  const branch = String(10000 + (n % 89999)).padStart(5, '0');
  const account = String(70000000000 + n * 7919).padStart(11, '0').slice(-11);
  const key = 97 - Number((89n * BigInt(bank) + 15n * BigInt(branch) + 3n * BigInt(account)) % 97n);
  const bban = `${bank}${branch}${account}${String(key).padStart(2, '0')}`;
  const check = 98 - Number(BigInt(`${bban}152700`) % 97n);
  return `FR${String(check).padStart(2, '0')}${bban}`;
}

/** Diagnostic levels before and after (the second diagnostic, some weeks later): one or two topics up. */
const LEVEL_PAIRS: [Record<Topic, Level>, Record<Topic, Level>][] = [
  [{ device: 1, internet: 1, messaging: 1, procedures: 1, security: 1 }, { device: 2, internet: 2, messaging: 1, procedures: 1, security: 1 }],
  [{ device: 2, internet: 1, messaging: 1, procedures: 1, security: 1 }, { device: 2, internet: 2, messaging: 2, procedures: 1, security: 1 }],
  [{ device: 2, internet: 2, messaging: 1, procedures: 1, security: 1 }, { device: 2, internet: 2, messaging: 2, procedures: 2, security: 1 }],
  [{ device: 3, internet: 2, messaging: 2, procedures: 1, security: 1 }, { device: 3, internet: 3, messaging: 2, procedures: 2, security: 2 }],
  [{ device: 2, internet: 2, messaging: 2, procedures: 2, security: 1 }, { device: 3, internet: 2, messaging: 2, procedures: 3, security: 2 }],
  [{ device: 1, internet: 1, messaging: 1, procedures: 1, security: 1 }, { device: 1, internet: 2, messaging: 1, procedures: 1, security: 1 }],
  [{ device: 3, internet: 3, messaging: 2, procedures: 2, security: 2 }, { device: 3, internet: 3, messaging: 3, procedures: 2, security: 2 }],
  [{ device: 2, internet: 1, messaging: 1, procedures: 1, security: 1 }, { device: 2, internet: 1, messaging: 1, procedures: 1, security: 1 }],
];
const OBSTACLE_ANSWERS: [string, string[]][][] = [
  [['equipment', ['smartphone']], ['internet', ['mobile']], ['feelings', ['fear']]],
  [['equipment', ['smartphone', 'computer']], ['internet', ['home']], ['feelings', ['urgent']]],
  [['equipment', ['none']], ['internet', ['none']], ['feelings', ['help']]],
  [['equipment', ['smartphone', 'tablet']], ['internet', ['home']], ['feelings', ['none']]],
];

function frozen(levels: Record<Topic, Level>, index: number) {
  const obstacles = obstaclesFrom(new Map(OBSTACLE_ANSWERS[index % OBSTACLE_ANSWERS.length]!));
  const overall = overallLevel(levels);
  return { levels, overall, obstacles, recommendation: recommend({ levels, overall, obstacles }) };
}

interface Staff { organisation_id: number; user_id: number; departement: string; rank: number }

/**
 * Seeds the year of activity into a platform that holds the demo territory (seedDemo). Returns the new accounts to
 * print. `today` (Paris date) is for tests; the activity always ends the day before.
 */
export async function seedDemoActivity(db: Kysely<DB>, options: { today?: string } = {}): Promise<DemoAccount[]> {
  const today = options.today ?? parisDay();
  const day = (daysAgo: number) => `('${today}'::date - ${Math.round(daysAgo)})`;
  const accounts: DemoAccount[] = [];
  const userId = async (email: string) => (await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow()).id;
  const principalOf = async (id: number) => (await loadPrincipal(db, id))!;
  const orgId = async (name: string) => (await db.selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirstOrThrow()).id;

  const counts = await db.selectFrom('communes').select(['departement_code', sql<number>`count(*)::int`.as('n')]).where('kind', '=', 'commune').groupBy('departement_code').execute();
  const loaded = new Set(counts.filter((c) => c.n >= MIN_COMMUNES).map((c) => c.departement_code));
  const plans = PLANS.filter((p) => loaded.has(p.code));
  if (plans.length === 0) return accounts;

  const stateId = await orgId('État — Agence nationale de la cohésion des territoires');
  const hubId = await orgId('Hub France Connectée Ouest');
  const adminUser = await userId('admin@demo.inclusif.fr');
  const hubUser = await userId('hub@demo.inclusif.fr');
  const state = await principalOf(await userId('etat@demo.inclusif.fr'));
  const hubDepartements = new Set((await db.selectFrom('organisation_departements').select('departement_code').where('organisation_id', '=', hubId).execute()).map((r) => r.departement_code));
  const serviceValues = SERVICE_NAMES.slice(0, 5);

  // Staff without a password (they have not signed in yet): the mediators of the new places, the prescribers' agents.
  const staffUser = async (email: string, displayName: string, organisationId: number, role: 'prescriber' | 'mediator' | 'funder') => {
    const { id } = await db.insertInto('users').values({ email, display_name: displayName, password_hash: null }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('memberships').values({ user_id: id, organisation_id: organisationId, role, is_org_admin: true }).execute();
    return id;
  };

  // 1. Funders, programmes co-funded by the State, prescribers.
  const funders = new Map<string, { organisationId: number; principal: Principal; programmeId: number }>();
  const prescribers: Staff[] = [];
  let stemCounter = 0;
  const nextStem = (prefix: string) => `${prefix}${String(5000000 + ++stemCounter * 104729).padStart(11, '0')}`.slice(0, 13);
  for (const plan of plans) {
    let organisationId: number;
    let principal: Principal;
    if (plan.code === '44') {
      organisationId = await orgId(plan.funderName);
      principal = await principalOf(await userId('financeur@demo.inclusif.fr'));
    } else {
      organisationId = await createOrganisation(db, { name: plan.funderName, siret: siret(plan.funderStem), departementCode: plan.code, kinds: ['funder'] }, null);
      if (plan.account) {
        const email = `${plan.account.local}@demo.inclusif.fr`;
        await createUser(db, { email, displayName: plan.account.displayName, password: DEMO_PASSWORD, organisationId, role: 'funder', isOrgAdmin: true }, null);
        accounts.push({ email, role: 'funder', organisation: plan.funderName });
        principal = await principalOf(await userId(email));
      } else {
        principal = await principalOf(await staffUser(`pass.numerique.${plan.code}@equipe.demo.inclusif.fr`, `Service insertion — ${plan.funderName}`, organisationId, 'funder'));
      }
    }
    const programmeId = await createProgramme(db, principal, {
      name: plan.programmeName,
      departementCodes: [plan.code],
      faceValueCents: 1000,
      validityMonths: VALIDITY_MONTHS,
      cofunders: [{ organisationId, shareBp: plan.shareBp }, { organisationId: stateId, shareBp: 10000 - plan.shareBp }],
      eligibleServices: serviceValues,
    });
    await decideCofunding(db, state, { programmeId, organisationId: stateId, accept: true });
    funders.set(plan.code, { organisationId, principal, programmeId });
    const names = plan.code === '44' ? ['CAF de Loire-Atlantique', 'La Poste — bureau de Nantes Bretagne', ...plan.prescribers] : plan.prescribers;
    for (const [rank, name] of names.entries()) {
      const existing = await db.selectFrom('organisations').select('id').where('name', '=', name).executeTakeFirst();
      let id: number;
      let user: number;
      if (existing) {
        id = existing.id;
        user = (await db.selectFrom('memberships').select('user_id').where('organisation_id', '=', id).where('role', '=', 'prescriber').orderBy('user_id').executeTakeFirstOrThrow()).user_id;
      } else {
        id = await createOrganisation(db, { name, siret: siret(nextStem('31')), departementCode: plan.code, kinds: ['prescriber'] }, null);
        user = await staffUser(`accueil.${plan.code}.${rank + 1}@equipe.demo.inclusif.fr`, `Conseillère d’accueil — ${name}`, id, 'prescriber');
      }
      prescribers.push({ organisation_id: id, user_id: user, departement: plan.code, rank });
    }
  }

  // 2. Places: the labelled demo places of Loire-Atlantique, and new ones in the largest communes of each département.
  const taken = new Set((await db.selectFrom('places').select('commune_code').execute()).map((p) => p.commune_code));
  const rows: Record<string, unknown>[] = [];
  const placeSirets: { siret: string; name: string; departement: string }[] = [];
  for (const plan of plans) {
    const communes = await db.selectFrom('communes').select(['insee_code', 'name', 'postal_codes', 'lat', 'lng'])
      .where('departement_code', '=', plan.code).where('kind', '=', 'commune').where('lat', 'is not', null)
      .orderBy('population', 'desc').orderBy('insee_code').limit(PLACES_PER_DEPARTEMENT + 12).execute();
    const chosen = communes.filter((c) => !taken.has(c.insee_code)).slice(0, plan.code === '44' ? 3 : PLACES_PER_DEPARTEMENT);
    for (const [index, commune] of chosen.entries()) {
      const n = rows.length;
      const name = `${PLACE_KINDS[(n + index) % PLACE_KINDS.length]} ${ofName(commune.name)}`;
      const placeSiret = siret(nextStem('43'));
      placeSirets.push({ siret: placeSiret, name, departement: plan.code });
      rows.push({
        id: `demo-activite-${n + 1}`, pivot: placeSiret, nom: name, commune: commune.name, code_postal: commune.postal_codes[0], code_insee: commune.insee_code,
        adresse: `${3 + n} place de l’Hôtel de Ville`, latitude: Number(((commune.lat ?? 47) + 0.0015).toFixed(5)), longitude: Number(((commune.lng ?? -1.5) - 0.0015).toFixed(5)),
        horaires: HOURS[n % HOURS.length], date_maj: today, source: 'Démonstration Numérique inclusif',
        services: SERVICES.filter((_, i) => (i + n) % 3 !== 2).join('|'), publics_specifiquement_adresses: n % 2 ? 'Seniors' : 'Jeunes|Familles et/ou enfants',
        frais_a_charge: 'Gratuit', modalites_acces: 'Se présenter|Téléphoner', modalites_accompagnement: 'Accompagnement individuel|Dans un atelier collectif',
        telephone: `+332${String(40000000 + n * 104729).slice(-8)}`,
        presentation_resume: 'Accompagnement gratuit aux usages du numérique : smartphone, ordinateur, démarches en ligne, ateliers collectifs.',
      });
    }
  }
  // Each new place has its managing organisation (linked by the pivot) and one mediator.
  const placeOrganisations = await db.insertInto('organisations')
    .values(placeSirets.map((p) => ({ name: p.name, siret: p.siret, departement_code: p.departement, kinds: ['place_operator'] })))
    .returning(['id', 'name', 'departement_code']).execute();
  await sql`insert into audit_events (at, actor_user_id, organisation_id, action, details)
    select ${sql.raw(at(day(420), '600'))}, null, o.id, 'organisation.created', jsonb_build_object('by', 'system', 'name', o.name, 'siret', o.siret, 'kinds', o.kinds)
    from organisations o where o.id = any(${placeOrganisations.map((o) => o.id)}::bigint[])`.execute(db);
  const report = await importPlaces(db, SYSTEM_PRINCIPAL, JSON.stringify(rows), { fileName: 'demo-activite.json' });
  if (report.errors.length) throw new Error(`Lieux de démonstration invalides : ${JSON.stringify(report.errors)}`);
  for (const [index, organisation] of placeOrganisations.entries()) {
    await staffUser(`mediation.${organisation.departement_code}.${index + 1}@equipe.demo.inclusif.fr`, `Médiatrice numérique — ${organisation.name}`, organisation.id, 'mediator');
  }
  // Demo places labelled but without a mediator account get one too (accompaniments need a recorder).
  const demoPlacesWithoutMediator = await db.selectFrom('places as p').innerJoin('place_labels as l', 'l.place_id', 'p.id')
    .select(['p.organisation_id', 'p.name']).where('l.status', '=', 'approved').where('p.standard_id', 'like', 'demo-%')
    .where('p.standard_id', 'not like', 'demo-activite-%').where('p.organisation_id', 'is not', null)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('memberships as m').select('m.user_id').whereRef('m.organisation_id', '=', 'p.organisation_id').where('m.role', '=', 'mediator'))))
    .execute();
  for (const [index, place] of demoPlacesWithoutMediator.entries()) {
    await staffUser(`mediation.44.demo${index + 1}@equipe.demo.inclusif.fr`, `Médiateur numérique — ${place.name}`, place.organisation_id!, 'mediator');
  }

  const programmeIds = [...funders.values()].map((f) => f.programmeId);
  const newPlaceIds = (await db.selectFrom('places').select('id').where('standard_id', 'like', 'demo-activite-%').execute()).map((p) => p.id);
  // Labels granted by the hub of the territory (the administration elsewhere), bank details entered and confirmed.
  await sql`insert into place_labels (place_id, status, criteria_met, applied_at, decided_by, decided_at, decision_reason, valid_from, valid_until, applicant_note)
    select p.id, 'approved', array[1, 2, 3, 4, 5], ${sql.raw(at(day(415), '600'))},
      case when c.departement_code = any(${[...hubDepartements]}::text[]) then ${hubUser}::bigint else ${adminUser}::bigint end,
      ${sql.raw(at(day(410), '660'))}, 'Visite sur place', ${sql.raw(day(410))}, ${sql.raw(day(-900))}, 'Deux médiatrices, huit postes en accès libre.'
    from places p join communes c on c.insee_code = p.commune_code where p.id = any(${newPlaceIds}::bigint[])`.execute(db);
  await sql`insert into audit_events (at, actor_user_id, organisation_id, action, place_id, from_status, to_status, details)
    select l.decided_at, l.decided_by, p.organisation_id, 'label.approved', p.id, 'pending', 'approved', jsonb_build_object('labelId', l.id, 'validFrom', l.valid_from, 'validUntil', l.valid_until)
    from place_labels l join places p on p.id = l.place_id where p.id = any(${newPlaceIds}::bigint[])`.execute(db);
  const ibans = newPlaceIds.map((id) => demoIban(id));
  for (const iban of ibans) if (!validateBankDetails(iban, 'CMCIFR2A').ok) throw new Error(`IBAN de démonstration invalide : ${iban}`);
  const placeNames = new Map((await db.selectFrom('places').select(['id', 'name']).where('id', 'in', newPlaceIds).execute()).map((p) => [p.id, p.name]));
  const holders = newPlaceIds.map((id) => {
    const holder = holderNameForBank(placeNames.get(id)!.replace(/’/g, "'"));
    if (!holder.ok) throw new Error(`Titulaire de démonstration invalide : ${placeNames.get(id)}`);
    return holder.sent;
  });
  await sql`insert into bank_accounts (place_id, holder_name, iban, bic, status, requested_by, requested_at, confirmed_by, confirmed_at)
    select p.id, i.holder, i.iban, 'CMCIFR2A', 'confirmed',
      (select min(m.user_id) from memberships m where m.organisation_id = p.organisation_id and m.role = 'mediator'),
      ${sql.raw(at(day(405), '600'))},
      case when c.departement_code = any(${[...hubDepartements]}::text[]) then ${hubUser}::bigint else ${adminUser}::bigint end, ${sql.raw(at(day(403), '900'))}
    from unnest(${newPlaceIds}::bigint[], ${ibans}::text[], ${holders}::text[]) as i(place_id, iban, holder) join places p on p.id = i.place_id join communes c on c.insee_code = p.commune_code`.execute(db);
  await sql`insert into audit_events (at, actor_user_id, organisation_id, action, place_id, details)
    select b.confirmed_at, b.confirmed_by, p.organisation_id, 'bank_account.confirmed', p.id, jsonb_build_object('bankAccountId', b.id, 'requestedBy', b.requested_by, 'ibanEnd', right(b.iban, 4))
    from bank_accounts b join places p on p.id = b.place_id where p.id = any(${newPlaceIds}::bigint[])`.execute(db);
  // Every labelled place of a programme's département accepts it.
  await sql`insert into place_programmes (place_id, programme_id, since)
    select p.id, pd.programme_id, ${sql.raw(at(day(400), '600'))}
    from places p join communes c on c.insee_code = p.commune_code join programme_departements pd on pd.departement_code = c.departement_code
    where pd.programme_id = any(${programmeIds}::bigint[]) and p.active
      and exists (select 1 from place_labels l where l.place_id = p.id and l.status = 'approved' and l.valid_until >= ${today}::date)`.execute(db);

  // 3. Orders through the use cases (commitment, issuance, payment: their ledger lines and journal), then dated back.
  const orders: { id: number; daysAgo: number; paid: boolean }[] = [];
  for (const plan of plans) {
    const funder = funders.get(plan.code)!;
    for (const [index, order] of ORDERS.entries()) {
      const id = await placeOrder(db, funder.principal, { programmeId: funder.programmeId, bookletCount: order.booklets, vouchersPerBooklet: 10 });
      await issueOrder(db, null, id);
      await recordPayment(db, null, id, `Mandat administratif ${plan.code}-${String(index + 1).padStart(3, '0')}`);
      orders.push({ id, daysAgo: order.daysAgo, paid: true });
    }
  }
  // One recent order of Loire-Atlantique is printed but not paid yet.
  const pending = await placeOrder(db, funders.get(plans[0]!.code)!.principal, { programmeId: funders.get(plans[0]!.code)!.programmeId, bookletCount: 10, vouchersPerBooklet: 10 });
  await issueOrder(db, null, pending);
  orders.push({ id: pending, daysAgo: 12, paid: false });

  const orderIds = orders.map((o) => o.id);
  const newOrganisations = [...[...funders.values()].map((f) => f.organisationId), ...prescribers.map((p) => p.organisation_id), ...placeOrganisations.map((o) => o.id)];

  await db.transaction().execute(async (trx) => {
    const run = (query: ReturnType<typeof sql>) => query.execute(trx);
    // Back in time: organisations, programmes, orders and the rows their use cases wrote.
    await run(sql`update organisations set created_at = ${sql.raw(at(day(420), '600'))} where id = any(${newOrganisations}::bigint[]) and created_at > now() - interval '1 day'`);
    await run(sql`update programmes set created_at = ${sql.raw(at(day(400), '540'))} where id = any(${programmeIds}::bigint[])`);
    await run(sql`update programme_cofunders set decided_at = ${sql.raw(at(day(398), '600'))} where programme_id = any(${programmeIds}::bigint[])`);
    await run(sql`update audit_events set at = ${sql.raw(at(day(400), '540'))} where action like 'programme.%' and (details->>'programmeId')::bigint = any(${programmeIds}::bigint[])`);
    await run(sql`update orders o set placed_at = ${sql.raw(at(`'${today}'::date - d.days_ago`, '570'))},
        issued_at = ${sql.raw(at(`'${today}'::date - d.days_ago + 2`, '600'))},
        expires_at = ${sql.raw(at(`'${today}'::date - d.days_ago + 2`, '600'))} + make_interval(months => ${VALIDITY_MONTHS}),
        paid_at = case when o.paid_at is not null then ${sql.raw(at(`'${today}'::date - d.days_ago + 9`, '840'))} end
      from unnest(${orders.map((x) => x.id)}::bigint[], ${orders.map((x) => x.daysAgo)}::int[]) as d(id, days_ago) where o.id = d.id`);
    await run(sql`update vouchers v set expires_at = o.expires_at from orders o where o.id = v.order_id and o.id = any(${orderIds}::bigint[])`);
    await run(sql`update ledger_entries l set at = case l.kind when 'order_payment' then o.paid_at else o.placed_at end
      from orders o where o.id = l.order_id and o.id = any(${orderIds}::bigint[])`);
    await run(sql`update audit_events a set at = case a.action when 'order.paid' then o.paid_at when 'order.issued' then o.issued_at else o.placed_at end
      from orders o where o.id = a.order_id and o.id = any(${orderIds}::bigint[])`);

    // Who acts where: prescribers and places (with their mediator) per département, ranked.
    await run(sql`create temp table demo_prescribers on commit drop as
      select * from jsonb_to_recordset(${JSON.stringify(prescribers)}::jsonb) as x(organisation_id bigint, user_id bigint, departement text, rank int)`);
    await run(sql`create temp table demo_places on commit drop as
      select p.id as place_id, p.organisation_id, c.departement_code as departement, pp.programme_id,
        (select min(m.user_id) from memberships m where m.organisation_id = p.organisation_id and m.role = 'mediator') as user_id,
        (row_number() over (partition by pp.programme_id order by p.id) - 1)::int as rank
      from place_programmes pp join places p on p.id = pp.place_id join communes c on c.insee_code = p.commune_code
      where pp.programme_id = any(${programmeIds}::bigint[])`);
    await run(sql`create temp table demo_communes on commit drop as
      select departement_code as departement, insee_code, (row_number() over (partition by departement_code order by population desc nulls last, insee_code))::int as rank
      from communes where kind = 'commune' and departement_code = any(${plans.map((p) => p.code)}::text[])`);
    await run(sql`delete from demo_communes where rank > 40`);

    // 4. The plan of every booklet: allocated (nine in ten, a batch per prescriber some days after payment), handed
    // (four in five, with a pseudonymous profile, some « non renseigné », communes weighted towards the larger ones).
    const ages = [...AGE_BANDS, '60-74', '60-74', '40-59', '40-59', '25-39', '75+', null];
    const situations = ['job_seeker', 'job_seeker', 'rsa', 'rsa', 'retiree', 'retiree', 'retiree', 'employee', 'student', 'disability', 'other', null];
    await run(sql`create temp table demo_booklets on commit drop as
      with base as (
        select b.id, b.number, b.order_id, b.programme_id, pd.departement_code as departement, o.paid_at, o.expires_at, o.funder_organisation_id, o.placed_by,
          (row_number() over (partition by b.order_id order by b.id) - 1)::int as r, o.booklet_count as n
        from booklets b join orders o on o.id = b.order_id join programme_departements pd on pd.programme_id = b.programme_id
        where o.id = any(${orderIds}::bigint[]) and o.status = 'paid'
      ),
      allocated as (
        select base.*, pr.organisation_id as prescriber_id, pr.user_id as prescriber_user_id,
          case when base.r < ceil(base.n * 0.9) then (base.paid_at at time zone 'Europe/Paris')::date + 4 + pr.rank * 6 end as allocated_on
        from base join demo_prescribers pr on pr.departement = base.departement
          and pr.rank = base.r % (select count(*) from demo_prescribers p2 where p2.departement = base.departement)
      ),
      handed as (
        select a.*, case when ${sql.raw(h('a.id', 'remis'))} % 100 < 80 then a.allocated_on + 1 + ${sql.raw(h('a.id', 'delai'))} % 75 end as handed_on
        from allocated a where a.allocated_on < ${today}::date
      )
      select hd.*, ${sql.raw(at('hd.allocated_on', `540 + ${h('hd.order_id::text || hd.prescriber_id', 'heure')} % 420`))} as allocated_at,
        case when hd.handed_on < ${today}::date then ${sql.raw(at('hd.handed_on', `540 + ${h('hd.id', 'heure')} % 480`))} end as handed_at,
        (${JSON.stringify(ages)}::jsonb ->> (${sql.raw(h('hd.id', 'age'))} % ${ages.length})) as age_band,
        (${JSON.stringify(situations)}::jsonb ->> (${sql.raw(h('hd.id', 'situation'))} % ${situations.length})) as situation,
        case when ${sql.raw(h('hd.id', 'sans-commune'))} % 12 = 0 then null
          else 1 + floor(cc.n * power(${sql.raw(h('hd.id', 'commune'))} / 268435456.0, 2))::int end as commune_rank
      from handed hd join (select departement, count(*) as n from demo_communes group by departement) cc on cc.departement = hd.departement`);
    await run(sql`update demo_booklets set handed_on = null, handed_at = null where handed_at is null or handed_at >= expires_at`);

    // 5. Redemptions: one person in six never comes; the others use one to ten vouchers, mostly at one place, weeks apart.
    await run(sql`create temp table demo_redemptions on commit drop as
      with vouchers_of as (
        select v.serial, v.booklet_id, v.order_id, v.programme_id, v.face_value_cents, v.expires_at, d.handed_on,
          (row_number() over (partition by v.booklet_id order by v.serial) - 1)::int as idx,
          case when ${sql.raw(h('d.id', 'jamais'))} % 100 < 16 then 0 else 1 + ${sql.raw(h('d.id', 'combien'))} % 10 end as used
        from vouchers v join demo_booklets d on d.id = v.booklet_id where d.handed_at is not null
      ),
      dated as (
        select vo.*, vo.handed_on + 3 + vo.idx * 9 + ${sql.raw(h('vo.serial', 'jour'))} % 7 as redeemed_on, pc.n as place_count
        from vouchers_of vo join (select programme_id, count(*) as n from demo_places group by programme_id) pc on pc.programme_id = vo.programme_id
        where vo.idx < vo.used
      )
      select dt.serial, dt.booklet_id, dt.order_id, dt.programme_id, dt.face_value_cents, dt.redeemed_on, t.redeemed_at,
        p.place_id, p.organisation_id as place_organisation_id, p.user_id, gen_random_uuid() as transaction_id
      from dated dt
      cross join lateral (select ${sql.raw(at('dt.redeemed_on', `540 + ${h('dt.serial', 'heure')} % 480`))} as redeemed_at) t
      join demo_places p on p.programme_id = dt.programme_id
        and p.rank = (case when ${sql.raw(h('dt.serial', 'ailleurs'))} % 100 < 85 then ${sql.raw(h('dt.booklet_id', 'lieu'))} else ${sql.raw(h('dt.serial', 'lieu'))} end) % dt.place_count
      where dt.redeemed_on < ${today}::date and t.redeemed_at < dt.expires_at`);

    // One statement per table: the booklets (allocation and hand-out), the vouchers (allocated, handed or redeemed).
    await run(sql`analyze demo_booklets, demo_redemptions`);
    await run(sql`update booklets b set allocated_organisation_id = d.prescriber_id, allocated_at = d.allocated_at,
        handed_at = d.handed_at, handed_by_user_id = case when d.handed_at is not null then d.prescriber_user_id end,
        profile_age_band = case when d.handed_at is not null then d.age_band end,
        profile_situation = case when d.handed_at is not null then d.situation end,
        profile_commune_code = case when d.handed_at is not null then c.insee_code end
      from demo_booklets d left join demo_communes c on c.departement = d.departement and c.rank = d.commune_rank
      where d.id = b.id`);
    await run(sql`update vouchers v set status = case when x.redeemed_at is not null then 'redeemed' when x.handed_at is not null then 'handed' else 'allocated' end,
        redeemed_at = x.redeemed_at, redeemed_place_id = x.place_id, redeemed_by_user_id = x.user_id
      from (select v2.serial, d.handed_at, r.redeemed_at, r.place_id, r.user_id
            from vouchers v2 join demo_booklets d on d.id = v2.booklet_id left join demo_redemptions r on r.serial = v2.serial) x
      where x.serial = v.serial and v.status = 'activated'`);
    await run(sql`insert into ledger_entries (transaction_id, at, kind, account, programme_id, organisation_id, order_id, voucher_serial, amount_cents)
      select r.transaction_id, r.redeemed_at, 'redemption', line.account, r.programme_id, line.organisation_id, r.order_id, r.serial, line.amount
      from demo_redemptions r cross join lateral (values ('vouchers_outstanding', null::bigint, r.face_value_cents::bigint),
        ('place_payable', r.place_organisation_id, -r.face_value_cents::bigint)) as line(account, organisation_id, amount)`);
    // The journal, as the use cases write it: a row per allocation batch, per hand-out and per redemption.
    await run(sql`insert into audit_events (at, actor_user_id, organisation_id, action, order_id, booklet_id, voucher_serial, from_status, to_status, voucher_count, details)
      select min(d.allocated_at), min(d.placed_by), d.funder_organisation_id, 'booklets.allocated', d.order_id, null::bigint, null::bigint, 'activated', 'allocated', count(*) * 10,
        jsonb_build_object('recipientOrganisationId', d.prescriber_id, 'recipientName', min(o.name), 'booklets', jsonb_agg(d.number order by d.id))
      from demo_booklets d join organisations o on o.id = d.prescriber_id group by d.order_id, d.funder_organisation_id, d.prescriber_id
      union all
      select b.handed_at, b.handed_by_user_id, b.allocated_organisation_id, 'booklet.handed', b.order_id, b.id, null, 'allocated', 'handed', 10,
        jsonb_build_object('ageBand', b.profile_age_band, 'communeCode', b.profile_commune_code, 'situation', b.profile_situation, 'diagnosticLevel', null, 'diagnosticId', null)
      from booklets b join demo_booklets d on d.id = b.id where d.handed_at is not null
      union all
      select r.redeemed_at, r.user_id, r.place_organisation_id, 'voucher.redeemed', r.order_id, r.booklet_id, r.serial, 'handed', 'redeemed', 1, jsonb_build_object('placeId', r.place_id)
      from demo_redemptions r`);

    // 6. Accompaniments: four redemptions in ten recorded as an individual accompaniment, and workshops with
    // anonymous participants at every place, one to three a month.
    const themes = Object.keys(THEMES);
    const referrals = [...Object.keys(REFERRALS), ...Array(8).fill(null)];
    const list = `array[${themes.map((t) => `'${t}'`).join(', ')}]::text[]`;
    const themesOf = (key: string) => `array[(${list})[1 + ${h(key, 'theme1')} % ${themes.length}]]
      || case when ${h(key, 'theme2')} % ${themes.length} <> ${h(key, 'theme1')} % ${themes.length} and ${h(key, 'deux-themes')} % 2 = 0
         then array[(${list})[1 + ${h(key, 'theme2')} % ${themes.length}]] else array[]::text[] end`;
    await run(sql`create temp table demo_accompaniments on commit drop as
      select nextval(pg_get_serial_sequence('accompaniments', 'id')) as id, 'individual'::text as kind, r.place_id, r.place_organisation_id as organisation_id,
        r.redeemed_on as occurred_on, (array[30, 45, 60, 60, 90])[1 + ${sql.raw(h('r.serial', 'duree'))} % 5] as duration_minutes,
        r.user_id as recorded_by, r.redeemed_at + interval '20 minutes' as recorded_at, r.serial as voucher_serial, 0 as anonymous, ${sql.raw(themesOf('r.serial'))} as themes
      from demo_redemptions r where ${sql.raw(h('r.serial', 'accompagnement'))} % 100 < 40`);
    await run(sql`insert into demo_accompaniments
      with slots as (
        select p.place_id, p.organisation_id, p.user_id, m, k,
          (${today}::date - 365 + m * 30 + ${sql.raw(h("p.place_id || '-' || m || '-' || k", 'jour-atelier'))} % 28) as occurred_on
        from (select distinct place_id, organisation_id, user_id from demo_places) p cross join generate_series(0, 11) as m cross join generate_series(1, 3) as k
        where k <= 1 + ${sql.raw(h("p.place_id || '-' || m", 'ateliers'))} % 3
      )
      select nextval(pg_get_serial_sequence('accompaniments', 'id')), 'workshop', s.place_id, s.organisation_id, s.occurred_on,
        (array[90, 120, 120, 150])[1 + ${sql.raw(h("s.place_id || '-' || s.m || '-' || s.k", 'duree'))} % 4], s.user_id,
        ${sql.raw(at('s.occurred_on', '1080'))}, null, 3 + ${sql.raw(h("s.place_id || '-' || s.m || '-' || s.k", 'participants'))} % 10,
        ${sql.raw(themesOf("s.place_id || '-' || s.m || '-' || s.k"))}
      from slots s where s.occurred_on < ${today}::date`);
    await run(sql`insert into accompaniments (id, kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by, recorded_at)
      overriding system value select id, kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by, recorded_at from demo_accompaniments`);
    await run(sql`insert into accompaniment_participants (accompaniment_id, voucher_serial, autonomy_observed, referral)
      select a.id, a.voucher_serial, 1 + ${sql.raw(h('a.id', 'autonomie'))} % 3, (${JSON.stringify(referrals)}::jsonb ->> (${sql.raw(h('a.id', 'orientation'))} % ${referrals.length}))
      from demo_accompaniments a where a.kind = 'individual'
      union all
      select a.id, null, case when ${sql.raw(h('a.id::text || n', 'autonomie'))} % 3 = 0 then null else 1 + ${sql.raw(h('a.id::text || n', 'niveau'))} % 3 end, null
      from demo_accompaniments a cross join lateral generate_series(1, a.anonymous) as n where a.kind = 'workshop'`);
    await run(sql`insert into audit_events (at, actor_user_id, organisation_id, place_id, action, voucher_count, details)
      select a.recorded_at, a.recorded_by, a.organisation_id, a.place_id, 'accompaniment.recorded', 0,
        jsonb_build_object('accompanimentId', a.id, 'kind', a.kind, 'redeemed', jsonb_build_array(), 'linked', case when a.voucher_serial is null then jsonb_build_array() else jsonb_build_array(a.voucher_serial) end, 'anonymous', a.anonymous, 'by', 'démonstration')
      from demo_accompaniments a`);

    // 7. Diagnostics: one person in five takes the kit's diagnostic at hand-out; some come back weeks later for the
    // second one (progress measured), and places run anonymous ones.
    const bank = loadItemBank();
    const pairs = LEVEL_PAIRS.map(([before, after], index) => ({ before: frozen(before, index), after: frozen(after, index + 1) }));
    await run(sql`create temp table demo_pairs on commit drop as
      select (ordinality - 1)::int as idx, value as pair from jsonb_array_elements(${JSON.stringify(pairs)}::jsonb) with ordinality`);
    const pick = (key: string) => `(select dp.pair from demo_pairs dp where dp.idx = ${h(key, 'paire')} % ${pairs.length})`;
    await run(sql`create temp table demo_diagnosed on commit drop as
      select b.id as booklet_id, b.allocated_organisation_id, b.handed_by_user_id, b.handed_at, ${sql.raw(pick('b.id'))} as pair,
        (select min(r.redeemed_at) from demo_redemptions r where r.booklet_id = b.id) as first_use,
        (select r.place_organisation_id from demo_redemptions r where r.booklet_id = b.id order by r.serial limit 1) as place_organisation_id,
        (select r.user_id from demo_redemptions r where r.booklet_id = b.id order by r.serial limit 1) as place_user_id,
        (select count(*) from demo_redemptions r where r.booklet_id = b.id) as used
      from booklets b join demo_booklets d on d.id = b.id where d.handed_at is not null and ${sql.raw(h('b.id', 'diagnostic'))} % 100 < 20`);
    await run(sql`insert into diagnostics (kind, items_version, started_at, started_by, organisation_id, booklet_id, finished_at, overall_level, topic_levels, obstacles, recommendation, reader)
      select 'initial', ${bank.version}, x.handed_at - interval '35 minutes', x.handed_by_user_id, x.allocated_organisation_id, x.booklet_id, x.handed_at - interval '20 minutes',
        (x.pair -> 'before' ->> 'overall')::int, x.pair -> 'before' -> 'levels', x.pair -> 'before' -> 'obstacles', x.pair -> 'before' -> 'recommendation', 'professional'
      from demo_diagnosed x`);
    await run(sql`update booklets b set profile_diagnostic_level = (x.pair -> 'before' ->> 'overall')::int from demo_diagnosed x where x.booklet_id = b.id`);
    await run(sql`update audit_events a set details = a.details || jsonb_build_object('diagnosticLevel', (x.pair -> 'before' ->> 'overall')::int)
      from demo_diagnosed x where a.booklet_id = x.booklet_id and a.action = 'booklet.handed'`);
    await run(sql`insert into diagnostics (kind, items_version, started_at, started_by, organisation_id, booklet_id, finished_at, overall_level, topic_levels, obstacles, recommendation, reader)
      select 'followup', ${bank.version}, f.at - interval '15 minutes', x.place_user_id, x.place_organisation_id, x.booklet_id, f.at,
        (x.pair -> 'after' ->> 'overall')::int, x.pair -> 'after' -> 'levels', x.pair -> 'after' -> 'obstacles', x.pair -> 'after' -> 'recommendation', 'professional'
      from demo_diagnosed x cross join lateral (select x.first_use + make_interval(days => 30 + ${sql.raw(h('x.booklet_id', 'suivi'))} % 40) as at) f
      where x.used >= 3 and f.at < now()`);
    await run(sql`insert into diagnostics (kind, items_version, started_at, started_by, organisation_id, finished_at, overall_level, topic_levels, obstacles, recommendation, reader)
      select 'initial', ${bank.version}, t.at - interval '12 minutes', p.user_id, p.organisation_id, t.at,
        (${sql.raw(pick("p.place_id || '-' || n"))} -> 'before' ->> 'overall')::int, ${sql.raw(pick("p.place_id || '-' || n"))} -> 'before' -> 'levels',
        ${sql.raw(pick("p.place_id || '-' || n"))} -> 'before' -> 'obstacles', ${sql.raw(pick("p.place_id || '-' || n"))} -> 'before' -> 'recommendation', 'person'
      from (select distinct place_id, organisation_id, user_id from demo_places) p cross join generate_series(1, 6) as n
      cross join lateral (select ${sql.raw(at(`'${today}'::date - 1 - ${h("p.place_id || '-' || n", 'anonyme')} % 360`, '600'))} as at) t`);
  });

  // 8. Expiry (the first orders are past their twelve months) and two reimbursement runs, through the use cases.
  await expireVouchers(db, null);
  await sql`update ledger_entries l set at = o.expires_at from orders o where o.id = l.order_id and l.kind = 'expiry' and o.id = any(${orderIds}::bigint[])`.execute(db);
  await sql`update audit_events a set at = o.expires_at from orders o where o.id = a.order_id and a.action = 'vouchers.expired' and o.id = any(${orderIds}::bigint[])`.execute(db);
  for (const daysAgo of [150, 45]) {
    const until = (await sql<{ until: string }>`select to_char(${today}::date - ${daysAgo}::int, 'YYYY-MM-DD') as until`.execute(db)).rows[0]!.until;
    const started = (await sql<{ now: Date }>`select clock_timestamp() as now`.execute(db)).rows[0]!.now;
    const result = await createRun(db, adminUser, until);
    if (result.runId === null) continue;
    await markRunPaid(db, adminUser, result.runId);
    const created = at(`'${until}'::date + 5`, '600');
    const paid = at(`'${until}'::date + 9`, '660');
    await sql`update reimbursement_runs set created_at = ${sql.raw(created)}, paid_at = ${sql.raw(paid)} where id = ${result.runId}`.execute(db);
    await sql`update ledger_entries set at = ${sql.raw(created)} where kind = 'reimbursement' and at >= ${started}`.execute(db);
    await sql`update audit_events set at = case action when 'reimbursement.run_paid' then ${sql.raw(paid)} else ${sql.raw(created)} end
      where action in ('reimbursement.run_created', 'reimbursement.run_paid') and (details->>'runId')::bigint = ${result.runId}`.execute(db);
  }
  await sql`analyze vouchers, booklets, ledger_entries`.execute(db);
  // The dashboards read the aggregates and the coverage: computed once, now that the year is written.
  await rebuildPilotage(db);
  await refreshCoverage(db);
  return accounts;
}
