import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { ACTORS, type Actor, type ActionRule } from '../../src/accounts/domain/permissions.js';
import { createSession } from '../../src/accounts/use-cases/store.js';
import { inviteColleague } from '../../src/accounts/use-cases/store.js';
import { buildApp } from '../../src/app.js';
import { ALL_PERMISSIONS, ALL_ROUTES } from '../../src/http/route-table.js';
import { makeVoucherCode } from '../../src/pass/domain/voucher-code.js';
import { createProgramme } from '../../src/pass/use-cases/programmes.js';
import { requestBankDetails } from '../../src/reimbursement/use-cases/bank-accounts.js';
import { captureMailer } from '../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../support/platform.js';
import { addPlace, buildWorld, makeActor, serialsOfBooklet, TEST_SERVICE, type Actor as TestActor } from '../support/world.js';

/**
 * The access matrix: every route of the application (the API routes of the OpenAPI document and every page), called
 * by a principal of every role from a foreign organisation (other département, other hub territory) and anonymously,
 * aimed at the home organisation's real resources. Each call an actor may not make must be refused (401, 403, 404,
 * or the sign-in page) and change nothing in the database. A route without a policy stops the application from
 * starting, so it cannot reach production unseen; a policy entry naming no route fails here.
 */

/** The tables a refused request must leave exactly as they were. */
const WATCHED_TABLES = [
  'organisations', 'users', 'memberships', 'invitations', 'api_tokens', 'password_resets', 'organisation_departements',
  'programmes', 'programme_departements', 'programme_cofunders', 'orders', 'order_cofunding', 'booklets', 'vouchers',
  'ledger_entries', 'audit_events', 'idempotency_keys', 'places', 'place_labels', 'place_programmes', 'place_duplicates',
  'label_criteria', 'bank_accounts', 'reimbursement_runs', 'statements', 'statement_lines', 'accompaniments',
];

