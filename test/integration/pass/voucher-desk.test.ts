import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { bookletPin } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, labelAndEnrol, serialsOfBooklet, type Actor } from '../../support/world.js';

/**
 * The steps connected on the pass side: a mediator signed in who opens a voucher's page (its QR code) cashes it
 * there, for one of their places, the redemption guards deciding; the booklet's page shows where and when its
 * vouchers were used, and the way to the second diagnostic once one was.
 */
describe(`the voucher page’s desk and the booklet’s history on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let world: Awaited<ReturnType<typeof buildWorld>>;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const code = (serial: number) => formatVoucherCode(makeVoucherCode(platform.secret, serial));
  const voucherOf = (serial: number) => platform.db.selectFrom('vouchers').select(['status', 'redeemed_place_id']).where('serial', '=', serial).executeTakeFirstOrThrow();
  const redemptionEvents = async (serial: number) =>
    Number((await platform.db.selectFrom('audit_events').select((eb) => eb.fn.countAll().as('n')).where('voucher_serial', '=', serial).where('action', '=', 'voucher.redeemed').executeTakeFirstOrThrow()).n);

  /** A browser: the session cookie (when signed in), the CSRF cookie and its token, read from the voucher page. */
  async function browser(actor: Actor | null, url: string) {
    const session = actor ? `ni_session=${await createSession(platform.db, actor.principal.userId)}` : '';
    const page = await app.inject({ url, headers: session ? { cookie: session } : {} });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = [session, ...page.cookies.map((c) => `${c.name}=${c.value}`)].filter(Boolean).join('; ');
    return { page, cookie, csrf, key: /name="cle" value="([^"]+)"/.exec(page.body)?.[1] };
  }
  const cash = (who: { cookie: string; csrf: string }, voucher: string, body: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: `/c/${voucher}/encaissement`, headers: { cookie: who.cookie }, payload: { _csrf: who.csrf, ...body } });

  test('the action shows for a mediator only, at their own places, and only on a voucher that can be used', async () => {
    const [serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const url = `/c/${code(serial!)}`;
    for (const actor of [null, world.prescriber, world.funder, world.admin]) {
      const { page } = await browser(actor, url);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /Encaisser ce chèque/, actor?.email ?? 'visiteur');
    }
    const mediator = await browser(world.mediatorA, url);
    assert.match(mediator.page.body, /<h2 class="fr-callout__title">Encaisser ce chèque<\/h2>/);
    assert.match(mediator.page.body, new RegExp(`name="placeId" value="${world.placeA}"`));
    assert.doesNotMatch(mediator.page.body, /<select/, 'un seul lieu : pas de choix');
    assert.match(mediator.page.body, new RegExp(`action="/c/${code(serial!)}/encaissement"`));
    // Typed in lower case, the page still names the voucher by its code.
    assert.match((await browser(world.mediatorA, url.toLowerCase())).page.body, new RegExp(`action="/c/${code(serial!)}/encaissement"`));
    // An allocated voucher not yet handed (no direct handing in this programme): nothing to cash.
    const [notHanded] = await serialsOfBooklet(platform.db, world.allocatedBooklet);
    assert.doesNotMatch((await browser(world.mediatorA, `/c/${code(notHanded!)}`)).page.body, /Encaisser ce chèque/);
  });

  test('a mediator cashes the voucher from its page: redirected back with a message, once, the ledger balanced', async () => {
    const [, serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const url = `/c/${code(serial!)}`;
    const mediator = await browser(world.mediatorA, url);
    const response = await cash(mediator, code(serial!), { placeId: String(world.placeA), cle: mediator.key! });
    assert.equal(response.statusCode, 303, response.body);
    assert.equal(response.headers.location, url);
    const after = await app.inject({ url, headers: { cookie: [mediator.cookie, ...response.cookies.map((c) => `${c.name}=${c.value}`)].join('; ') } });
    assert.match(after.body, /Chèque [A-Z0-9-]+ encaissé à « Lieu \d+ \(Nantes\) » : 10,00\s€/);
    assert.match(after.body, /Ce chèque a déjà été utilisé le/);
    assert.doesNotMatch(after.body, /<h2 class="fr-callout__title">Encaisser ce chèque/, 'plus rien à encaisser');
    assert.deepEqual(await voucherOf(serial!), { status: 'redeemed', redeemed_place_id: world.placeA });
    assert.equal((await verifyLedger(platform.db)).ok, true);

    // The same form sent again (a double tap, a reload): the same answer, nothing redeemed twice.
    const again = await cash(mediator, code(serial!), { placeId: String(world.placeA), cle: mediator.key! });
    assert.equal(again.statusCode, 303);
    assert.equal(await redemptionEvents(serial!), 1);
    // Without the form's key, the guards answer: already used, with where and when, nothing changed.
    const fresh = await browser(world.mediatorA, url);
    const refused = await cash(fresh, code(serial!), { placeId: String(world.placeA), cle: randomUUID() });
    assert.equal(refused.statusCode, 409);
    assert.match(refused.body, /Ce chèque a déjà été utilisé le .* à « Lieu \d+ \(Nantes\) »/);
    assert.equal(await redemptionEvents(serial!), 1);
  });

  test('the guards still decide: another organisation’s place, another territory, another role, no account', async () => {
    const [, , serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const url = `/c/${code(serial!)}`;
    const otherPlace = await cash(await browser(world.mediatorB, url), code(serial!), { placeId: String(world.placeA) });
    assert.equal(otherPlace.statusCode, 403);
    assert.match(otherPlace.body, /Vous n’êtes pas médiateur de ce lieu/);
    const outsider = await browser(world.outsider, url);
    assert.match(outsider.page.body, /Encaisser ce chèque/, 'l’action est proposée : les règles d’encaissement décident à l’envoi');
    const outside = await cash(outsider, code(serial!), { placeId: String(world.placeOutside) });
    assert.equal(outside.statusCode, 403);
    assert.match(outside.body, /programme d’un autre territoire/);
    const prescriber = await cash(await browser(world.prescriber, url), code(serial!), { placeId: String(world.placeA) });
    assert.equal(prescriber.statusCode, 403);
    const anonymous = await cash(await browser(null, url), code(serial!), { placeId: String(world.placeA) });
    assert.ok(anonymous.statusCode === 302 || anonymous.statusCode === 401 || anonymous.statusCode === 403, String(anonymous.statusCode));
    const forged = await cash(await browser(world.mediatorA, url), `${code(serial!).slice(0, -1)}${code(serial!).endsWith('A') ? 'B' : 'A'}`, { placeId: String(world.placeA) });
    assert.ok([404, 422].includes(forged.statusCode), String(forged.statusCode));
    assert.equal((await voucherOf(serial!)).status, 'handed', 'rien n’a été encaissé');
  });

  test('a mediator with several places chooses the place; the choice is kept when refused', async () => {
    const second = await addPlace(platform.db, world.mediatorA.organisationId, '44143');
    const [, , , serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const url = `/c/${code(serial!)}`;
    const mediator = await browser(world.mediatorA, url);
    assert.match(mediator.page.body, /<select class="fr-select" id="placeId" name="placeId" required>/);
    assert.match(mediator.page.body, /Lieu \d+ \(Rezé\) \(Rezé\)/);
    // The second place has no label yet: refused by the guards, the chosen place still selected.
    const refused = await cash(mediator, code(serial!), { placeId: String(second), cle: mediator.key! });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /n’a pas de label valide/);
    assert.match(refused.body, new RegExp(`<option value="${second}" selected>`));
    await labelAndEnrol(platform.db, second, world.programmeId);
    const fresh = await browser(world.mediatorA, url);
    const cashed = await cash(fresh, code(serial!), { placeId: String(second), cle: fresh.key! });
    assert.equal(cashed.statusCode, 303);
    assert.deepEqual(await voucherOf(serial!), { status: 'redeemed', redeemed_place_id: second });
  });

  test('the booklet page lists where and when its vouchers were used, and links to the second diagnostic once one was', async () => {
    const booklet = await platform.db.selectFrom('booklets').select(['id', 'number', 'pin_digits']).where('number', '=', world.handedBooklet).executeTakeFirstOrThrow();
    const pin = bookletPin(platform.secret, booklet.id, booklet.pin_digits);
    const balancePage = async () => {
      const person = await browser(null, '/carnet');
      return app.inject({ method: 'POST', url: '/carnet', headers: { cookie: person.cookie }, payload: { _csrf: person.csrf, numero: booklet.number, code: pin } });
    };
    const page = await balancePage();
    assert.equal(page.statusCode, 200);
    const history = /<ul class="ni-history">([\s\S]*?)<\/ul>/.exec(page.body)![1]!;
    const lines = [...history.matchAll(/<li>(.*?)<\/li>/g)].map((m) => m[1]!);
    assert.equal(lines.length, 2, lines.join(' | '));
    assert.ok(lines.every((line) => /^Le \d{1,2}(er)? \S+ \d{4}, à Lieu \d+ \((Nantes|Rezé)\) \((Nantes|Rezé)\)$/.test(line)), lines.join(' | '));
    assert.match(page.body, new RegExp(`href="/diagnostic\\?numero=${booklet.number}#progres">Mesurer mes progrès`));

    // A booklet none of whose vouchers was used: no history, no link yet.
    const { handBooklet } = await import('../../../src/pass/use-cases/booklets.js');
    await handBooklet(platform.db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '25-39', communeCode: '44109', situation: 'retiree' });
    const unused = await platform.db.selectFrom('booklets').select(['id', 'number', 'pin_digits']).where('number', '=', world.allocatedBooklet).executeTakeFirstOrThrow();
    const person = await browser(null, '/carnet');
    const fresh = await app.inject({ method: 'POST', url: '/carnet', headers: { cookie: person.cookie }, payload: { _csrf: person.csrf, numero: unused.number, code: bookletPin(platform.secret, unused.id, unused.pin_digits) } });
    assert.match(fresh.body, /Aucun chèque utilisé pour l’instant\./);
    assert.doesNotMatch(fresh.body, /Mesurer mes progrès<\/a>/);
    assert.match(fresh.body, /Après votre premier atelier, vous pourrez refaire le point/);
    const [first] = await serialsOfBooklet(platform.db, unused.number);
    await redeemVoucher(platform, world.mediatorB.principal, code(first!), world.placeB);
    const person2 = await browser(null, '/carnet');
    const used = await app.inject({ method: 'POST', url: '/carnet', headers: { cookie: person2.cookie }, payload: { _csrf: person2.csrf, numero: unused.number, code: bookletPin(platform.secret, unused.id, unused.pin_digits) } });
    assert.match(used.body, /à Lieu \d+ \(Saint-Nazaire\) \(Saint-Nazaire\)<\/li>/);
    assert.match(used.body, /Mesurer mes progrès<\/a>/);
    // The link brings the number, never the PIN.
    const welcome = await app.inject({ url: `/diagnostic?numero=${unused.number}` });
    assert.match(welcome.body, new RegExp(`id="numero" name="numero"[^>]*value="${unused.number}"`));
  });
});
