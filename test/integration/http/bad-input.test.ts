import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { sql } from 'kysely';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, makeActor, serialsOfBooklet, type Actor } from '../../support/world.js';

/**
 * Bad input gets a clear 4xx with a French message and changes nothing: malformed ids in every route, NUL bytes,
 * lone surrogates and invalid UTF-8, absurdly deep JSON, unique-key races, and a form posted by the wrong role.
 */
describe(`bad input on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const routes: { method: string; url: string }[] = [];
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const BAD_IDS = ['abc', '-1', '1.5', '99999999999999999999'];

  /** A signed-in browser: the session cookie, the CSRF cookie and a token for its forms. */
  async function browser(actor: Actor) {
    const session = await createSession(platform.db, actor.principal.userId);
    const page = await app.inject({ url: '/espace', headers: { cookie: `ni_session=${session}` } });
    assert.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = [`ni_session=${session}`, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    return { cookie, csrf };
  }

  const auditCount = async () => Number((await sql<{ n: string }>`select count(*) as n from audit_events`.execute(platform.db)).rows[0]!.n);
  const rowCount = async (table: string) => Number((await sql<{ n: string }>`select count(*) as n from ${sql.table(table)}`.execute(platform.db)).rows[0]!.n);

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db, { bookletCount: 6 });
    // A second booklet in hand: the workshop tests redeem its vouchers, the redemption tests those of the first.
    await handBooklet(platform.db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '75+', communeCode: '44109', situation: 'retiree' });
    app = await buildApp(platform, {
      onRoute: (route: RouteOptions) => {
        for (const method of ([] as string[]).concat(route.method)) if (method !== 'HEAD') routes.push({ method, url: route.url });
      },
    });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  test('every route with a parameter refuses malformed and out-of-range ids with a 4xx, never a 500, and changes nothing', async () => {
    const withParams = routes.filter((r) => r.url.includes(':'));
    assert.ok(withParams.length > 40, `routes found: ${withParams.length}`);
    // Actors of their own: the sweep's refused codes and rate limits must not weigh on the other tests.
    const actors = [await makeActor(platform.db, 'Balayage opérateur', 'admin'), await makeActor(platform.db, 'Balayage lieu', 'mediator'), await makeActor(platform.db, 'Balayage financeur', 'funder')];
    const browsers = await Promise.all(actors.map(browser));
    const auditBefore = await auditCount();
    const failures: string[] = [];
    let remote = 0;
    for (const route of withParams) {
      for (const bad of BAD_IDS) {
        const url = route.url.replace(/:[A-Za-z]+/g, encodeURIComponent(bad));
        for (const [index, actor] of actors.entries()) {
          const api = url.startsWith('/api/');
          const hasBody = route.method === 'POST' || route.method === 'PATCH' || route.method === 'PUT';
          const response = await app.inject({
            method: route.method as 'GET',
            url,
            remoteAddress: `10.77.${Math.floor(remote / 250)}.${(remote++ % 250) + 1}`,
            headers: api ? bearer(actor.token) : { cookie: browsers[index]!.cookie },
            ...(hasBody ? { payload: api ? {} : { _csrf: browsers[index]!.csrf } } : {}),
          });
          const label = `${route.method} ${url} (${actor.principal.memberships[0]!.role}) → ${response.statusCode}`;
          if (response.statusCode < 400 || response.statusCode >= 500) failures.push(label);
          else if (api && typeof response.json().message !== 'string') failures.push(`${label} sans message`);
          else if (!api && !/[éèàôùç’]/.test(response.body) && response.headers['content-type']?.toString().startsWith('text/html')) failures.push(`${label} sans message en français`);
        }
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await auditCount(), auditBefore, 'nothing was journaled, so nothing changed');
  });

  test('malformed ids in form fields are refused with a 4xx, never a 500', async () => {
    const admin = await browser(world.admin);
    const mediator = await browser(world.mediatorA);
    const funder = await browser(world.funder);
    const auditBefore = await auditCount();
    const criteriaBefore = await rowCount('label_criteria');
    const failures: string[] = [];
    const forms: { who: { cookie: string; csrf: string }; url: string; fields: (bad: string) => Record<string, string> }[] = [
      { who: mediator, url: '/encaisser', fields: (bad) => ({ code: makeVoucherCode(platform.secret, 1), placeId: bad }) },
      { who: funder, url: '/commandes', fields: (bad) => ({ programmeId: bad, bookletCount: '1' }) },
      { who: funder, url: `/commandes/${world.orderId}/attribution`, fields: (bad) => ({ organisationId: bad, bookletCount: '1' }) },
      { who: funder, url: '/programmes', fields: (bad) => ({ name: 'Programme refusé', departements: '44', cofunder1: bad, share1: '100' }) },
      // Counts typed in forms, as malformed as the ids.
      { who: funder, url: `/commandes/${world.orderId}/attribution`, fields: (bad) => ({ organisationId: String(world.prescriber.organisationId), bookletCount: bad }) },
      { who: funder, url: '/commandes', fields: (bad) => ({ programmeId: String(world.programmeId), bookletCount: bad }) },
      { who: funder, url: '/programmes', fields: (bad) => ({ name: 'Programme refusé', departements: '44', cofunder1: String(world.funder.organisationId), share1: '100', validityMonths: bad }) },
      { who: funder, url: '/organisation/invitations', fields: (bad) => ({ organisationId: bad, email: 'x@test.fr', role: 'funder' }) },
      { who: mediator, url: `/lieux/${world.placeA}/banque/confirmation`, fields: (bad) => ({ compte: bad }) },
      { who: admin, url: '/lieux/doublons', fields: (bad) => ({ a: bad, b: String(world.placeB), decision: bad }) },
      { who: admin, url: '/admin/criteres', fields: (bad) => ({ id: bad, titre: 'Critère refusé', description: 'x', position: '1', actif: 'oui' }) },
      { who: mediator, url: '/accompagnements', fields: (bad) => ({ kind: 'workshop', placeId: bad, date: '2026-01-05', duree: '60', themes: 'internet', anonymes: '2' }) },
      { who: mediator, url: `/lieux/${world.placeA}/modifier`, fields: (bad) => ({ nom: 'Lieu A', programmes: bad }) },
      { who: mediator, url: `/lieux/${world.placeA}/label`, fields: (bad) => ({ criteres: bad }) },
    ];
    for (const form of forms) {
      for (const bad of BAD_IDS) {
        const response = await app.inject({ method: 'POST', url: form.url, headers: { cookie: form.who.cookie }, payload: { _csrf: form.who.csrf, ...form.fields(bad) } });
        if (response.statusCode < 400 || response.statusCode >= 500) failures.push(`POST ${form.url} (${bad}) → ${response.statusCode}`);
      }
    }
    assert.deepEqual(failures, []);
    assert.equal(await auditCount(), auditBefore);
    assert.equal(await rowCount('label_criteria'), criteriaBefore, 'no criterion is created under a malformed id');
  });

  test('a NUL byte in a query string is refused with 400 naming the parameter, in French', async () => {
    const api = await app.inject({ url: '/api/v1/communes?q=%00' });
    assert.equal(api.statusCode, 400);
    assert.equal(api.json().error, 'entree_invalide');
    assert.match(api.json().message, /« q »/);
    assert.match(api.json().message, /caractère nul/);
    const page = await app.inject({ url: '/lieux?near=%00' });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /« near »/);
    assert.match(page.body, /caractère nul/);
    const diagnostic = await app.inject({ url: '/api/v1/places?near=Nantes%00' });
    assert.equal(diagnostic.statusCode, 400);
  });

  test('a NUL byte in a path parameter, a JSON field or a form field is refused with 400, and nothing is stored', async () => {
    const organisationsBefore = await rowCount('organisations');
    const param = await app.inject({ url: '/api/v1/public/booklets/12%0034?pin=1234' });
    assert.equal(param.statusCode, 400);
    assert.equal(param.json().error, 'entree_invalide');
    assert.match(param.json().message, /« number »/);
    const page = await app.inject({ url: '/c/ABC%00' });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /caractère nul/);
    const json = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: bearer(world.admin.token), payload: { name: 'Structure\u0000nulle' } });
    assert.equal(json.statusCode, 400);
    assert.equal(json.json().error, 'entree_invalide');
    assert.match(json.json().message, /« name »/);
    const nested = await app.inject({ method: 'POST', url: '/api/v1/programmes', headers: bearer(world.funder.token), payload: { name: 'P', departementCodes: ['4\u00004'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 10000 }] } });
    assert.equal(nested.statusCode, 400);
    assert.match(nested.json().message, /« departementCodes\.0 »/);
    const admin = await browser(world.admin);
    const criteriaBefore = await rowCount('label_criteria');
    const form = await app.inject({ method: 'POST', url: '/admin/criteres', headers: { cookie: admin.cookie }, payload: { _csrf: admin.csrf, titre: 'Critère\u0000nul', description: 'x', position: '1', actif: 'oui' } });
    assert.equal(form.statusCode, 400);
    assert.match(form.body, /« titre »/);
    const signIn = await app.inject({ method: 'POST', url: '/connexion', headers: { cookie: admin.cookie }, payload: { _csrf: admin.csrf, email: `${world.admin.email}\u0000`, password: 'x' } });
    assert.equal(signIn.statusCode, 400);
    assert.equal(await rowCount('label_criteria'), criteriaBefore);
    assert.equal(await rowCount('organisations'), organisationsBefore);
  });

  test('lone surrogates and invalid UTF-8 are refused with 400, not stored as U+FFFD', async () => {
    const organisationsBefore = await rowCount('organisations');
    const post = (payload: string | Buffer, contentType = 'application/json') =>
      app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...bearer(world.admin.token), 'content-type': contentType }, payload });
    const surrogate = await post('{"name":"Structure \\ud800"}');
    assert.equal(surrogate.statusCode, 400);
    assert.equal(surrogate.json().error, 'entree_invalide');
    assert.match(surrogate.json().message, /« name »/);
    const lowSurrogate = await post('{"name":"\\udfff Structure"}');
    assert.equal(lowSurrogate.statusCode, 400);
    const invalidBytes = await post(Buffer.concat([Buffer.from('{"name":"Structure '), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]));
    assert.equal(invalidBytes.statusCode, 400);
    assert.equal(invalidBytes.json().error, 'entree_invalide');
    assert.match(invalidBytes.json().message, /UTF-8/);
    const truncated = await post(Buffer.concat([Buffer.from('{"name":"Structure '), Buffer.from([0xc3]), Buffer.from('"}')]), 'application/json; charset=utf-8');
    assert.equal(truncated.statusCode, 400);
    const encodedSurrogate = await post(Buffer.concat([Buffer.from('{"name":"Structure '), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')]));
    assert.equal(encodedSurrogate.statusCode, 400);
    // A pair is a character like any other.
    const pair = await post('{"name":"Structure \\ud83d\\ude00 é"}');
    assert.equal(pair.statusCode, 201);
    assert.equal(await rowCount('organisations'), organisationsBefore + 1);

    const admin = await browser(world.admin);
    const criteriaBefore = await rowCount('label_criteria');
    const form = (body: Buffer) => app.inject({ method: 'POST', url: '/admin/criteres', headers: { cookie: admin.cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: body });
    const rawByte = await form(Buffer.concat([Buffer.from(`_csrf=${encodeURIComponent(admin.csrf)}&description=x&position=1&actif=oui&titre=Crit`), Buffer.from([0xe8]), Buffer.from('re')]));
    assert.equal(rawByte.statusCode, 400);
    assert.match(rawByte.body, /UTF-8/);
    const percentByte = await form(Buffer.from(`_csrf=${encodeURIComponent(admin.csrf)}&description=x&position=1&actif=oui&titre=Crit%E8re`));
    assert.equal(percentByte.statusCode, 400);
    assert.match(percentByte.body, /« titre »/);
    const percentSurrogate = await form(Buffer.from(`_csrf=${encodeURIComponent(admin.csrf)}&description=x&position=1&actif=oui&titre=Crit%ED%A0%80re`));
    assert.equal(percentSurrogate.statusCode, 400);
    assert.equal(await rowCount('label_criteria'), criteriaBefore);
    const good = await form(Buffer.from(`_csrf=${encodeURIComponent(admin.csrf)}&description=x&position=1&actif=oui&titre=Crit%C3%A8re+accept%C3%A9+100%`));
    assert.equal(good.statusCode, 303, 'well-formed UTF-8 and a stray % are accepted');
    assert.equal(await rowCount('label_criteria'), criteriaBefore + 1);
    assert.ok(await platform.db.selectFrom('label_criteria').select('id').where('title', '=', 'Critère accepté 100%').executeTakeFirst());

    const query = await app.inject({ url: '/api/v1/communes?q=Nan%E7' });
    assert.equal(query.statusCode, 400);
    assert.match(query.json().message, /« q »/);
    const page = await app.inject({ url: '/lieux?near=Nantes%C3' });
    assert.equal(page.statusCode, 400);
    const accepted = await app.inject({ url: '/api/v1/communes?q=Sainte-Lumine%20de%20Cl%C3%A9' });
    assert.equal(accepted.statusCode, 200);
    // In the path, the router refuses it before any route: in French too.
    const path = await app.inject({ url: '/api/v1/places/%E8' });
    assert.equal(path.statusCode, 400);
    assert.equal(path.json().error, 'entree_invalide');
    assert.match(path.json().message, /mal encodée/);
    const pagePath = await app.inject({ url: '/lieux/%C3' });
    assert.equal(pagePath.statusCode, 400);
    assert.match(pagePath.body, /mal encodée/);
  });

  test('JSON nested 5 000 deep is refused with 400, and nothing is stored', async () => {
    const organisationsBefore = await rowCount('organisations');
    const deep = `{"name":"Profonde","extra":${'['.repeat(5000)}${']'.repeat(5000)}}`;
    const response = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...bearer(world.admin.token), 'content-type': 'application/json' }, payload: deep });
    assert.equal(response.statusCode, 400);
    assert.equal(response.json().error, 'entree_invalide');
    assert.match(response.json().message, /imbriqu/);
    const objects = `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`;
    const place = await app.inject({ method: 'PATCH', url: `/api/v1/places/${world.placeA}`, headers: { ...bearer(world.mediatorA.token), 'content-type': 'application/json' }, payload: objects });
    assert.equal(place.statusCode, 400);
    // Brackets inside strings do not count.
    const inString = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...bearer(world.admin.token), 'content-type': 'application/json' }, payload: JSON.stringify({ name: `Crochets ${'['.repeat(200)} \\" ${'{'.repeat(200)}` }) });
    assert.equal(inString.statusCode, 201);
    const broken = await app.inject({ method: 'POST', url: '/api/v1/organisations', headers: { ...bearer(world.admin.token), 'content-type': 'application/json' }, payload: '{"name": ' });
    assert.equal(broken.statusCode, 400);
    assert.match(broken.json().message, /JSON/);
    assert.equal(await rowCount('organisations'), organisationsBefore + 1);
  });

  test('two concurrent redemptions with one Idempotency-Key: one 200, the other the same answer replayed or a 4xx, never a 500', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const redeem = (serial: number, key: string) =>
      app.inject({ method: 'POST', url: `/api/v1/vouchers/${makeVoucherCode(platform.secret, serial)}/redeem`, headers: { ...bearer(world.mediatorA.token), 'idempotency-key': key }, payload: { placeId: world.placeA } });
    // The same request twice at once: one redemption, and its answer to both.
    for (let round = 0; round < 2; round++) {
      const [a, b] = await Promise.all([redeem(serials[round]!, `same-${round}`), redeem(serials[round]!, `same-${round}`)]);
      assert.deepEqual([a.statusCode, b.statusCode], [200, 200]);
      assert.deepEqual(a.json(), b.json());
    }
    // One key for two different vouchers at once: one is redeemed, the other refused, whoever wins.
    for (let round = 0; round < 3; round++) {
      const responses = await Promise.all([redeem(serials[2 + 2 * round]!, `other-${round}`), redeem(serials[3 + 2 * round]!, `other-${round}`)]);
      const statuses = responses.map((r) => r.statusCode).sort();
      assert.equal(statuses[0], 200, JSON.stringify(responses.map((r) => r.json())));
      assert.ok([409, 422].includes(statuses[1]!), JSON.stringify(responses.map((r) => r.json())));
      const refused = responses.find((r) => r.statusCode !== 200)!.json();
      assert.match(refused.message, /Idempotency-Key/);
    }
    const redeemed = await platform.db.selectFrom('vouchers').select('serial').where('serial', 'in', serials.slice(0, 8)).where('status', '=', 'redeemed').execute();
    assert.equal(redeemed.length, 5, 'two replayed redemptions and one of each pair');
  });

  test('a key inserted by a concurrent transaction while the redemption runs: refused or replayed, never a 500', { skip: testDatabaseKind === 'pglite' && 'PGlite is a single connection: no concurrent transaction' }, async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const serial = serials[9]!;
    const blocker = await platform.pool.connect();
    try {
      await blocker.query('begin');
      await blocker.query(`insert into idempotency_keys (principal, key, fingerprint, status_code, response) values ($1, 'en-cours', 'autre', 200, '{}'::jsonb)`, [`user:${world.mediatorA.principal.userId}`]);
      const pending = redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serial), world.placeA, 'en-cours').then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      await sleep(300);
      await blocker.query('commit');
      const outcome = (await pending) as { error?: { code?: string; kind?: string; message?: string } };
      assert.ok(outcome.error, 'the key belongs to another request');
      assert.notEqual(outcome.error.code, '23505', 'not a raw unique violation');
      assert.equal(outcome.error.kind, 'invalid');
      assert.match(String(outcome.error.message), /Idempotency-Key/);
    } finally {
      blocker.release();
    }
    const voucher = await platform.db.selectFrom('vouchers').select('status').where('serial', '=', serial).executeTakeFirstOrThrow();
    assert.equal(voucher.status, 'handed', 'the redemption was rolled back with the refused key');
  });

  test('concurrent records linking the same voucher redeemed at the desk: one 201, the others 409 or 422, never a 500', async () => {
    const serials = await serialsOfBooklet(platform.db, world.allocatedBooklet);
    const code = makeVoucherCode(platform.secret, serials[0]!);
    const desk = await app.inject({ method: 'POST', url: `/api/v1/vouchers/${code}/redeem`, headers: bearer(world.mediatorA.token), payload: { placeId: world.placeA } });
    assert.equal(desk.statusCode, 200);
    const record = () =>
      app.inject({
        method: 'POST',
        url: '/api/v1/accompaniments',
        headers: bearer(world.mediatorA.token),
        payload: { kind: 'workshop', placeId: world.placeA, date: new Date().toISOString().slice(0, 10), durationMinutes: 90, themes: ['internet'], participants: [{ voucherCode: code }, {}] },
      });
    const responses = await Promise.all([record(), record(), record(), record()]);
    const statuses = responses.map((r) => r.statusCode).sort();
    assert.equal(statuses[0], 201, JSON.stringify(responses.map((r) => r.json())));
    assert.ok(statuses.slice(1).every((s) => s === 409 || s === 422), JSON.stringify(responses.map((r) => r.json())));
    const links = await platform.db.selectFrom('accompaniment_participants').select('accompaniment_id').where('voucher_serial', '=', serials[0]!).execute();
    assert.equal(links.length, 1);
  });

  test('a workshop link racing a concurrent one: 409 in French, never a 500', { skip: testDatabaseKind === 'pglite' && 'PGlite is a single connection: no concurrent transaction' }, async () => {
    const serials = await serialsOfBooklet(platform.db, world.allocatedBooklet);
    const serial = serials[1]!;
    const code = makeVoucherCode(platform.secret, serial);
    const desk = await app.inject({ method: 'POST', url: `/api/v1/vouchers/${code}/redeem`, headers: bearer(world.mediatorA.token), payload: { placeId: world.placeA } });
    assert.equal(desk.statusCode, 200);
    const accompanimentsBefore = await rowCount('accompaniments');
    const blocker = await platform.pool.connect();
    try {
      await blocker.query('begin');
      const { rows } = await blocker.query<{ id: number }>(
        `insert into accompaniments (kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by)
         values ('individual', $1, $2, current_date, 60, array['internet'], $3) returning id`,
        [world.placeA, world.mediatorA.organisationId, world.mediatorA.principal.userId],
      );
      await blocker.query('insert into accompaniment_participants (accompaniment_id, voucher_serial) values ($1, $2)', [rows[0]!.id, serial]);
      const pending = app.inject({
        method: 'POST',
        url: '/api/v1/accompaniments',
        headers: bearer(world.mediatorA.token),
        payload: { kind: 'individual', placeId: world.placeA, date: new Date().toISOString().slice(0, 10), durationMinutes: 60, themes: ['internet'], participants: [{ voucherCode: code }] },
      });
      await sleep(300);
      await blocker.query('commit');
      const response = await pending;
      assert.equal(response.statusCode, 409, response.body);
      assert.match(response.json().message, /accompagnement n° \d+/);
    } finally {
      blocker.release();
    }
    assert.equal(await rowCount('accompaniments'), accompanimentsBefore + 1, 'only the concurrent record remains');
  });

  test('POST /encaisser by a signed-in prescriber is refused with 403 in French before any query', async () => {
    const prescriber = await browser(world.prescriber);
    const auditBefore = await auditCount();
    for (const fields of [{}, { code: makeVoucherCode(platform.secret, 1) }, { code: 'x', placeId: String(world.placeA) }]) {
      const response = await app.inject({ method: 'POST', url: '/encaisser', headers: { cookie: prescriber.cookie }, payload: { _csrf: prescriber.csrf, ...fields } });
      assert.equal(response.statusCode, 403, response.body.slice(0, 300));
      assert.match(response.body, /est réservée/);
    }
    const undo = await app.inject({ method: 'POST', url: '/encaisser/annulation', headers: { cookie: prescriber.cookie }, payload: { _csrf: prescriber.csrf, code: 'x' } });
    assert.equal(undo.statusCode, 403);
    const accompaniments = await app.inject({ url: '/accompagnements/nouveau', headers: { cookie: prescriber.cookie } });
    assert.equal(accompaniments.statusCode, 403);
    assert.equal(await auditCount(), auditBefore);
  });
});
