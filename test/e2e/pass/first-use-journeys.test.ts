import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';

const PHONE = { width: 360, height: 740 };
/** French text may hold no-break spaces (« 10 chèques »): compared with plain ones. */
const plain = (text: string | null) => (text ?? '').replace(/[\u00a0\u202f]/g, ' ');

/** What a first-time user reads on the pass pages: a mistyped voucher code, booklet numbers, an order's booklets. */
describe(`pass: French and dead ends of a first visit in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let toHand: string;
  let paidOrderId: number;
  let placedOrderId: number;
  let handedCode: string;

  before(async () => {
    journeys = await startJourneys();
    baseUrl = journeys.baseUrl;
    const db = journeys.platform.db;
    const caf = await db.selectFrom('organisations').select('id').where('name', '=', 'CAF de Loire-Atlantique').executeTakeFirstOrThrow();
    toHand = (await db.selectFrom('booklets').select('number').where('allocated_organisation_id', '=', caf.id).where('handed_at', 'is', null).orderBy('id').executeTakeFirstOrThrow()).number;
    paidOrderId = (await db.selectFrom('orders').select('id').where('status', '=', 'paid').orderBy('id').executeTakeFirstOrThrow()).id;
    placedOrderId = (await db.selectFrom('orders').select('id').where('status', '=', 'placed').orderBy('id').executeTakeFirstOrThrow()).id;
    const handed = await db.selectFrom('booklets').select('number').where('handed_at', 'is not', null).orderBy('id').executeTakeFirstOrThrow();
    handedCode = handed.number;
  });
  after(() => journeys?.close());

  test('a mistyped voucher code, without JavaScript on a phone, says what to check and where to go next', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    const response = await page.goto(`${baseUrl}/c/22223-4WMEE-XWBXA`);
    assert.equal(response?.status(), 404);
    assert.match((await page.locator('.fr-alert--error').textContent()) ?? '', /Ce code ne correspond à aucun chèque du pass numérique\./);
    assert.match((await page.locator('#code-inconnu').textContent()) ?? '', /Vérifiez le code imprimé sous le QR code du chèque : 15 caractères/);
    assert.equal(await page.getByRole('link', { name: 'Voir tous les chèques de mon carnet' }).getAttribute('href'), '/carnet');
    await page.getByRole('link', { name: 'Trouver un lieu près de chez moi' }).click();
    await page.waitForURL(`${baseUrl}/lieux`);
    await page.context().close();

    const audited = await journeys.pageAs(null, PHONE);
    await audited.goto(`${baseUrl}/c/22223-4WMEE-XWBXA`);
    await assertAccessible(audited);
    const width = await audited.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `la page tient dans l’écran d’un téléphone (${width}px)`);
    await audited.context().close();
  });

  test('a front-desk agent reads the booklet number as printed (000 000 042) in the hand-out messages', async () => {
    const page = await journeys.pageAs('prescripteur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/carnets`);
    await page.getByLabel('Numéro du carnet').fill(toHand);
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    const done = plain(await page.locator('.fr-alert--success').textContent());
    assert.match(done, new RegExp(`Carnet ${formatBookletNumber(toHand)} remis : 10 chèques utilisables\\.`));
    // The same number typed again (a second tap, a colleague): refused, the number written as printed.
    await page.getByLabel('Numéro du carnet').fill(toHand);
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    assert.match(plain(await page.locator('.fr-alert--error').textContent()), new RegExp(`Le carnet ${formatBookletNumber(toHand)} a déjà été remis\\.`));
    await assertAccessible(page);
    await page.context().close();
  });

  test('an order’s booklets table says « 100 premiers » only when there are more, and the operator reads « du Département »', async () => {
    const funder = await journeys.pageAs('financeur@demo.inclusif.fr');
    await funder.goto(`${baseUrl}/commandes/${paidOrderId}`);
    assert.equal((await funder.locator('#carnets-commande').textContent())?.trim(), 'Carnets de la commande');
    await funder.goto(`${baseUrl}/commandes/${placedOrderId}`);
    assert.equal((await funder.locator('#carnets-commande').textContent())?.trim(), 'Carnets de la commande');
    await funder.context().close();

    const operator = await journeys.pageAs('admin@demo.inclusif.fr', PHONE);
    await operator.goto(`${baseUrl}/admin/recherche?q=${handedCode}`);
    assert.match((await operator.locator('main').textContent()) ?? '', /commande n° \d+ du Département de Loire-Atlantique, paiement/);
    await assertAccessible(operator);
    await operator.context().close();
  });
});
