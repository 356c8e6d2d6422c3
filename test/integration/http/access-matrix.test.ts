import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { ACTORS, mayAttempt, type Actor, type ActionRule } from '../../../src/accounts/domain/permissions.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { inviteColleague } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { ALL_PERMISSIONS, ALL_ROUTES } from '../../../src/http/route-table.js';
import { recordAccompaniment } from '../../../src/kit/use-cases/accompaniments.js';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { createProgramme } from '../../../src/pass/use-cases/programmes.js';
import { placeOrder } from '../../../src/pass/use-cases/orders.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { PLACES_PERMISSIONS } from '../../../src/places/domain/policies.js';
import { applyForLabel } from '../../../src/places/use-cases/labels.js';
import { REIMBURSEMENT_PERMISSIONS } from '../../../src/reimbursement/domain/policies.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun } from '../../../src/reimbursement/use-cases/runs.js';
import { parisDay } from '../../../src/shared/dates.js';
import { captureMailer } from '../../../src/shared/mailer.js';
import { toCsv } from '../../support/places-file.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, makeActor, serialsOfBooklet, TEST_SERVICE, type Actor as TestActor } from '../../support/world.js';

/**
 * The access matrix: every route of the application (the API routes of the OpenAPI document and every page), called
 * by a principal of every role from a foreign organisation (other département, other hub territory) and anonymously,
 * aimed at the home organisation's real resources. Each call an actor may not make must be refused (401, 403, 404,
 * or the sign-in page) and change nothing in the database. A route without a policy stops the application from
 * starting, so it cannot reach production unseen; a policy entry naming no route fails here.
 *
 * Two kinds of answers are not refusals and are judged otherwise:
 * - a GET without a resource id (a list, an empty form) answers 200 to whoever has the role: it must show the
 *   actor's own data only, so its body must contain none of the home organisations' markers (e-mails, booklet
 *   numbers, place names, IBAN, pending invitation, co-funder);
 * - a write whose actor passes the route gate (an 'own' or 'territory' scope) is sent a valid body (FIXTURES) aimed
 *   at the home organisation's resources, so that the only reason left to refuse it is the policy: a 400 or 422
 *   would prove nothing.
 */

/** The tables a refused request must leave exactly as they were. */
const WATCHED_TABLES = [
  'organisations', 'users', 'memberships', 'invitations', 'api_tokens', 'password_resets', 'organisation_departements',
  'programmes', 'programme_departements', 'programme_cofunders', 'orders', 'order_cofunding', 'booklets', 'vouchers',
  'ledger_entries', 'audit_events', 'idempotency_keys', 'places', 'place_labels', 'place_programmes', 'place_duplicates',
  'label_criteria', 'bank_accounts', 'reimbursement_runs', 'statements', 'statement_lines', 'accompaniments',
  'accompaniment_participants', 'diagnostics', 'notification_events', 'notification_deliveries',
];

/**
 * Columns a refused request may change: a token's last use is noted when it authenticates a request, whatever the
 * answer (accounts/use-cases/api-tokens.ts).
 */
const IGNORED_COLUMNS: Record<string, string[]> = { api_tokens: ['last_used_at'] };

/**
 * Rows a request the actor may make in its own scope still writes: the journal of an export of the pilotage (who
 * exported which figures, pilotage/use-cases/export-journal.ts) is written for every export, whoever asks.
 */
const IGNORED_ROWS: Record<string, string> = { audit_events: "action <> 'pilotage.exported'" };

/**
 * The place imports check every row against the hub's territory and refuse the file as a whole, row by row (422,
 * « hors du territoire »), like any invalid row: there only, a 422 is the policy's refusal.
 */
const IMPORT_ROUTES = new Set(['POST /api/v1/places/import', 'POST /lieux/import']);

/**
 * Routes whose body is validated before the policy is asked and for which no valid body can be written: a 400 or
 * 422 is accepted there, and proves nothing. Keep it empty; a route added here needs its reason.
 */
const VALIDATION_FIRST = new Map<string, string>([]);

/**
 * Creations that are always for the caller's own organisation, wherever the created thing is: the foreign actor has
 * nothing of the home organisations to aim at, and the policy lets it create for itself. Checked apart below (the
 * created place is the actor's organisation's, never a home one).
 */
const CREATES_FOR_ITSELF: Record<string, Actor[]> = {
  'POST /api/v1/places': ['mediator'],
  'POST /lieux/nouveau': ['mediator'],
};

/**
 * Actions no route performs, checked by a use case only (the use case named). Every other action of the tables must
 * be the action of at least one route.
 */
