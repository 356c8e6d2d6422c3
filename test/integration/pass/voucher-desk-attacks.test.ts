import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, labelAndEnrol, serialsOfBooklet, type Actor } from '../../support/world.js';

/**
 * The voucher page's desk (POST /c/{code}/encaissement) attacked as a foreign actor would: another organisation's
 * place, garbage ids and shapes, unlabelled or unenrolled places of one's own, replayed forms and keys, concurrent
 * taps, missing or foreign CSRF tokens, an API token on the page, a spoofed X-Forwarded-For against the rate limit.
 * Whatever is sent, a voucher is redeemed at most once, only at a place of the mediator that passes every guard, and
 * the answer is never a 500.
 */
describe(`attacks on the voucher page’s desk on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let serials: number[];
  let next = 0;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    // Twenty handed vouchers to aim at.
    await handBooklet(platform.db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '25-39', communeCode: '44109', situation: 'retiree' });
    serials = [...(await serialsOfBooklet(platform.db, world.handedBooklet)), ...(await serialsOfBooklet(platform.db, world.allocatedBooklet))];
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const code = (serial: number) => formatVoucherCode(makeVoucherCode(platform.secret, serial));
  const fresh = () => serials[next++]!;
  const voucherOf = (serial: number) => platform.db.selectFrom('vouchers').select(['status', 'redeemed_place_id']).where('serial', '=', serial).executeTakeFirstOrThrow();
  const redemptions = async (serial: number) =>
    Number((await platform.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('voucher_serial', '=', serial).where('action', '=', 'voucher.redeemed').executeTakeFirstOrThrow()).n);

  /**
   * A browser on the voucher's page: session (when signed in), CSRF cookie and token, the form's key. Each browser has
   * an address of its own, so that the per-address rate limit of the page counts only what the test means it to.
   */
  let addresses = 0;
  async function browser(actor: Actor | null, url: string, remoteAddress = `10.66.${Math.floor(++addresses / 250)}.${(addresses % 250) + 1}`) {
    const session = actor ? `ni_session=${await createSession(platform.db, actor.principal.userId)}` : '';
    const page = await app.inject({ url, headers: session ? { cookie: session } : {}, remoteAddress });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = [session, ...page.cookies.map((c) => `${c.name}=${c.value}`)].filter(Boolean).join('; ');
    return { page, cookie, csrf, address: remoteAddress, key: /name="cle" value="([^"]+)"/.exec(page.body)?.[1] };
  }
  const cash = (who: { cookie: string; csrf: string; address: string }, voucher: string, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/c/${voucher}/encaissement`, headers: { cookie: who.cookie, ...headers }, payload: { _csrf: who.csrf, ...body }, remoteAddress: who.address });

  test('another organisation’s place, a place outside the territory, garbage ids and shapes: refused, never a 500, nothing redeemed', async () => {
    const serial = fresh();
    const url = `/c/${code(serial)}`;
    const mediatorB = await browser(world.mediatorB, url);
    // Mediator B aims at place A (another organisation), then at the place outside the programme's territory.
    for (const placeId of [String(world.placeA), String(world.placeOutside)]) {
      const response = await cash(mediatorB, code(serial), { placeId, cle: randomUUID() });
      assert.equal(response.statusCode, 403, `${placeId} : ${response.statusCode}`);
      assert.match(response.body, /Vous n’êtes pas médiateur de ce lieu/);
    }
    const malformed = ['abc', '-1', '0', '1.5', '1e3', '99999999999999999999', '9007199254740993', '١٢', `${world.placeA} `.repeat(3)];
    for (const placeId of malformed) {
      const response = await cash(mediatorB, code(serial), { placeId, cle: randomUUID() });
      assert.equal(response.statusCode, 422, `placeId « ${placeId} » : ${response.statusCode}`);
    }
    // A NUL byte or a broken surrogate is refused at the door.
    for (const placeId of [`${world.placeB}\u0000`, '\ud800']) assert.equal((await cash(mediatorB, code(serial), { placeId })).statusCode, 400, JSON.stringify(placeId));
    // Arrays and objects where a string is expected, as a form and as JSON: read as no choice at all, never as place A.
    const twice = await app.inject({
      method: 'POST', url: `${url}/encaissement`, remoteAddress: mediatorB.address, headers: { cookie: mediatorB.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(mediatorB.csrf)}&placeId=${world.placeA}&placeId=${world.placeB}&cle=${randomUUID()}&cle=${randomUUID()}`,
    });
    const asJson = await app.inject({
      method: 'POST', url: `${url}/encaissement`, remoteAddress: mediatorB.address, headers: { cookie: mediatorB.cookie, 'content-type': 'application/json' },
      payload: JSON.stringify({ _csrf: mediatorB.csrf, placeId: { id: world.placeA }, cle: [randomUUID()] }),
    });
    for (const response of [twice, asJson]) assert.ok(response.statusCode < 500, `${response.statusCode} ${response.body.slice(0, 200)}`);
    // A code too long for the path, a code of another alphabet, a code of one character: not a voucher.
    for (const forged of ['A'.repeat(300), encodeURIComponent('ÉÉÉÉÉ-ÉÉÉÉÉ-ÉÉÉÉÉ'), 'x']) {
      const response = await cash(mediatorB, forged, { placeId: String(world.placeB) });
      assert.ok([400, 404, 422].includes(response.statusCode), `${forged.slice(0, 20)} : ${response.statusCode}`);
    }
    // Whatever was tried, the voucher was never redeemed at place A, nor anywhere else but place B (its only place).
    const voucher = await voucherOf(serial);
    assert.ok(voucher.status === 'handed' || voucher.redeemed_place_id === world.placeB, JSON.stringify(voucher));
    assert.ok((await redemptions(serial)) <= 1);
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('a mediator’s own place that is unlabelled, suspended, expired, not enrolled or inactive never redeems', async () => {
    const serial = fresh();
    const url = `/c/${code(serial)}`;
    const unlabelled = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const suspended = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await labelAndEnrol(platform.db, suspended, world.programmeId);
    await platform.db.updateTable('place_labels').set({ status: 'suspended' }).where('place_id', '=', suspended).execute();
    const expired = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await labelAndEnrol(platform.db, expired, world.programmeId);
    await platform.db.updateTable('place_labels').set({ valid_from: '2020-01-01', valid_until: '2021-01-01' }).where('place_id', '=', expired).execute();
    const notEnrolled = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await platform.db.insertInto('place_labels').values({ place_id: notEnrolled, status: 'approved', valid_from: '2020-01-01', valid_until: '2099-12-31' }).execute();
    const inactive = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await labelAndEnrol(platform.db, inactive, world.programmeId);
    await platform.db.updateTable('places').set({ active: false }).where('id', '=', inactive).execute();
    const expected: [number, RegExp][] = [
      [unlabelled, /n’a pas de label valide/],
      [suspended, /n’a pas de label valide/],
      [expired, /n’a pas de label valide/],
      [notEnrolled, /n’a pas déclaré accepter les chèques de ce programme/],
      [inactive, /n’est pas actif/],
    ];
    const mediator = await browser(world.mediatorA, url);
    assert.doesNotMatch(mediator.page.body, new RegExp(`<option value="${inactive}"`), 'un lieu inactif n’est pas proposé');
    for (const [placeId, message] of expected) {
      const response = await cash(mediator, code(serial), { placeId: String(placeId), cle: randomUUID() });
      assert.equal(response.statusCode, 403, `lieu ${placeId} : ${response.statusCode}`);
      assert.match(response.body, message);
    }
    assert.deepEqual(await voucherOf(serial), { status: 'handed', redeemed_place_id: null });
    assert.equal(await redemptions(serial), 0);
  });

  test('replayed forms and keys: the same form answers the same, a key never serves another voucher nor another person', async () => {
    const [first, second] = [fresh(), fresh()];
    const mediatorA = await browser(world.mediatorA, `/c/${code(first)}`);
    const form = { placeId: String(world.placeA), cle: mediatorA.key! };
    const cashed = await cash(mediatorA, code(first), form);
    assert.equal(cashed.statusCode, 303, cashed.body.slice(0, 300));
    for (let i = 0; i < 3; i++) {
      const replay = await cash(mediatorA, code(first), form);
      assert.equal(replay.statusCode, 303);
      assert.equal(replay.headers.location, cashed.headers.location);
    }
    assert.equal(await redemptions(first), 1);
    // The key of the first form sent for the second voucher: refused, the second voucher untouched.
    const reused = await cash(mediatorA, code(second), form);
    assert.equal(reused.statusCode, 422);
    assert.match(reused.body, /clé Idempotency-Key a déjà servi/);
    assert.deepEqual(await voucherOf(second), { status: 'handed', redeemed_place_id: null });
    // Mediator B replays mediator A's form (key included): keys are per person, so the guards answer, nothing moves.
    const mediatorB = await browser(world.mediatorB, `/c/${code(first)}`);
    const foreign = await cash(mediatorB, code(first), { placeId: String(world.placeB), cle: mediatorA.key! });
    assert.equal(foreign.statusCode, 409);
    assert.deepEqual(await voucherOf(first), { status: 'redeemed', redeemed_place_id: world.placeA });
    assert.equal(await redemptions(first), 1);
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('taps at once, with the same key and with fresh keys: one redemption, no 500, the ledger balanced', async () => {
    const serial = fresh();
    const mediatorA = await browser(world.mediatorA, `/c/${code(serial)}`);
    const mediatorB = await browser(world.mediatorB, `/c/${code(serial)}`);
    const responses = await Promise.all([
      ...Array.from({ length: 4 }, () => cash(mediatorA, code(serial), { placeId: String(world.placeA), cle: mediatorA.key! })),
      ...Array.from({ length: 3 }, () => cash(mediatorA, code(serial), { placeId: String(world.placeA), cle: randomUUID() })),
      ...Array.from({ length: 3 }, () => cash(mediatorB, code(serial), { placeId: String(world.placeB), cle: randomUUID() })),
    ]);
    const statuses = responses.map((r) => r.statusCode);
    assert.ok(statuses.every((s) => s === 303 || s === 409), statuses.join(', '));
    assert.ok(statuses.includes(303), statuses.join(', '));
    assert.equal(await redemptions(serial), 1);
    const voucher = await voucherOf(serial);
    assert.equal(voucher.status, 'redeemed');
    assert.ok([world.placeA, world.placeB].includes(voucher.redeemed_place_id!));
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('no CSRF token, a forged one, another browser’s, an API token on the page, no account: refused, nothing redeemed', async () => {
    const serial = fresh();
    const url = `/c/${code(serial)}`;
    const mediator = await browser(world.mediatorA, url);
    const other = await browser(world.mediatorA, url);
    const form = { placeId: String(world.placeA), cle: mediator.key! };
    const withoutToken = await app.inject({ method: 'POST', url: `${url}/encaissement`, headers: { cookie: mediator.cookie }, payload: form });
    assert.equal(withoutToken.statusCode, 403);
    assert.match(withoutToken.body, /Ce formulaire a expiré ou ne vient pas de ce site/);
    assert.equal((await cash({ ...mediator, csrf: 'jeton-fabrique' }, code(serial), form)).statusCode, 403);
    // A token read in another browser, sent with this browser's cookies (and the other way round).
    const sessionOnly = mediator.cookie.split('; ').filter((c) => c.startsWith('ni_session=')).join('; ');
    assert.equal((await cash({ ...mediator, cookie: sessionOnly, csrf: other.csrf }, code(serial), form)).statusCode, 403);
    // Without any cookie, or with the mediator's API token instead of a session: not signed in on a page.
    const noCookie = await app.inject({ method: 'POST', url: `${url}/encaissement`, headers: { authorization: `Bearer ${world.mediatorA.token}` }, payload: { _csrf: mediator.csrf, ...form } });
    assert.ok([302, 401, 403].includes(noCookie.statusCode), String(noCookie.statusCode));
    const anonymous = await browser(null, url);
    const anonymousCash = await cash(anonymous, code(serial), form);
    assert.ok(anonymousCash.statusCode === 401 || (anonymousCash.statusCode === 302 && String(anonymousCash.headers.location).startsWith('/connexion')), String(anonymousCash.statusCode));
    assert.deepEqual(await voucherOf(serial), { status: 'handed', redeemed_place_id: null });
  });

  test('the public page of a used voucher tells nothing of the place, the booklet or the person; its desk is for mediators', async () => {
    const serial = fresh();
    const mediator = await browser(world.mediatorA, `/c/${code(serial)}`);
    assert.equal((await cash(mediator, code(serial), { placeId: String(world.placeA), cle: mediator.key! })).statusCode, 303);
    const placeName = (await platform.db.selectFrom('places').select('name').where('id', '=', world.placeA).executeTakeFirstOrThrow()).name;
    for (const actor of [null, world.prescriber, world.funder, world.mediatorB, world.outsider]) {
      const page = (await browser(actor, `/c/${code(serial)}`)).page;
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Ce chèque a déjà été utilisé le/);
      for (const secret of [placeName, world.handedBooklet, world.allocatedBooklet, formatBookletNumber(world.handedBooklet), world.mediatorA.email, world.prescriber.email]) {
        assert.ok(!page.body.includes(secret), `${actor?.email ?? 'visiteur'} voit « ${secret} »`);
      }
      assert.doesNotMatch(page.body, /name="cle"/, 'plus de formulaire d’encaissement');
    }
  });

  test('X-Forwarded-For is not believed without TRUST_PROXY: changing it does not get past the rate limit', async () => {
    const serial = fresh();
    const address = '10.77.0.1';
    const mediator = await browser(world.mediatorB, `/c/${code(serial)}`, address);
    const statuses: number[] = [];
    for (let i = 0; i < 32; i++) {
      const response = await cash(mediator, code(serial), { placeId: String(world.placeA), cle: randomUUID() }, { 'x-forwarded-for': `203.0.113.${i + 1}` });
      statuses.push(response.statusCode);
    }
    assert.ok(statuses.slice(0, 30).every((s) => s === 403), statuses.join(', '));
    assert.deepEqual(statuses.slice(30), [429, 429], statuses.join(', '));
    assert.deepEqual(await voucherOf(serial), { status: 'handed', redeemed_place_id: null });
  });
});
