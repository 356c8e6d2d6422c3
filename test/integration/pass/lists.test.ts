import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { checkCharacter, formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { expireVouchers } from '../../../src/pass/use-cases/expiry.js';
import { findForOperator } from '../../../src/pass/use-cases/operator-search.js';
import { placeOrder } from '../../../src/pass/use-cases/orders.js';
import { redeemVoucher, undoRedemption } from '../../../src/pass/use-cases/redemption.js';
import { parisDay } from '../../../src/shared/dates.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet, type Actor } from '../../support/world.js';

const decode = (html: string) => html.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
/** The count line of a list page (views/_list-count.njk), spaces normalised. */
const countOf = (html: string) => decode(/<p class="fr-text--lg fr-mb-2w ni-list-count" id="nombre" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? '').replace(/\s/g, ' ');
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const rowsOf = (html: string) => (/<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '').split('<tr').length - 1;

describe(`operators’ lists of the pass (counts, filters, pages) and the operator’s search on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const cookies = new Map<number, string>();

  const get = async (who: Actor, url: string) => {
    if (!cookies.has(who.principal.userId)) cookies.set(who.principal.userId, `ni_session=${await createSession(platform.db, who.principal.userId)}`);
    return app.inject({ url, headers: { cookie: cookies.get(who.principal.userId)! } });
  };
  const page = async (who: Actor, url: string, status = 200) => {
    const response = await get(who, url);
    assert.equal(response.statusCode, status, `${url} : ${response.statusCode} ${response.body.slice(0, 300)}`);
    return response.body;
  };

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    // 25 more orders, placed and never issued: 26 orders for the funder.
    for (let i = 0; i < 25; i += 1) await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 1, vouchersPerBooklet: 5 });
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('/commandes: the count in French, 20 a page with links keeping the filters, and each filter', async () => {
    const first = await page(world.funder, '/commandes');
    assert.equal(countOf(first), '26 commandes — 1 à 20 sur cette page');
    assert.equal(rowsOf(first), 20);
    assert.match(first, /aria-label="Pages des commandes"/);
    const second = await page(world.funder, '/commandes?page=2');
    assert.equal(countOf(second), '26 commandes — 21 à 26 sur cette page');
    assert.equal(rowsOf(second), 6);
    assert.match(second, /aria-current="page" title="Page 2">2</);
    const paid = await page(world.funder, '/commandes?statut=paid');
    assert.equal(countOf(paid), '1 commande avec ces filtres');
    assert.match(paid, new RegExp(`href="/commandes/${world.orderId}"`));
    const placed = await page(world.funder, `/commandes?statut=placed&programme=${world.programmeId}`);
    assert.equal(countOf(placed), '25 commandes avec ces filtres — 1 à 20 sur cette page');
    const next = decode(/<a class="fr-pagination__link fr-pagination__link--next[^"]*" href="([^"]+)"/.exec(placed)![1]!);
    assert.deepEqual(Object.fromEntries(new URL(next, 'http://x').searchParams), { statut: 'placed', programme: String(world.programmeId), page: '2' });
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    assert.equal(countOf(await page(world.funder, `/commandes?du=${tomorrow}`)), 'Aucune commande avec ces filtres');
    assert.match(await page(world.funder, `/commandes?du=${tomorrow}`), /Aucune commande ne correspond à ces filtres\./);
    assert.equal(countOf(await page(world.funder, `/commandes?du=${parisDay()}&au=${parisDay()}`)), '26 commandes avec ces filtres — 1 à 20 sur cette page');
    // The funder filter is the operator's; a funder sees its own orders only.
    assert.doesNotMatch(first, /name="financeur"/);
    const operator = await page(world.admin, `/commandes?financeur=${world.funder.organisationId}`);
    assert.match(operator, /name="financeur"/);
    assert.equal(countOf(operator), '26 commandes avec ces filtres — 1 à 20 sur cette page');
    assert.equal(countOf(await page(world.otherFunder, '/commandes')), 'Aucune commande');
    assert.equal(countOf(await page(world.otherFunder, `/commandes?financeur=${world.funder.organisationId}`)), 'Aucune commande', 'an unknown filter of a funder is no way round');
    // Bad filters are refused in French, never a 500.
    assert.match(await page(world.funder, '/commandes?statut=perdue', 422), /Le filtre « Statut » ne propose pas la valeur « perdue »/);
    assert.match(await page(world.funder, '/commandes?du=2026-13-01', 422), /AAAA-MM-JJ/);
    assert.match(await page(world.funder, '/commandes?du=2026-03-01&au=2026-02-01', 422), /La période est à l’envers/);
    assert.equal(countOf(await page(world.funder, '/commandes?page=999')), '26 commandes — 21 à 26 sur cette page', 'a page past the last is the last');
    assert.equal(rowsOf(await page(world.funder, '/commandes?page=abc')), 20);
  });

  test('the order page shows the payment reference', async () => {
    const order = decode(await page(world.funder, `/commandes/${world.orderId}`));
    assert.match(order, /<li id="paiement-commande">Paiement enregistré le [^,]+, référence « VIR-TEST-1 »<\/li>/);
  });

  test('/carnets: count, state, programme and number filters of the prescriber’s booklets', async () => {
    assert.equal(countOf(await page(world.prescriber, '/carnets')), '2 carnets');
    assert.equal(countOf(await page(world.prescriber, '/carnets?etat=remis')), '1 carnet avec ces filtres');
    const toHand = await page(world.prescriber, '/carnets?etat=a_remettre');
    assert.equal(countOf(toHand), '1 carnet avec ces filtres');
    assert.ok(toHand.includes(formatBookletNumber(world.allocatedBooklet)));
    const printed = encodeURIComponent(formatBookletNumber(world.handedBooklet));
    const byNumber = await page(world.prescriber, `/carnets?recherche=${printed}`);
    assert.equal(countOf(byNumber), '1 carnet avec ces filtres');
    assert.ok(byNumber.includes(formatBookletNumber(world.handedBooklet)));
    assert.equal(countOf(await page(world.prescriber, '/carnets?recherche=abc')), 'Aucun carnet avec ces filtres');
    assert.equal(countOf(await page(world.prescriber, '/carnets?etat=bloque')), 'Aucun carnet avec ces filtres');
    assert.equal(countOf(await page(world.prescriber, `/carnets?programme=${world.programmeId}&limit=1&page=2`)), '2 carnets avec ces filtres — 2 à 2 sur cette page');
  });

  test('/admin/cheques: every voucher, counted, filtered by status, programme and order, page by page (the operator only)', async () => {
    assert.equal(countOf(await page(world.admin, '/admin/cheques')), '40 chèques');
    const handed = await page(world.admin, '/admin/cheques?statut=handed&limit=4&page=2');
    assert.equal(countOf(handed), '10 chèques avec ces filtres — 5 à 8 sur cette page');
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    assert.ok(handed.includes(formatVoucherCode(makeVoucherCode(platform.secret, serials[4]!))));
    assert.equal(countOf(await page(world.admin, `/admin/cheques?commande=${world.orderId}`)), '40 chèques avec ces filtres');
    assert.equal(countOf(await page(world.admin, '/admin/cheques?commande=999999')), 'Aucun chèque avec ces filtres');
    assert.equal(countOf(await page(world.admin, '/admin/cheques?commande=pas-un-numero')), 'Aucun chèque avec ces filtres');
    for (const who of [world.funder, world.prescriber, world.mediatorA]) {
      for (const url of ['/admin/cheques', '/admin/recherche', `/admin/recherche?q=${world.handedBooklet}`, '/admin/rapports']) assert.equal((await get(who, url)).statusCode, 403, `${url} par ${who.email}`);
    }
  });

  test('/admin/recherche: a voucher code as printed or typed, with its status and its whole history', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const code = makeVoucherCode(platform.secret, serials[0]!);
    await redeemVoucher(platform, world.mediatorA.principal, code, world.placeA);
    await undoRedemption(platform.db, platform.secret, world.mediatorA.principal, code, 'Erreur de saisie au guichet');
    await redeemVoucher(platform, world.mediatorA.principal, code, world.placeA);
    const placeA = (await platform.db.selectFrom('places').select('name').where('id', '=', world.placeA).executeTakeFirstOrThrow()).name;
    for (const typed of [code, formatVoucherCode(code), formatVoucherCode(code).replace(/-/g, ' ').toLowerCase(), ` ${code.slice(0, 5)}.${code.slice(5)} `, `https://pass.example.fr/c/${formatVoucherCode(code)}`]) {
      const found = await findForOperator(platform.db, platform.secret, world.admin.principal, typed);
      assert.equal(found.kind, 'voucher', typed);
    }
    const body = decode(await page(world.admin, `/admin/recherche?q=${encodeURIComponent(formatVoucherCode(code).replace(/-/g, ' ').toLowerCase())}`));
    assert.match(body, new RegExp(`<h2 id="resultat">Chèque ${formatVoucherCode(code)}</h2>`));
    assert.match(body, /<strong id="statut-cheque">Encaissé<\/strong>/);
    assert.match(body, new RegExp(`à ${escape(placeA)}`));
    assert.match(body, /paiement « VIR-TEST-1 »/);
    const steps = [...body.matchAll(/<tr data-step="([a-z]+)"><td>[^<]+<\/td><td>([^<]+)<\/td>/g)].map((m) => [m[1], m[2]]);
    assert.deepEqual(steps.map((s) => s[0]), ['placed', 'issued', 'activated', 'allocated', 'handed', 'redeemed', 'undone', 'redeemed']);
    assert.match(steps[3]![1]!, /^Attribué à CAF/);
    assert.match(steps[6]![1]!, /annulé : « Erreur de saisie au guichet »/);
    assert.match(steps[5]![1]!, new RegExp(`encaissé à ${escape(placeA)}`));
  });

  test('/admin/recherche: a booklet number with or without spaces, its vouchers and history; typos and forgeries refused', async () => {
    const body = decode(await page(world.admin, `/admin/recherche?q=${encodeURIComponent(formatBookletNumber(world.allocatedBooklet))}`));
    assert.match(body, new RegExp(`<h2 id="resultat">Carnet ${formatBookletNumber(world.allocatedBooklet)}</h2>`));
    assert.match(body, /10\u00a0chèques du carnet/);
    assert.match(body, /Attribué à CAF/);
    const steps = [...body.matchAll(/<tr data-step="([a-z]+)">/g)].map((m) => m[1]);
    assert.deepEqual(steps, ['placed', 'issued', 'activated', 'allocated']);
    assert.equal((await findForOperator(platform.db, platform.secret, world.admin.principal, `${world.allocatedBooklet.slice(0, 3)}-${world.allocatedBooklet.slice(3)}`)).kind, 'booklet');
    // The booklet's PIN is never on this page.
    assert.doesNotMatch(body, /code secret \d/);
    const wrongLuhn = world.allocatedBooklet.slice(0, 8) + String((Number(world.allocatedBooklet[8]) + 1) % 10);
    assert.match(await page(world.admin, `/admin/recherche?q=${wrongLuhn}`, 422), /contient une faute de frappe/);
    assert.match(await page(world.admin, '/admin/recherche?q=12345678', 422), /9 chiffres/);
    const code = makeVoucherCode(platform.secret, (await serialsOfBooklet(platform.db, world.allocatedBooklet))[0]!);
    const typo = code.slice(0, 14) + (code[14] === 'A' ? 'B' : 'A');
    assert.match(decode(await page(world.admin, `/admin/recherche?q=${typo}`, 422)), /faute de frappe/);
    const forgedBody = code.slice(0, 6) + (code[6] === 'A' ? 'B' : 'A') + code.slice(7, 14);
    assert.match(decode(await page(world.admin, `/admin/recherche?q=${forgedBody + checkCharacter(forgedBody)}`, 404)), /n’a pas été émis par la plateforme/);
    assert.match(decode(await page(world.admin, '/admin/recherche?q=bonjour', 422)), /ni un code de chèque/);
    assert.match(await page(world.admin, '/admin/recherche'), /<input class="fr-input ni-big-input" id="q" name="q" value=""/);
    const unissued = '999999990';
    assert.match(decode(await page(world.admin, `/admin/recherche?q=${unissued.slice(0, 8)}${(await import('../../../src/pass/domain/booklet-number.js')).luhnDigit(unissued.slice(0, 8))}`, 404)), /Aucun carnet n’a été émis/);
  });

  test('/admin/rapports: the index of funders with a link to each report, counted and filtered by name', async () => {
    const body = decode(await page(world.admin, '/admin/rapports'));
    for (const funder of [world.funder, world.state, world.otherFunder]) assert.ok(body.includes(`href="/financeurs/${funder.organisationId}/rapport"`), `${funder.email}`);
    assert.match(countOf(body), /^\d+ financeurs$/);
    const state = decode(await page(world.admin, '/admin/rapports?nom=%C3%A9tat'));
    assert.equal(countOf(state), '1 financeur avec ces filtres');
    assert.match(state, new RegExp(`href="/financeurs/${world.state.organisationId}/rapport" aria-label="Voir le rapport de l’État[^"]*">Voir le rapport`));
    // The link works for the operator.
    assert.equal((await get(world.admin, `/financeurs/${world.state.organisationId}/rapport`)).statusCode, 200);
  });

  test('an expired voucher’s history ends with its expiry', async () => {
    const expires = (await platform.db.selectFrom('vouchers').select('expires_at').where('order_id', '=', world.orderId).executeTakeFirstOrThrow()).expires_at;
    await expireVouchers(platform.db, null, new Date(new Date(expires).getTime() + 1000));
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const found = await findForOperator(platform.db, platform.secret, world.admin.principal, makeVoucherCode(platform.secret, serials[1]!));
    assert.equal(found.kind === 'voucher' && found.status, 'expired');
    assert.deepEqual(found.history.map((s) => s.kind), ['placed', 'issued', 'activated', 'allocated', 'handed', 'expired']);
    // The redeemed voucher of the same order did not expire: no expiry in its history.
    const redeemed = await findForOperator(platform.db, platform.secret, world.admin.principal, makeVoucherCode(platform.secret, serials[0]!));
    assert.ok(!redeemed.history.some((s) => s.kind === 'expired'));
  });
});
