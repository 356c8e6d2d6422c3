import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { authenticate } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import { bookletPin } from '../../../src/pass/domain/booklet-number.js';
import { bookletBalance } from '../../../src/pass/use-cases/balance.js';
import { printableBooklets } from '../../../src/pass/use-cases/print/printable.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, makeActor, PASSWORD } from '../../support/world.js';

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
let forwarded = 0;
/** A new client address each time, as an attacker rotating X-Forwarded-For would send. */
const spoofed = () => ({ 'x-forwarded-for': `203.0.${Math.floor(++forwarded / 250) % 250}.${(forwarded % 250) + 1}` });

describe(`throttling that a client cannot dodge, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  /** The same platform behind a proxy the operator trusts (TRUST_PROXY=127.0.0.1): X-Forwarded-For names real clients. */
  let proxied: FastifyInstance;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db, { bookletCount: 6 });
    app = await buildApp(platform);
    proxied = await buildApp({ ...platform, config: { ...platform.config, ...readConfig({ TRUST_PROXY: '127.0.0.1' }) } });
  });
  after(async () => {
    await app.close();
    await proxied.close();
    await platform.dispose();
  });

  /** A browser on a page with a form: its cookies and the form's CSRF token. */
  async function browserOn(target: FastifyInstance, url: string, remoteAddress: string, cookie = '') {
    const page = await target.inject({ url, remoteAddress, headers: cookie ? { cookie } : {} });
    assert.equal(page.statusCode, 200, `${url} : ${page.statusCode}`);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookies = [cookie, ...page.cookies.map((c) => `${c.name}=${c.value}`)].filter(Boolean).join('; ');
    return { csrf, cookie: cookies, body: page.body };
  }

  async function signInAttempts(target: FastifyInstance, remoteAddress: string, attempts: { email: string; password: string; headers?: Record<string, string> }[]) {
    const browser = await browserOn(target, '/connexion', remoteAddress);
    const responses = [];
    for (const attempt of attempts) {
      responses.push(await target.inject({
        method: 'POST', url: '/connexion', remoteAddress, headers: { cookie: browser.cookie, ...attempt.headers },
        payload: { _csrf: browser.csrf, email: attempt.email, password: attempt.password },
      }));
    }
    return responses;
  }

  const refusalText = (body: string) => /Trop de tentatives[^<]*/.exec(body)?.[0] ?? body;

  async function signedInBrowser(target: FastifyInstance, email: string, remoteAddress: string) {
    const [signedIn] = await signInAttempts(target, remoteAddress, [{ email, password: PASSWORD }]);
    assert.equal(signedIn!.statusCode, 303, `connexion de ${email}`);
    return signedIn!.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  }

  test('40 wrong passwords on one account from 40 addresses: the account is throttled after 10, the same way whether it exists or not', async () => {
    for (const target of [app, proxied]) {
      const victim = await makeActor(platform.db, 'Victime', 'funder');
      const attempts = Array.from({ length: 40 }, () => ({ email: victim.email, password: 'pas-le-bon-mot-de-passe', headers: spoofed() }));
      const responses = await signInAttempts(target, '10.20.0.1', attempts);
      const wrongPassword = responses.findIndex((r) => r.statusCode !== 401);
      assert.equal(wrongPassword, 10, `${target === app ? 'direct' : 'derrière le proxy'} : dix réponses « mot de passe incorrect », puis un refus`);
      assert.ok(responses.slice(10).every((r) => r.statusCode === 429), 'each further attempt is refused');
      assert.match(responses[10]!.body, /Trop de tentatives de connexion/);
      assert.doesNotMatch(responses[10]!.body, /mot de passe incorrect/);
      // The right password does not get through during the back-off either.
      const [right] = await signInAttempts(target, '10.20.0.2', [{ email: victim.email, password: PASSWORD, headers: spoofed() }]);
      assert.equal(right!.statusCode, 429);

      const nobody = `personne.${victim.organisationId}@nulle-part.fr`;
      const ghost = await signInAttempts(target, '10.20.0.3', Array.from({ length: 11 }, () => ({ email: nobody, password: 'pas-le-bon-mot-de-passe', headers: spoofed() })));
      assert.deepEqual(ghost.map((r) => r.statusCode), [...Array(10).fill(401), 429], 'an unknown address is throttled the same way');
      assert.equal(refusalText(ghost[10]!.body).replace(/\d+/g, 'N'), refusalText(responses[10]!.body).replace(/\d+/g, 'N'), 'the refusal does not tell whether the account exists');
    }
  });

  test('the back-off grows, is stored in the database, and a right password afterwards resets it', async () => {
    const user = await makeActor(platform.db, 'Distrait', 'prescriber');
    await signInAttempts(app, '10.21.0.1', Array.from({ length: 10 }, () => ({ email: user.email, password: 'faux-mot-de-passe-1' })));
    // The row its ten failures just wrote (the table keeps only a hash of the address).
    const first = await platform.db.selectFrom('sign_in_failures').selectAll().orderBy('last_failure_at', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.equal(first.failures, 10);
    const firstDelay = new Date(first.blocked_until!).getTime() - new Date(first.last_failure_at).getTime();
    assert.ok(firstDelay >= 20_000 && firstDelay <= 60_000, `premier délai ${firstDelay} ms`);
    // The block is over (as if time had passed); one more wrong password blocks twice as long.
    await platform.db.updateTable('sign_in_failures').set({ blocked_until: new Date(Date.now() - 1000), last_failure_at: new Date(Date.now() - firstDelay - 1000) }).where('email_hash', '=', first.email_hash).execute();
    const [again] = await signInAttempts(app, '10.21.0.1', [{ email: user.email, password: 'faux-mot-de-passe-2' }]);
    assert.equal(again!.statusCode, 401);
    const second = await platform.db.selectFrom('sign_in_failures').selectAll().where('email_hash', '=', first.email_hash).executeTakeFirstOrThrow();
    assert.equal(second.failures, 11);
    const secondDelay = new Date(second.blocked_until!).getTime() - new Date(second.last_failure_at).getTime();
    assert.ok(secondDelay > firstDelay * 1.5, `délai croissant : ${firstDelay} puis ${secondDelay} ms`);
    await platform.db.updateTable('sign_in_failures').set({ blocked_until: new Date(Date.now() - 1000) }).where('email_hash', '=', first.email_hash).execute();
    const [right] = await signInAttempts(app, '10.21.0.1', [{ email: user.email, password: PASSWORD }]);
    assert.equal(right!.statusCode, 303);
    assert.equal((await platform.db.selectFrom('sign_in_failures').select('failures').where('email_hash', '=', first.email_hash).executeTakeFirst()), undefined, 'a success clears the failures');
  });

  test('a colleague behind the same office address still signs in after someone else’s typos', async () => {
    const typist = await makeActor(platform.db, 'Maladroit', 'prescriber');
    const colleague = await makeActor(platform.db, 'Collègue', 'prescriber');
    const typos = await signInAttempts(app, '10.30.0.1', Array.from({ length: 15 }, () => ({ email: typist.email, password: 'mot-de-passe-mal-tape' })));
    assert.equal(typos.at(-1)!.statusCode, 429, 'the typist’s own account is held back');
    const [signedIn] = await signInAttempts(app, '10.30.0.1', [{ email: colleague.email, password: PASSWORD }]);
    assert.equal(signedIn!.statusCode, 303, 'the colleague is not locked out');
  });

  test('one client hammering the sign-in form is still held back by its own address', async () => {
    const typist = await makeActor(platform.db, 'Insistant', 'prescriber');
    const colleague = await makeActor(platform.db, 'Voisin', 'prescriber');
    // Ten wrong passwords, then ninety refusals of the held-back account (no password checked): a hundred in all.
    await signInAttempts(app, '10.31.0.1', Array.from({ length: 100 }, () => ({ email: typist.email, password: 'mot-de-passe-mal-tape', headers: spoofed() })));
    const [sameClient] = await signInAttempts(app, '10.31.0.1', [{ email: colleague.email, password: PASSWORD, headers: spoofed() }]);
    assert.equal(sameClient!.statusCode, 429, 'the 101st request of one address within 15 minutes');
    const [elsewhere] = await signInAttempts(app, '10.31.0.2', [{ email: colleague.email, password: PASSWORD }]);
    assert.equal(elsewhere!.statusCode, 303);
  });

  test('sign-in takes as long for an unknown address as for a known one with a wrong password', async () => {
    const known = await makeActor(platform.db, 'Connu', 'mediator');
    const timings = { known: [] as number[], unknown: [] as number[] };
    await authenticate(platform.db, `echauffement.${known.organisationId}@nulle-part.fr`, 'mauvais-mot-de-passe');
    for (let i = 0; i < 5; i++) {
      let start = performance.now();
      assert.equal(await authenticate(platform.db, known.email, `mauvais-mot-de-passe-${i}`), null);
      timings.known.push(performance.now() - start);
      start = performance.now();
      assert.equal(await authenticate(platform.db, `inconnu.${i}.${known.organisationId}@nulle-part.fr`, 'mauvais-mot-de-passe'), null);
      timings.unknown.push(performance.now() - start);
    }
    assert.ok(median(timings.unknown) >= 0.3 * median(timings.known), `inconnu ${median(timings.unknown).toFixed(1)} ms, connu ${median(timings.known).toFixed(1)} ms`);
  });

  test('X-Forwarded-For is ignored unless it comes from a configured proxy', async () => {
    const seenBy = async (trustProxy: string | undefined, remoteAddress: string) => {
      const config = { ...platform.config, ...readConfig(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }) };
      const instance = await buildApp({ ...platform, config });
      let ip = '';
      instance.addHook('onRequest', async (request) => {
        ip = request.ip;
      });
      await instance.inject({ url: '/api/v1/health', remoteAddress, headers: { 'x-forwarded-for': '198.51.100.7' } });
      await instance.close();
      return ip;
    };
    assert.equal(readConfig({}).trustProxy, false);
    assert.equal(readConfig({ TRUST_PROXY: '' }).trustProxy, false);
    assert.equal(readConfig({ TRUST_PROXY: 'false' }).trustProxy, false);
    assert.deepEqual(readConfig({ TRUST_PROXY: '127.0.0.1, 10.0.0.0/8' }).trustProxy, ['127.0.0.1', '10.0.0.0/8']);
    assert.throws(() => readConfig({ TRUST_PROXY: 'true' }), /TRUST_PROXY/);
    assert.throws(() => readConfig({ TRUST_PROXY: '10.0.0.0/99' }), /TRUST_PROXY/);
    assert.equal(await seenBy(undefined, '127.0.0.1'), '127.0.0.1', 'no proxy configured: the header is ignored');
    assert.equal(await seenBy('127.0.0.1', '127.0.0.1'), '198.51.100.7', 'from the configured proxy: the client it names');
    assert.equal(await seenBy('127.0.0.1', '10.0.0.9'), '10.0.0.9', 'from anyone else: ignored');
    assert.equal(await seenBy('192.168.1.1, 10.0.0.0/8', '10.0.0.9'), '198.51.100.7', 'a CIDR block of proxies');
  });

  test('per-address limits hold against a rotating X-Forwarded-For', async () => {
    const statuses: number[] = [];
    const browser = await browserOn(app, '/carnet', '10.40.0.1');
    for (let i = 0; i < 22; i++) {
      const response = await app.inject({ method: 'POST', url: '/carnet', remoteAddress: '10.40.0.1', headers: { cookie: browser.cookie, ...spoofed() }, payload: { _csrf: browser.csrf, numero: '000000000', code: '123456' } });
      statuses.push(response.statusCode);
    }
    assert.equal(statuses.at(-1), 429, statuses.join(','));
    const api: number[] = [];
    for (let i = 0; i < 22; i++) api.push((await app.inject({ url: '/api/v1/public/booklets/000000000?pin=123456', remoteAddress: '10.40.0.2', headers: spoofed() })).statusCode);
    assert.equal(api.at(-1), 429, api.join(','));
  });

  describe('booklet PINs', () => {
    const bookletOf = (number: string) => platform.db.selectFrom('booklets').selectAll().where('number', '=', number).executeTakeFirstOrThrow();
    const pinOf = async (number: string) => {
      const booklet = await bookletOf(number);
      return bookletPin(platform.secret, booklet.id, booklet.pin_digits);
    };
    const wrongPinFor = (pin: string, salt: number) => {
      const wrong = String((Number(pin) + 1 + salt) % 10 ** pin.length).padStart(pin.length, '0');
      return wrong;
    };
    /** One wrong attempt through each door in turn: the balance page, the public API, the follow-up diagnostic. */
    async function attempt(door: 'page' | 'api' | 'diagnostic', number: string, pin: string, remoteAddress = '10.50.0.1') {
      if (door === 'page') {
        const browser = await browserOn(app, '/carnet', remoteAddress);
        return app.inject({ method: 'POST', url: '/carnet', remoteAddress, headers: { cookie: browser.cookie, ...spoofed() }, payload: { _csrf: browser.csrf, numero: number, code: pin } });
      }
      if (door === 'api') return app.inject({ url: `/api/v1/public/booklets/${number}?pin=${pin}`, remoteAddress, headers: spoofed() });
      return app.inject({ method: 'POST', url: '/api/v1/diagnostics', remoteAddress, headers: spoofed(), payload: { bookletNumber: number, bookletPin: pin } });
    }
    const doors = ['page', 'api', 'diagnostic'] as const;

    test('new booklets get a 6-digit PIN, printed and shown to the funder; a 4-digit booklet keeps its PIN', async () => {
      const booklet = await bookletOf(world.allocatedBooklet);
      assert.equal(booklet.pin_digits, 6);
      const pin = bookletPin(platform.secret, booklet.id, 6);
      assert.match(pin, /^[0-9]{6}$/);
      assert.equal((await bookletBalance(platform.db, platform.secret, booklet.number, pin)).number, booklet.number);
      await assert.rejects(bookletBalance(platform.db, platform.secret, booklet.number, pin.slice(2)), (error: Error & { code?: string }) => error.code === 'carnet_introuvable');
      for await (const printed of printableBooklets(platform.db, platform.secret, { bookletNumber: booklet.number })) assert.equal(printed.pin, pin);
      const funderSession = await signedInBrowser(app, world.funder.email, '10.60.0.1');
      const orderPage = await app.inject({ url: `/commandes/${world.orderId}`, remoteAddress: '10.60.0.1', headers: { cookie: funderSession } });
      assert.match(orderPage.body, new RegExp(`code secret ${pin}\\b`), 'the funder’s order page shows the 6 digits');

      // A booklet printed before the change: 4 digits, derived exactly as they were then.
      const old = await bookletOf(world.handedBooklet);
      await platform.db.updateTable('booklets').set({ pin_digits: 4 }).where('id', '=', old.id).execute();
      const printedThen = String(createHmac('sha256', platform.secret).update(`booklet-pin:${old.id}`).digest().readUInt32BE(0) % 10000).padStart(4, '0');
      assert.equal(bookletPin(platform.secret, old.id, 4), printedThen);
      assert.equal((await bookletBalance(platform.db, platform.secret, old.number, printedThen)).number, old.number);
      const page = await attempt('page', old.number, printedThen, '10.61.0.1');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /Il vous reste/);
      await platform.db.updateTable('booklets').set({ pin_digits: 6 }).where('id', '=', old.id).execute();
    });

    test('10 wrong PINs in all, whatever the address and the door, lock the booklet; then even the right PIN is refused', async () => {
      const number = world.handedBooklet;
      const pin = await pinOf(number);
      for (let i = 0; i < 9; i++) {
        const response = await attempt(doors[i % 3]!, number, wrongPinFor(pin, i));
        assert.equal(response.statusCode, 404, `essai ${i + 1} (${doors[i % 3]})`);
      }
      assert.equal((await bookletOf(number)).pin_failures, 9);
      const tenth = await attempt('api', number, wrongPinFor(pin, 9));
      assert.equal(tenth.statusCode, 403);
      assert.equal(tenth.json().error, 'carnet_bloque');
      assert.ok((await bookletOf(number)).locked_at, 'locked');
      const lockAudit = await platform.db.selectFrom('audit_events').select('details').where('action', '=', 'booklet.locked').where('booklet_id', '=', (await bookletOf(number)).id).executeTakeFirst();
      assert.ok(lockAudit, 'the lock is journaled');
      for (const door of doors) {
        const response = await attempt(door, number, pin, '10.50.0.2');
        assert.equal(response.statusCode, 403, `${door} : le bon code est refusé`);
        const text = door === 'page' ? response.body : response.json().message;
        assert.match(text, /bloqué/);
        assert.match(text, /structure qui vous l’a remis/);
      }
      assert.equal((await bookletOf(number)).pin_failures, 10, 'refusals of a locked booklet are not counted again');
    });

    test('a right PIN resets the count', async () => {
      const number = (await platform.db.selectFrom('booklets').select('number').where('order_id', '=', world.orderId).where('allocated_organisation_id', 'is', null).orderBy('id').executeTakeFirstOrThrow()).number;
      const pin = await pinOf(number);
      for (let round = 0; round < 2; round++) {
        for (let i = 0; i < 9; i++) assert.equal((await attempt('api', number, wrongPinFor(pin, i), '10.51.0.1')).statusCode, 404);
        assert.equal((await attempt('api', number, pin, '10.51.0.2')).statusCode, 200);
        assert.equal((await bookletOf(number)).pin_failures, 0);
      }
    });

    test('the prescriber or the funder lifts the lock, journaled; nobody else does', async () => {
      const number = world.handedBooklet;
      const booklet = await bookletOf(number);
      assert.ok(booklet.locked_at, 'locked by the previous test');
      const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
      const foreignPrescriber = await makeActor(platform.db, 'Autre CAF', 'prescriber');
      for (const outsider of [foreignPrescriber, world.otherFunder, world.mediatorA]) {
        const refused = await app.inject({ method: 'POST', url: `/api/v1/booklets/${number}/unlock`, headers: bearer(outsider.token) });
        assert.equal(refused.statusCode, 403, `${outsider.email} : ${refused.body}`);
      }
      assert.ok((await bookletOf(number)).locked_at, 'still locked');

      // The prescriber, on its page: the booklet is shown as locked, with the button.
      const session = await signedInBrowser(app, world.prescriber.email, '10.70.0.1');
      const page = await browserOn(app, '/carnets', '10.70.0.1', session);
      assert.match(page.body, /Bloqué/);
      const unlocked = await app.inject({ method: 'POST', url: '/carnets/deblocage', remoteAddress: '10.70.0.1', headers: { cookie: page.cookie }, payload: { _csrf: page.csrf, numero: number } });
      // Post/Redirect/Get: back to the booklets' page, which shows the outcome.
      assert.equal(unlocked.statusCode, 303, unlocked.body);
      assert.equal(unlocked.headers.location, '/carnets');
      const flash = unlocked.cookies.find((c) => c.name === 'ni_flash')!;
      const shown = await app.inject({ url: '/carnets', remoteAddress: '10.70.0.1', headers: { cookie: `${page.cookie}; ni_flash=${flash.value}` } });
      assert.match(shown.body, /débloqué/);
      const after = await bookletOf(number);
      assert.equal(after.locked_at, null);
      assert.equal(after.pin_failures, 0);
      assert.equal((await attempt('api', number, await pinOf(number), '10.50.0.3')).statusCode, 200, 'the right PIN works again');
      const audits = await platform.db.selectFrom('audit_events').select(['actor_user_id', 'details']).where('action', '=', 'booklet.unlocked').where('booklet_id', '=', booklet.id).execute();
      assert.deepEqual(audits.map((a) => a.actor_user_id), [world.prescriber.principal.userId]);

      // Locked again; the funder of the order lifts it through the API.
      const pin = await pinOf(number);
      for (let i = 0; i < 10; i++) await attempt('api', number, wrongPinFor(pin, i), '10.52.0.1');
      assert.ok((await bookletOf(number)).locked_at);
      const byFunder = await app.inject({ method: 'POST', url: `/api/v1/booklets/${number}/unlock`, headers: bearer(world.funder.token) });
      assert.equal(byFunder.statusCode, 200, byFunder.body);
      assert.equal(byFunder.json().number, number);
      assert.equal((await bookletOf(number)).locked_at, null);
      const notLocked = await app.inject({ method: 'POST', url: `/api/v1/booklets/${number}/unlock`, headers: bearer(world.funder.token) });
      assert.equal(notLocked.statusCode, 409);
      assert.match(notLocked.json().message, /n’est pas bloqué/);
      const funderAudit = await platform.db.selectFrom('audit_events').select('actor_user_id').where('action', '=', 'booklet.unlocked').where('booklet_id', '=', booklet.id).orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.equal(funderAudit.actor_user_id, world.funder.principal.userId);
    });
  });
});