describe(`access matrix: every route × every foreign role on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let params: Record<string, string>;
  const foreign = new Map<Actor, { actor: TestActor; cookie: string; csrf: string } | { actor: null; cookie: string; csrf: string }>();

  async function fingerprint(): Promise<string> {
    const parts: string[] = [];
    for (const table of WATCHED_TABLES) {
      const { rows } = await sql<{ h: string | null }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(platform.db);
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

    // Resources of the home organisations the foreign actors will aim at.
    const [serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const label = await platform.db.selectFrom('place_labels').select('id').where('place_id', '=', world.placeA).executeTakeFirstOrThrow();
    const bankAccountId = await requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Association du lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    const thirdFunder = await makeActor(platform.db, 'Troisième financeur', 'funder');
    const pendingProgramme = await createProgramme(platform.db, world.funder.principal, {
      name: 'Programme en attente', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 5000 }, { organisationId: thirdFunder.organisationId, shareBp: 5000 }], eligibleServices: [TEST_SERVICE],
    });
    await inviteColleague(platform.db, world.mediatorA.principal, { organisationId: world.mediatorA.organisationId, email: 'futur.collegue@test.fr', role: 'mediator' });
    const invitation = await platform.db.selectFrom('invitations').select('token_hash').where('email', '=', 'futur.collegue@test.fr').executeTakeFirstOrThrow();
    params = {
      'orders/:id': String(world.orderId),
      'commandes/:id': String(world.orderId),
      'places/:id': String(world.placeA),
      'lieux/:id': String(world.placeA),
      'labels/:id': String(label.id),
      'bank-accounts/:id': String(bankAccountId),
      'reimbursements/:id': '1',
      'remboursements/:id': '1',
      'statements/:id': '1',
      'statements/:file': '1.csv',
      'releves/:file': '1.pdf',
      'funders/:id': String(world.funder.organisationId),
      'financeurs/:id': String(world.funder.organisationId),
      ':file': 'rapport',
      'booklets/:number': world.allocatedBooklet,
      'vouchers/:code': makeVoucherCode(platform.secret, serial!),
      'c/:code': makeVoucherCode(platform.secret, serial!),
      'organisations/:id': String(world.mediatorA.organisationId),
      ':userId': String(world.mediatorA.principal.userId),
      ':invitation': invitation.token_hash,
      'programmes/:id': String(pendingProgramme),
      ':organisationId': String(thirdFunder.organisationId),
      'accompaniments/:id': '1',
      'accompagnements/:id': '1',
      'diagnostics/:id': '00000000-0000-4000-8000-000000000000',
      'diagnostic/:id': '00000000-0000-4000-8000-000000000000',
      'tokens/:id': '1',
      'invitation/:token': 'inv_inconnue',
      'mot-de-passe/:token': 'mdp_inconnu',
      'public/booklets/:number': world.handedBooklet,
    };

    // Foreign principals: organisations of Ille-et-Vilaine (35), a hub covering 35 and 22, a funder outside the
    // programme, the national administration (for the few actions it may not do).
    const roles: [Actor, TestActor['principal']['memberships'][number]['role']][] = [
      ['prescriber', 'prescriber'], ['mediator', 'mediator'], ['funder', 'funder'], ['hub', 'hub'], ['helper', 'helper'], ['admin', 'admin'],
    ];
    for (const [actor, role] of roles) {
      const made = await makeActor(platform.db, `Étranger ${actor}`, role, '35');
      if (role === 'mediator') await addPlace(platform.db, made.organisationId, '35238');
      if (role === 'hub') await platform.db.insertInto('organisation_departements').values([{ organisation_id: made.organisationId, departement_code: '35' }, { organisation_id: made.organisationId, departement_code: '22' }]).execute();
      const session = `ni_session=${await createSession(platform.db, made.principal.userId)}`;
      foreign.set(actor, { actor: made, ...(await pageCredentials(session)) });
    }
    foreign.set('anonymous', { actor: null, ...(await pageCredentials('')) });
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  const fill = (url: string) =>
    url.replace(/[a-z0-9.-]*\/?:[a-zA-Z]+/g, (segment) => {
      const exact = params[segment.replace(/^\//, '')];
      if (exact !== undefined) return segment.replace(/:[a-zA-Z]+$/, exact);
      const name = /:[a-zA-Z]+$/.exec(segment)![0];
      const byName = params[name];
      assert.ok(byName !== undefined, `valeur de paramètre manquante pour ${segment} dans ${url}`);
      return segment.replace(name, byName);
    });

  /** Whether this actor, from a foreign organisation, may legitimately perform the action anyway. */
  const allowedEverywhere = (rule: ActionRule, actor: Actor) =>
    rule.scopes[actor] === 'all' || rule.scopes.anonymous === 'all' || (actor !== 'anonymous' && rule.scopes.signed_in === 'all');

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
    const { registerPolicyGate } = await import('../../src/http/policy-gate.js');
    const Fastify = (await import('fastify')).default;
    const bare = Fastify();
    registerPolicyGate(bare, ALL_PERMISSIONS, {});
    bare.get('/nouvelle-route', async () => 'ok');
    await assert.rejects(bare.ready(), /Routes sans politique d’accès.*GET \/nouvelle-route/);
  });

  test('every foreign role and the anonymous visitor are refused on every route they may not use, and nothing changes', async () => {
    const accepted = new Set([401, 403, 404]);
    const failures: string[] = [];
    let calls = 0;
    for (const route of app.registeredRoutes) {
      if (route.url.endsWith('*')) continue;
      const rule = ALL_PERMISSIONS[route.policy]!;
      const actors = ACTORS.filter((a) => a !== 'signed_in' && a !== 'org_admin' && foreign.has(a) && !allowedEverywhere(rule, a));
      if (actors.length === 0) continue;
      const url = fill(route.url);
      const api = url.startsWith('/api/');
      const before = await fingerprint();
      for (const actor of actors) {
        const who = foreign.get(actor)!;
        const headers: Record<string, string> = {};
        if (api && who.actor) headers.authorization = `Bearer ${who.actor.token}`;
        if (!api) headers.cookie = who.cookie;
        const payload = route.method === 'GET' || route.method === 'DELETE' ? undefined : api ? {} : { _csrf: who.csrf };
        const response = await app.inject({ method: route.method as 'GET', url, headers, ...(payload ? { payload } : {}) });
        calls += 1;
        const toSignIn = !api && actor === 'anonymous' && response.statusCode === 302 && String(response.headers.location).startsWith('/connexion');
        if (!toSignIn && !accepted.has(response.statusCode)) failures.push(`${route.method} ${url} par ${actor} → ${response.statusCode}`);
      }
      const after = await fingerprint();
      if (after !== before) {
        const changed = before.split('\n').filter((line, i) => line !== after.split('\n')[i]).map((line) => line.split(':')[0]);
        failures.push(`${route.method} ${url} a modifié : ${changed.join(', ')}`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} refus manquants sur ${calls} appels`);
    assert.ok(calls > 300, `${calls} appels seulement`);
  });
});
