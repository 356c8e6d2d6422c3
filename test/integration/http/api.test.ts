import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createApiToken } from '../../../src/accounts/use-cases/store.js';
import { acquireDataDirLock, DataDirLockedError } from '../../../src/db/lock.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, PASSWORD, serialsOfBooklet } from '../../support/world.js';

describe(`JSON API and page security on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  test('health names the database; the OpenAPI 3.1 document describes the validated routes', async () => {
    const health = await app.inject({ url: '/api/v1/health' });
    assert.deepEqual(health.json(), { status: 'ok', database: testDatabaseKind });
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    assert.equal(doc.openapi, '3.1.0');
    const redeem = doc.paths['/api/v1/vouchers/{code}/redeem'].post;
    assert.ok(redeem.parameters.some((p: { name: string; in: string }) => p.name === 'idempotency-key' && p.in === 'header'));
    assert.ok(redeem.responses['409'] && redeem.responses['410'] && redeem.responses['422']);
    assert.deepEqual(doc.paths['/api/v1/orders'].post.requestBody.content['application/json'].schema.required.sort(), ['bookletCount', 'programmeId']);
  });

  test('without a token the API answers 401 in French; a revoked token stops working', async () => {
    const response = await app.inject({ url: '/api/v1/orders' });
    assert.equal(response.statusCode, 401);
    assert.match(response.json().message, /Authentification requise/);
    const spare = await createApiToken(platform.db, world.funder.email, 'jetable');
    assert.equal((await app.inject({ url: '/api/v1/me', headers: bearer(spare) })).json().email, world.funder.email);
    const tokens = (await app.inject({ url: '/api/v1/tokens', headers: bearer(world.funder.token) })).json();
    const spareId = tokens.find((t: { name: string }) => t.name === 'jetable').id;
    const revoked = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${spareId}`, headers: bearer(world.funder.token) });
    assert.deepEqual(revoked.json(), { revoked: true });
    assert.equal((await app.inject({ url: '/api/v1/me', headers: bearer(spare) })).statusCode, 401);
    assert.equal((await app.inject({ url: '/api/v1/me', headers: bearer(world.funder.token) })).statusCode, 200);
  });

  test('invalid bodies are refused with 400 naming the field, and change nothing', async () => {
    const response = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: bearer(world.funder.token), payload: { programmeId: world.programmeId, bookletCount: -3 } });
    assert.equal(response.statusCode, 400);
    assert.match(response.json().message, /bookletCount/);
    const orders = (await app.inject({ url: '/api/v1/orders', headers: bearer(world.funder.token) })).json();
    assert.equal(orders.length, 1);
  });

  test('a funder orders and allocates through the API; another funder cannot see the order', async () => {
    const created = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: bearer(world.funder.token), payload: { programmeId: world.programmeId, bookletCount: 2 } });
    assert.equal(created.statusCode, 201);
    const order = created.json();
    assert.equal(order.amountCents, 2 * 10 * 1000);
    assert.equal((await app.inject({ url: `/api/v1/orders/${order.id}`, headers: bearer(world.otherFunder.token) })).statusCode, 404);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/issue`, headers: bearer(world.funder.token) })).statusCode, 403);
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/issue`, headers: bearer(world.admin.token) })).statusCode, 200);
    const paid = await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/payment`, headers: bearer(world.admin.token), payload: { reference: 'VIR-API' } });
    assert.deepEqual(paid.json(), { activatedVouchers: 20 });
    const allocation = await app.inject({ method: 'POST', url: `/api/v1/orders/${order.id}/allocations`, headers: bearer(world.funder.token), payload: { organisationId: world.prescriber.organisationId, bookletCount: 1 } });
    assert.equal(allocation.statusCode, 201);
    const [number] = allocation.json().booklets;
    const handed = await app.inject({ method: 'POST', url: `/api/v1/booklets/${number}/hand`, headers: bearer(world.prescriber.token), payload: { ageBand: '75+', communeCode: '44109', situation: 'retiree' } });
    assert.deepEqual(handed.json(), { number, voucherCount: 10 });
  });

  test('redeem honours Idempotency-Key: a retry returns the original result; the key cannot be reused for another code', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const code = makeVoucherCode(platform.secret, serials[0]!);
    const request = { method: 'POST' as const, url: `/api/v1/vouchers/${code}/redeem`, headers: { ...bearer(world.mediatorA.token), 'idempotency-key': 'retry-1' }, payload: { placeId: world.placeA } };
    const first = await app.inject(request);
    assert.equal(first.statusCode, 200);
    const retry = await app.inject(request);
    assert.equal(retry.statusCode, 200);
    assert.deepEqual(retry.json(), first.json());
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    const reused = await app.inject({ ...request, url: `/api/v1/vouchers/${makeVoucherCode(platform.secret, serials[1]!)}/redeem` });
    assert.equal(reused.statusCode, 422);
    const withoutKey = await app.inject({ ...request, headers: bearer(world.mediatorA.token) });
    assert.equal(withoutKey.statusCode, 409);
    assert.match(withoutKey.json().message, /déjà été utilisé le/);
    assert.equal(withoutKey.json().placeName, first.json().place.name);
  });

  test('concurrent API redemptions of one voucher: one 200, the rest 409', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const code = makeVoucherCode(platform.secret, serials[5]!);
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        app.inject({ method: 'POST', url: `/api/v1/vouchers/${code}/redeem`, headers: { ...bearer(world.mediatorB.token), 'idempotency-key': `c-${i}` }, payload: { placeId: world.placeB } }),
      ),
    );
    assert.deepEqual(responses.map((r) => r.statusCode).sort(), [200, 409, 409, 409, 409, 409]);
  });

  test('each refusal has its status: 422 forged or mistyped, 404 unknown, 403 not entitled', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const redeem = (code: string, token = world.mediatorA.token) =>
      app.inject({ method: 'POST', url: `/api/v1/vouchers/${code}/redeem`, headers: bearer(token), payload: { placeId: world.placeA } });
    const forged = await redeem(makeVoucherCode('autre', serials[6]!));
    assert.equal(forged.statusCode, 422);
    assert.equal(forged.json().error, 'code_non_authentique');
    const good = makeVoucherCode(platform.secret, serials[6]!);
    const typo = await redeem(good.slice(0, -1) + (good.endsWith('2') ? '3' : '2'));
    assert.equal(typo.json().error, 'erreur_de_saisie');
    assert.equal((await redeem(makeVoucherCode(platform.secret, 500_000))).statusCode, 404);
    assert.equal((await redeem(good, world.prescriber.token)).statusCode, 403);
  });

  test('guessing codes is limited: after 50 refused codes in a quarter of an hour, 429', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 52; i++) {
      const response = await app.inject({ method: 'POST', url: `/api/v1/vouchers/${makeVoucherCode('devinette', 1000 + i)}/redeem`, headers: bearer(world.mediatorB.token), payload: { placeId: world.placeB } });
      statuses.push(response.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 50), Array(50).fill(422));
    assert.deepEqual(statuses.slice(50), [429, 429]);
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const legitimate = await app.inject({ method: 'POST', url: `/api/v1/vouchers/${makeVoucherCode(platform.secret, serials[7]!)}/redeem`, headers: bearer(world.mediatorA.token), payload: { placeId: world.placeA } });
    assert.equal(legitimate.statusCode, 200, 'another mediator is not affected');
  });

  test('pages carry security headers; a form posted without its CSRF token is refused', async () => {
    const page = await app.inject({ url: '/connexion' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['strict-transport-security'], undefined, 'no HSTS over plain HTTP (see trust.test.ts for HTTPS)');
    const forged = await app.inject({ method: 'POST', url: '/connexion', payload: { email: world.funder.email, password: PASSWORD } });
    assert.equal(forged.statusCode, 403);
    assert.ok(!forged.cookies.some((c) => c.name === 'ni_session'), 'no session is opened');
  });

  test('an organisation administrator invites a colleague, who joins, signs in and signs out', async () => {
    const invitation = await app.inject({
      method: 'POST',
      url: `/api/v1/organisations/${world.prescriber.organisationId}/invitations`,
      headers: bearer(world.prescriber.token),
      payload: { email: 'collegue@caf.test.fr', role: 'prescriber' },
    });
    assert.equal(invitation.statusCode, 201);
    const invitationPath = new URL(invitation.json().invitationUrl).pathname;
    const refused = await app.inject({ method: 'POST', url: `/api/v1/organisations/${world.prescriber.organisationId}/invitations`, headers: bearer(world.mediatorA.token), payload: { email: 'x@y.fr', role: 'prescriber' } });
    assert.equal(refused.statusCode, 403, 'only the organisation’s administrators invite');

    const form = await app.inject({ url: invitationPath, remoteAddress: '10.1.1.1' });
    assert.match(form.body, /Rejoindre CAF/);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const tooShort = await app.inject({ method: 'POST', url: invitationPath, headers: { cookie }, payload: { _csrf: csrf, displayName: 'Collègue', password: 'court' } });
    assert.equal(tooShort.statusCode, 422);
    assert.match(tooShort.body, /au moins 12 caractères/);
    const joined = await app.inject({ method: 'POST', url: invitationPath, headers: { cookie }, payload: { _csrf: csrf, displayName: 'Collègue', password: 'un-mot-de-passe-solide' } });
    assert.equal(joined.statusCode, 303);
    const session = joined.cookies.find((c) => c.name === 'ni_session')!;
    const sessionCookie = `${cookie}; ni_session=${session.value}`;
    const space = await app.inject({ url: '/espace', headers: { cookie: sessionCookie } });
    assert.match(space.body, /CAF : Prescripteur/);
    assert.equal((await app.inject({ url: invitationPath })).statusCode, 404, 'an invitation serves once');

    const spaceCsrf = /name="_csrf" value="([^"]+)"/.exec(space.body)![1]!;
    const signOut = await app.inject({ method: 'POST', url: '/deconnexion', headers: { cookie: `${space.cookies.map((c) => `${c.name}=${c.value}`).join('; ') || cookie}; ni_session=${session.value}` }, payload: { _csrf: spaceCsrf } });
    assert.equal(signOut.statusCode, 303);
    const after = await app.inject({ url: '/espace', headers: { cookie: sessionCookie } });
    assert.equal(after.statusCode, 302, 'the session is gone from the database');
    assert.match(String(after.headers.location), /^\/connexion/);
  });

  test('sign-in is rate-limited', async () => {
    const page = await app.inject({ url: '/connexion', remoteAddress: '10.9.9.9' });
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const attempt = await app.inject({ method: 'POST', url: '/connexion', remoteAddress: '10.9.9.9', headers: { cookie }, payload: { _csrf: token, email: world.funder.email, password: 'mauvais mot de passe' } });
      statuses.push(attempt.statusCode);
    }
    assert.deepEqual(statuses.slice(0, 10), Array(10).fill(401));
    assert.equal(statuses.at(-1), 429);
  });

  test('the PGlite data directory lock refuses a second owner with a clear message', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inclusif-lock-'));
    const release = acquireDataDirLock(dir);
    fs.writeFileSync(path.join(dir, 'inclusif.lock'), String(process.ppid));
    assert.throws(() => acquireDataDirLock(dir), (error: unknown) => error instanceof DataDirLockedError && /déjà utilisée/.test(error.message));
    fs.writeFileSync(path.join(dir, 'inclusif.lock'), '999999999');
    const again = acquireDataDirLock(dir);
    again();
    release();
    fs.rmSync(dir, { recursive: true });
  });
});