const USE_CASE_ONLY_ACTIONS: Record<string, string> = {};

/** A body sent as is (CSV file, multipart upload). */
interface RawBody {
  contentType: string;
  body: string | Buffer;
}
type Body = Record<string, unknown> | RawBody;
const isRaw = (body: Body): body is RawBody => typeof (body as RawBody).contentType === 'string' && 'body' in body;

function multipart(fields: Record<string, string>, file: { field: string; filename: string; contentType: string; content: string }): RawBody {
  const boundary = `----matrice${randomBytes(8).toString('hex')}`;
  const parts = Object.entries(fields).map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`);
  parts.push(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.contentType}\r\n\r\n${file.content}\r\n`);
  return { contentType: `multipart/form-data; boundary=${boundary}`, body: Buffer.from(`${parts.join('')}--${boundary}--\r\n`) };
}

describe(`access matrix: every route × every foreign role on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let params: Record<string, string>;
  /** Parameters of one route that differ from the common ones (the voucher to redeem is not the one to take back). */
  let routeParams: Record<string, Record<string, string>>;
  /** A valid body per route (keyed as registered), aimed at the home organisations; several bodies for a two-step form. */
  let fixtures: Record<string, (csrf: string) => Body | Body[]>;
  /** What the home organisations own that no foreign actor may see. */
  let markers: string[];
  const foreign = new Map<Actor, { actor: TestActor; cookie: string; csrf: string } | { actor: null; cookie: string; csrf: string }>();

  async function fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const table of WATCHED_TABLES) {
      const ignored = IGNORED_COLUMNS[table] ?? [];
      const row = ignored.length ? sql`(to_jsonb(t) - ${sql.raw(`array[${ignored.map((c) => `'${c}'`).join(', ')}]`)})::text` : sql`t::text`;
      const where = IGNORED_ROWS[table] ? sql` where ${sql.raw(IGNORED_ROWS[table])}` : sql``;
      const { rows } = await sql<{ h: string | null }>`select md5(coalesce(string_agg(${row}, '|' order by ${row}), '')) as h from ${sql.table(table)} t${where}`.execute(platform.db);
      parts.push(`${table}:${rows[0]!.h}`);
    }
    return parts.join('\n');
  }

  async function pageCredentials(cookie: string) {
    const page = await app.inject({ url: '/connexion', headers: cookie ? { cookie } : {} });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const csrfCookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return { cookie: [cookie, csrfCookie].filter(Boolean).join('; '), csrf };
  }

  before(async () => {
    platform = await openTestPlatform();
    platform.mailer = captureMailer();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    await app.ready();
    const { db, secret } = platform;
    const code = (serial: number) => makeVoucherCode(secret, serial);

    // Resources of the home organisations the foreign actors will aim at: vouchers of the handed booklet redeemed at
    // place A (one already reimbursed, one that may still be taken back, one counted in an accompaniment), confirmed
    // and pending bank details, a reimbursement run and its statement, a pending label, an open duplicate pair, a
    // locked booklet, a pending invitation, a programme waiting for a co-funder's decision, a diagnostic.
    const serials = await serialsOfBooklet(db, world.handedBooklet);
    const [reimbursed, undoable, counted, toRedeem, forAccompaniment] = serials as [number, number, number, number, number];
    const confirmedAccount = await requestBankDetails(db, world.mediatorA.principal, world.placeA, { holderName: 'Association du lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    await confirmBankDetails(db, world.admin.principal, confirmedAccount);
    await redeemVoucher(platform, world.mediatorA.principal, code(reimbursed), world.placeA);
    const run = await createRun(db, world.admin.principal.userId, parisDay());
    const statement = await db.selectFrom('statements').select('id').where('run_id', '=', run.runId!).where('place_id', '=', world.placeA).executeTakeFirstOrThrow();
    const bankAccountId = await requestBankDetails(db, world.mediatorA.principal, world.placeA, { holderName: 'Association du lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    await redeemVoucher(platform, world.mediatorA.principal, code(undoable), world.placeA);
    const accompaniment = await recordAccompaniment(db, secret, world.mediatorA.principal, {
      kind: 'individual', placeId: world.placeA, date: parisDay(), durationMinutes: 60, themes: ['internet'], participants: [{ voucherCode: code(counted) }],
    });
    const placeC = await addPlace(db, world.mediatorA.organisationId, '44109');
    const criteria = (await db.selectFrom('label_criteria').select('id').where('active', '=', true).execute()).map((c) => c.id);
    const pendingLabel = await applyForLabel(db, world.mediatorA.principal, placeC, { criteriaMet: criteria, note: '' });
    await db.insertInto('place_duplicates').values({ place_id: Math.min(world.placeA, world.placeB), other_place_id: Math.max(world.placeA, world.placeB), reason: 'same_name_nearby' }).execute();
    await db.updateTable('booklets').set({ locked_at: new Date(), pin_failures: 10 }).where('number', '=', world.allocatedBooklet).execute();
    const thirdFunder = await makeActor(db, 'Troisième financeur', 'funder');
    const pendingProgramme = await createProgramme(db, world.funder.principal, {
      name: 'Programme en attente', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 5000 }, { organisationId: thirdFunder.organisationId, shareBp: 5000 }], eligibleServices: [TEST_SERVICE],
    });
    await inviteColleague(db, world.mediatorA.principal, { organisationId: world.mediatorA.organisationId, email: 'futur.collegue@test.fr', role: 'mediator' });
    const invitation = await db.selectFrom('invitations').select('token_hash').where('email', '=', 'futur.collegue@test.fr').executeTakeFirstOrThrow();
    const diagnostic = await app.inject({ method: 'POST', url: '/api/v1/diagnostics', payload: {} });
    assert.equal(diagnostic.statusCode, 201, diagnostic.body);
    const diagnosticId = (diagnostic.json() as { id: string }).id;
    // An order of the home funder still cancellable (placed, not paid): what a foreign actor would aim to cancel.
    const cancellableOrder = await placeOrder(db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 1, vouchersPerBooklet: 10 });
    // The home territory's hub: its worst-served communes (pilotage coverage) are for its members only.
    const homeHub = await makeActor(db, 'Hub du territoire', 'hub');
    await db.insertInto('organisation_departements').values({ organisation_id: homeHub.organisationId, departement_code: '44' }).execute();

    params = {
      'couverture/:departement': '44',
      'hub/:id': String(homeHub.organisationId),
      'orders/:id': String(world.orderId),
      'commandes/:id': String(world.orderId),
      'places/:id': String(world.placeA),
      'lieux/:id': String(world.placeA),
      // The open duplicate pair of places A and B (its merge page and the merge).
      'doublons/:placeId': String(Math.min(world.placeA, world.placeB)),
      ':otherPlaceId': String(Math.max(world.placeA, world.placeB)),
      'labels/:id': String(pendingLabel),
      'bank-accounts/:id': String(bankAccountId),
      'reimbursements/:id': String(run.runId),
      'remboursements/:id': String(run.runId),
      'statements/:id': String(statement.id),
      'statements/:file': `${statement.id}.csv`,
      'releves/:file': `${statement.id}.pdf`,
      'funders/:id': String(world.funder.organisationId),
      'financeurs/:id': String(world.funder.organisationId),
      ':file': 'rapport',
      'booklets/:number': world.allocatedBooklet,
      'vouchers/:code': code(toRedeem),
      'c/:code': code(toRedeem),
      'organisations/:id': String(world.mediatorA.organisationId),
      ':userId': String(world.mediatorA.principal.userId),
      ':invitation': invitation.token_hash,
      'programmes/:id': String(pendingProgramme),
      ':organisationId': String(thirdFunder.organisationId),
      'accompaniments/:id': String(accompaniment.id),
      'accompagnements/:id': String(accompaniment.id),
      'diagnostics/:id': diagnosticId,
      'diagnostic/:id': diagnosticId,
      'tokens/:id': '1',
      'invitation/:token': 'inv_inconnue',
      'mot-de-passe/:token': 'mdp_inconnu',
      'public/booklets/:number': world.handedBooklet,
      'notifications/:id': '1',
    };
    routeParams = {
      'DELETE /api/v1/vouchers/:code/redemption': { 'vouchers/:code': code(undoable) },
      'POST /commandes/:id/annulation': { 'commandes/:id': String(cancellableOrder) },
    };

    const homePlaces = await db.selectFrom('places').select('name').where('id', 'in', [world.placeA, world.placeB, placeC]).execute();
    markers = [
      ...[world.mediatorA, world.mediatorB, world.prescriber, world.funder, world.state].map((a) => a.email),
      ...[world.handedBooklet, world.allocatedBooklet].flatMap((number) => [number, formatBookletNumber(number)]),
      ...homePlaces.map((p) => p.name),
      'futur.collegue@test.fr',
      '1234567890189',
      'Troisième financeur',
    ];

    const placeA = await db.selectFrom('places').selectAll().where('id', '=', world.placeA).executeTakeFirstOrThrow();
    const home = String(world.mediatorA.organisationId);
    const member = String(world.mediatorA.principal.userId);
    const profile = { ageBand: '60-74', communeCode: '44109', situation: 'retiree' };
    const newPlace = { pivot: '00000000000000', nom: 'Lieu de la matrice', adresse: '3 rue de la Matrice', code_postal: '44000', commune: 'Nantes', code_insee: '44109', services: TEST_SERVICE };
    const importedRow = { id: 'matrice-44', pivot: '00000000000000', nom: 'Lieu importé de la matrice', commune: 'Nantes', code_postal: '44000', code_insee: '44109', adresse: '5 rue de la Matrice', date_maj: '2026-01-01', services: TEST_SERVICE };
    const bank = { holderName: 'Association détournée', iban: 'FR7630006000019876543210112', bic: 'AGRIFRPP' };
    const validUntil = `${Number(parisDay().slice(0, 4)) + 3}${parisDay().slice(4)}`;
    fixtures = {
      // Members of the home organisation (mediator A's, where the foreign actors administer nothing).
      'POST /api/v1/organisations/:id/invitations': () => ({ email: 'intrus@test.fr', role: 'mediator' }),
      'PATCH /api/v1/organisations/:id/members/:userId': () => ({ fromRole: 'mediator', toRole: 'mediator', isOrgAdmin: true }),
      'POST /organisation/invitations': () => ({ organisationId: home, email: 'intrus@test.fr', role: 'mediator' }),
      'POST /organisation/invitations/revocation': () => ({ organisationId: home, invitation: invitation.token_hash }),
      'POST /organisation/membres/role': () => ({ organisationId: home, userId: member, fromRole: 'mediator', toRole: 'mediator', isOrgAdmin: 'oui' }),
      'POST /organisation/membres/retrait': () => ({ organisationId: home, userId: member, confirmation: 'oui' }),
      // The third funder's share of the pending programme.
      'POST /api/v1/programmes/:id/cofunders/:organisationId/decision': () => ({ accept: true }),
      'POST /programmes/:id/part': () => ({ organisationId: String(thirdFunder.organisationId), decision: 'accepter', motif: '' }),
      // Orders and booklets of the home funder, the home prescriber's booklets.
      'POST /api/v1/orders': () => ({ programmeId: world.programmeId, bookletCount: 1 }),
      'POST /commandes': () => ({ programmeId: String(world.programmeId), bookletCount: '1', vouchersPerBooklet: '10' }),
      'POST /api/v1/orders/:id/allocations': () => ({ organisationId: world.prescriber.organisationId, bookletCount: 1 }),
      'POST /commandes/:id/attribution': () => ({ organisationId: String(world.prescriber.organisationId), bookletCount: '1' }),
      // The button asks for the confirmation page; the confirmation cancels.
      'POST /commandes/:id/annulation': () => [{}, { etape: 'confirmer', confirmation: 'oui' }],
      'POST /api/v1/booklets/:number/hand': () => profile,
      'POST /carnets/remise': () => ({ numero: world.allocatedBooklet, ...profile }),
      'POST /diagnostic/:id/carnet': () => ({ numero: world.allocatedBooklet, ...profile }),
      'POST /carnets/deblocage': () => ({ numero: world.allocatedBooklet }),
      // Vouchers at place A.
      'POST /api/v1/vouchers/:code/redeem': () => ({ placeId: world.placeA }),
      'POST /encaisser': () => ({ code: code(toRedeem), placeId: String(world.placeA) }),
      'POST /c/:code/encaissement': () => ({ placeId: String(world.placeA) }),
      'DELETE /api/v1/vouchers/:code/redemption': () => ({ reason: 'chèque saisi par erreur' }),
      // The button of a redemption line asks first; the confirmation form undoes.
      'POST /encaisser/annulation': () => [
        { code: code(undoable) },
        { code: code(undoable), etape: 'confirmer', confirmation: 'oui', motif: 'chèque saisi par erreur' },
      ],
      'POST /api/v1/accompaniments': () => ({ kind: 'individual', placeId: world.placeA, date: parisDay(), durationMinutes: 60, themes: ['internet'], participants: [{ voucherCode: code(forAccompaniment) }] }),
      'POST /accompagnements': () => ({ kind: 'individual', placeId: String(world.placeA), date: parisDay(), duree: '60', themes: ['internet'], code1: code(forAccompaniment) }),
      // Places of Loire-Atlantique, place A's sheet, label, bank details.
      'POST /api/v1/places': () => ({ place: newPlace }),
      'POST /lieux/nouveau': () => ({ nom: newPlace.nom, adresse: newPlace.adresse, code_postal: newPlace.code_postal, commune: newPlace.commune, services: [TEST_SERVICE] }),
      'PATCH /api/v1/places/:id': () => ({ changes: { nom: 'Nom changé par un intrus' } }),
      'POST /lieux/:id/modifier': () => ({ nom: 'Nom changé par un intrus', adresse: placeA.address, code_postal: placeA.postal_code, commune: placeA.commune_name, services: placeA.services }),
      'POST /api/v1/places/import': () => ({ contentType: 'text/csv', body: toCsv([importedRow]) }),
      'POST /lieux/import': (csrf) => multipart({ _csrf: csrf, nom_fichier: 'lieux.csv' }, { field: 'fichier', filename: 'lieux.csv', contentType: 'text/csv', content: toCsv([importedRow]) }),
      'POST /lieux/doublons': () => ({ a: String(world.placeA), b: String(world.placeB), decision: 'distinct' }),
      'POST /lieux/doublons/:placeId/:otherPlaceId': () => ({ conserver: String(world.placeA), champ_nom: String(world.placeB) }),
      'POST /api/v1/places/:id/label-applications': () => ({ criteriaMet: criteria, note: '' }),
      'POST /lieux/:id/label': () => ({ criteres: criteria.map(String), note: '' }),
      'POST /api/v1/labels/:id/decision': () => ({ kind: 'approve', validFrom: parisDay(), validUntil }),
      'POST /labels/:id': () => ({ decision: 'approve', debut: parisDay(), fin: validUntil, motif: '' }),
      'POST /api/v1/places/:id/bank-account': () => bank,
      'POST /lieux/:id/banque': () => ({ titulaire: bank.holderName, iban: bank.iban, bic: bank.bic }),
      'POST /api/v1/bank-accounts/:id/confirmation': () => ({ holderNameForBank: 'Association du lieu A' }),
      'POST /lieux/:id/banque/confirmation': () => ({ compte: String(bankAccountId), nom_transmis: 'Association du lieu A' }),
      'POST /lieux/:id/banque/refus': () => ({ compte: String(bankAccountId), motif: 'Refus par un intrus' }),
      'POST /api/v1/bank-accounts/:id/refusal': () => ({ reason: 'Refus par un intrus' }),
    };

    // Foreign principals: organisations of Ille-et-Vilaine (35), a hub covering 35 and 22, a funder outside the
    // programme, the national administration (for the few actions it may not do).
    const roles: [Actor, TestActor['principal']['memberships'][number]['role']][] = [
      ['prescriber', 'prescriber'], ['mediator', 'mediator'], ['funder', 'funder'], ['hub', 'hub'], ['helper', 'helper'], ['admin', 'admin'],
    ];
    for (const [actor, role] of roles) {
      const made = await makeActor(db, `Étranger ${actor}`, role, '35');
      if (role === 'mediator') await addPlace(db, made.organisationId, '35238');
      if (role === 'hub') await db.insertInto('organisation_departements').values([{ organisation_id: made.organisationId, departement_code: '35' }, { organisation_id: made.organisationId, departement_code: '22' }]).execute();
      const session = `ni_session=${await createSession(db, made.principal.userId)}`;
      foreign.set(actor, { actor: made, ...(await pageCredentials(session)) });
    }
    foreign.set('anonymous', { actor: null, ...(await pageCredentials('')) });
    // What the set-up journaled is notified now, so that the tables stay still while the matrix walks.
    await app.notifications.run();
    const funderNotification = await db.selectFrom('notification_deliveries').select('event_id').where('user_id', '=', world.funder.principal.userId).where('listed', '=', true).executeTakeFirstOrThrow();
    params['notifications/:id'] = String(funderNotification.event_id);
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  const fill = (url: string, overrides: Record<string, string> = {}) =>
    url.replace(/[a-z0-9.-]*\/?:[a-zA-Z]+/g, (segment) => {
      const key = segment.replace(/^\//, '');
      const exact = overrides[key] ?? params[key];
      if (exact !== undefined) return segment.replace(/:[a-zA-Z]+$/, exact);
      const name = /:[a-zA-Z]+$/.exec(segment)![0];
      const byName = overrides[name] ?? params[name];
      assert.ok(byName !== undefined, `valeur de paramètre manquante pour ${segment} dans ${url}`);
      return segment.replace(name, byName);
    });

  /** Whether this actor, from a foreign organisation, may legitimately perform the action anyway. */
  const allowedEverywhere = (rule: ActionRule, actor: Actor) =>
    rule.scopes[actor] === 'all' || rule.scopes.anonymous === 'all' || (actor !== 'anonymous' && rule.scopes.signed_in === 'all');

  /** The home organisations' markers a body shows (spaces and line breaks ignored: IBANs and numbers are grouped on pages). */
  const leaksIn = (body: string) => {
    const squashed = body.replace(/\s+/g, '');
    return markers.filter((marker) => body.includes(marker) || squashed.includes(marker.replace(/\s+/g, '')));
  };

  /**
   * Calls every route (but wildcards) as every foreign actor that has no 'all' scope for its action and returns what
   * was not refused as it must be, and the routes after which the database changed.
   */
  async function walk(routes: readonly { method: string; url: string; policy: string }[], rules: Record<string, ActionRule> = ALL_PERMISSIONS) {
    const refusals = new Set([401, 403, 404]);
    const failures: string[] = [];
    let calls = 0;
    for (const route of routes) {
      if (route.url.endsWith('*')) continue;
      const key = `${route.method} ${route.url}`;
      const rule = rules[route.policy]!;
      const actors = ACTORS.filter((a) => a !== 'signed_in' && a !== 'org_admin' && foreign.has(a) && !allowedEverywhere(rule, a) && !CREATES_FOR_ITSELF[key]?.includes(a));
      if (actors.length === 0) continue;
      const url = fill(route.url, routeParams[key]);
      const api = url.startsWith('/api/');
      const listOrEmptyForm = route.method === 'GET' && !route.url.includes(':');
      const before = await fingerprint();
      for (const actor of actors) {
        const who = foreign.get(actor)!;
        const fixture = fixtures[key];
        const bodies: (Body | undefined)[] = fixture ? ([] as Body[]).concat(fixture(who.csrf)) : [route.method === 'GET' || route.method === 'DELETE' ? undefined : {}];
        for (const body of bodies) {
          const headers: Record<string, string> = {};
          if (api && who.actor) headers.authorization = `Bearer ${who.actor.token}`;
          if (!api) headers.cookie = who.cookie;
          let payload: string | Buffer | Record<string, unknown> | undefined;
          if (body && isRaw(body)) {
            headers['content-type'] = body.contentType;
            payload = body.body;
          } else if (body) payload = api ? body : { ...body, _csrf: who.csrf };
          const response = await app.inject({ method: route.method as 'GET', url, headers, ...(payload !== undefined ? { payload } : {}) });
          calls += 1;
          const status = response.statusCode;
          const toSignIn = !api && actor === 'anonymous' && status === 302 && String(response.headers.location).startsWith('/connexion');
          if (toSignIn || refusals.has(status)) continue;
          if (listOrEmptyForm && status === 200) {
            const leaks = leaksIn(response.body);
            if (leaks.length) failures.push(`${route.method} ${url} par ${actor} → 200 montrant ${leaks.join(', ')}`);
            continue;
          }
          if (IMPORT_ROUTES.has(key) && status === 422) {
            if (!/hors du territoire/.test(response.body)) failures.push(`${route.method} ${url} par ${actor} → 422 sans « hors du territoire »`);
            continue;
          }
          if (VALIDATION_FIRST.has(key) && (status === 400 || status === 422)) continue;
          failures.push(`${route.method} ${url} par ${actor} → ${status}`);
        }
      }
      const after = await fingerprint();
      if (after !== before) {
        const changed = before.split('\n').filter((line, i) => line !== after.split('\n')[i]).map((line) => line.split(':')[0]);
        failures.push(`${route.method} ${url} a modifié : ${changed.join(', ')}`);
      }
    }
    return { failures, calls };
  }

  test('every API route of the OpenAPI document and every entry of the route maps is a registered route with a policy', async () => {
    const registered = new Set(app.registeredRoutes.map((r) => `${r.method} ${r.url}`));
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, Record<string, unknown>> };
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const key = `${method.toUpperCase()} ${path.replace(/\{([^}]+)\}/g, ':$1')}`;
        assert.ok(registered.has(key), `${key} figure dans OpenAPI mais n’a pas de politique`);
      }
    }
    const stale = Object.keys(ALL_ROUTES).filter((key) => !key.endsWith('*') && !registered.has(key));
    assert.deepEqual(stale, [], 'entrées de route-policies.ts sans route');
    for (const route of app.registeredRoutes) assert.ok(ALL_PERMISSIONS[route.policy], `${route.method} ${route.url} : action ${route.policy} inconnue`);
    assert.ok(app.registeredRoutes.length > 100, `${app.registeredRoutes.length} routes seulement`);
  });

  test('a route left out of the policy maps stops the application from starting', async () => {
    const { registerPolicyGate } = await import('../../../src/http/policy-gate.js');
    const Fastify = (await import('fastify')).default;
    const bare = Fastify();
    registerPolicyGate(bare, ALL_PERMISSIONS, {});
    bare.get('/nouvelle-route', async () => 'ok');
    await assert.rejects(async () => { await bare.ready(); }, /Routes sans politique d’accès.*GET \/nouvelle-route/);
  });

  test('every action of the permission tables is performed by a route, or listed as checked by a use case only', () => {
    const byRoutes = new Set(app.registeredRoutes.map((r) => r.policy));
    const withoutRoute = Object.keys(ALL_PERMISSIONS).filter((action) => !byRoutes.has(action)).sort();
    assert.deepEqual(withoutRoute, Object.keys(USE_CASE_ONLY_ACTIONS).sort(), 'actions sans route : ajoutez une route ou listez-les dans USE_CASE_ONLY_ACTIONS avec le cas d’usage qui les vérifie');
    for (const action of Object.keys(USE_CASE_ONLY_ACTIONS)) assert.ok(ALL_PERMISSIONS[action], `USE_CASE_ONLY_ACTIONS : action ${action} inconnue`);
  });

  test('the fixtures, route parameters and exceptions name registered routes, and every gated write has a valid body', () => {
    const registered = new Set(app.registeredRoutes.map((r) => `${r.method} ${r.url}`));
    for (const key of [...Object.keys(fixtures), ...Object.keys(routeParams), ...VALIDATION_FIRST.keys(), ...Object.keys(CREATES_FOR_ITSELF), ...IMPORT_ROUTES]) {
      assert.ok(registered.has(key), `${key} n’est pas une route`);
    }
    // A write with a body that a foreign actor gets past the gate is only tested if its body is valid.
    const withBody = app.registeredRoutes.filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method) && !r.url.endsWith('*'));
    const missing = withBody.filter((r) => {
      const key = `${r.method} ${r.url}`;
      const rule = ALL_PERMISSIONS[r.policy]!;
      const gated = [...foreign.entries()].some(([actor, who]) => !allowedEverywhere(rule, actor) && who.actor && mayAttempt(who.actor.principal, rule) && !CREATES_FOR_ITSELF[key]?.includes(actor));
      return gated && !fixtures[key] && !VALIDATION_FIRST.has(key);
    }).map((r) => `${r.method} ${r.url}`);
    // Bodiless actions (the route's schema takes none): nothing to make valid.
    const bodiless = new Set(['POST /api/v1/orders/:id/cancel', 'POST /api/v1/booklets/:number/unlock']);
    assert.deepEqual(missing.filter((key) => !bodiless.has(key)), [], 'écritures sans corps valide dans FIXTURES');
  });

  test('every foreign role and the anonymous visitor are refused on every route they may not use, and nothing changes', async () => {
    const { failures, calls } = await walk(app.registeredRoutes);
    assert.deepEqual(failures, [], `${failures.length} refus manquants sur ${calls} appels`);
    assert.ok(calls > 300, `${calls} appels seulement`);
  });

  test('the home organisations see their own markers on the same lists (the leak check can fail)', async () => {
    const seen = async (actor: TestActor, url: string) => {
      const headers = url.startsWith('/api/') ? { authorization: `Bearer ${actor.token}` } : { cookie: `ni_session=${await createSession(platform.db, actor.principal.userId)}` };
      const response = await app.inject({ url, headers });
      assert.equal(response.statusCode, 200, `${url} : ${response.statusCode}`);
      return leaksIn(response.body);
    };
    const placeA = (await platform.db.selectFrom('places').select('name').where('id', '=', world.placeA).executeTakeFirstOrThrow()).name;
    assert.ok((await seen(world.mediatorA, '/encaisser')).includes(placeA));
    assert.ok((await seen(world.mediatorA, '/releves')).includes(placeA));
    assert.ok((await seen(world.mediatorA, '/organisation')).includes('futur.collegue@test.fr'));
    assert.ok((await seen(world.mediatorA, `/lieux/${world.placeA}/banque`)).includes('1234567890189'), 'IBAN groupé par quatre sur la page');
    assert.ok((await seen(world.prescriber, '/carnets')).includes(formatBookletNumber(world.allocatedBooklet)));
    assert.ok((await seen(world.prescriber, '/api/v1/booklets')).includes(world.handedBooklet));
  });

  test('the matrix goes red when a named policy lets everyone through', async () => {
    // Widening the table a named policy reads is the same as removing its check: the matrix must see it.
    const cases: [ActionRule, string, RegExp][] = [
      [PLACES_PERMISSIONS['place.edit'], 'GET /lieux/:id/modifier', /^GET \/lieux\/\d+\/modifier par mediator → 200$/],
      [REIMBURSEMENT_PERMISSIONS['bank.read'], 'GET /lieux/:id/banque', /^GET \/lieux\/\d+\/banque par mediator → 200$/],
    ];
    for (const [rule, key, expected] of cases) {
      const routes = app.registeredRoutes.filter((r) => `${r.method} ${r.url}` === key);
      assert.equal(routes.length, 1, key);
      const original = { ...rule.scopes };
      const frozen = { [routes[0]!.policy]: { ...rule, scopes: original } };
      try {
        (rule.scopes as Record<string, string>).mediator = 'all';
        const { failures } = await walk(routes, { ...ALL_PERMISSIONS, ...frozen });
        assert.ok(failures.some((f) => expected.test(f)), `${key} : la matrice ne voit pas la politique retirée (${failures.join(' ; ')})`);
      } finally {
        rule.scopes = original;
      }
    }
  });

  test('a person never reads nor marks another person’s notifications, whatever id is tried', async () => {
    const home = await platform.db
      .selectFrom('notification_deliveries as d')
      .innerJoin('notification_events as n', 'n.id', 'd.event_id')
      .select(['n.id', 'n.subject', 'd.user_id', 'd.read_at'])
      .where('d.listed', '=', true)
      .execute();
    assert.ok(home.some((h) => h.user_id === world.funder.principal.userId) && home.some((h) => h.user_id === world.prescriber.principal.userId), 'commande payée, carnets attribués');
    const ids = [...new Set(home.map((h) => h.id))];
    const before = await fingerprint();
    for (const [actor, who] of foreign) {
      const bearer: Record<string, string> = who.actor ? { authorization: `Bearer ${who.actor.token}` } : {};
      const page = await app.inject({ url: '/notifications', headers: { cookie: who.cookie } });
      const list = await app.inject({ url: '/api/v1/notifications', headers: bearer });
      if (!who.actor) {
        assert.equal(page.statusCode, 302, actor);
        assert.equal(list.statusCode, 401, actor);
      } else {
        assert.equal(page.statusCode, 200, actor);
        assert.equal(list.statusCode, 200, actor);
        for (const { subject } of home) {
          assert.ok(!page.body.includes(subject), `${actor} voit « ${subject} »`);
          assert.ok(!list.body.includes(subject), `${actor} reçoit « ${subject} »`);
        }
      }
      for (const id of [...ids, 999_999]) {
        const marked = await app.inject({ method: 'POST', url: `/notifications/${id}/lue`, headers: { cookie: who.cookie }, payload: { _csrf: who.csrf } });
        assert.equal(marked.statusCode, who.actor ? 404 : 401, `${actor} POST /notifications/${id}/lue`);
        const opened = await app.inject({ method: 'POST', url: `/notifications/${id}/ouverture`, headers: { cookie: who.cookie }, payload: { _csrf: who.csrf } });
        assert.equal(opened.statusCode, who.actor ? 404 : 401, `${actor} POST /notifications/${id}/ouverture`);
        const api = await app.inject({ method: 'POST', url: `/api/v1/notifications/${id}/read`, headers: bearer });
        assert.equal(api.statusCode, who.actor ? 404 : 401, `${actor} POST /api/v1/notifications/${id}/read`);
      }
      if (who.actor) {
        const all = await app.inject({ method: 'POST', url: '/notifications/lues', headers: { cookie: who.cookie }, payload: { _csrf: who.csrf } });
        assert.equal(all.statusCode, 303, actor);
      }
    }
    assert.equal(await fingerprint(), before, 'les notifications des autres restent non lues');
  });

  test('a mediator registers places for its own organisation only, wherever they are', async () => {
    const who = foreign.get('mediator')!;
    const response = await app.inject({ method: 'POST', url: '/api/v1/places', headers: { authorization: `Bearer ${who.actor!.token}` }, payload: fixtures['POST /api/v1/places']!('') as Record<string, unknown> });
    assert.equal(response.statusCode, 201, response.body);
    const created = await platform.db.selectFrom('places').select('organisation_id').where('id', '=', (response.json() as { id: number }).id).executeTakeFirstOrThrow();
    assert.equal(created.organisation_id, who.actor!.organisationId);
  });
});
