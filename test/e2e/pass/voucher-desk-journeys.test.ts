import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { bookletPin, formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };

/** The page fits a phone's width: nothing to scroll sideways. */
async function fitsPhone(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${page.url()} : ${width}px de large`);
}

describe(`the voucher’s page and the booklet’s page, steps connected, in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let booklet: { id: number; number: string; pin: string };
  let codes: string[];

  before(async () => {
    journeys = await startJourneys();
    ({ baseUrl } = journeys);
    const { db, secret } = journeys.platform;
    // A booklet the demo's CAF handed to a person living in Nantes.
    const row = await db.selectFrom('booklets').select(['id', 'number', 'pin_digits']).where('handed_at', 'is not', null).where('profile_commune_code', '=', '44109').orderBy('id').executeTakeFirstOrThrow();
    booklet = { id: row.id, number: row.number, pin: bookletPin(secret, row.id, row.pin_digits) };
    const vouchers = await db.selectFrom('vouchers').select('serial').where('booklet_id', '=', row.id).orderBy('serial').execute();
    codes = vouchers.map((v) => formatVoucherCode(makeVoucherCode(secret, v.serial)));
  });
  after(() => journeys?.close());

  test('a person without an account sees the voucher’s page, without JavaScript, and no desk action', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/c/${codes[0]}`);
    await page.getByText(/Ce chèque peut être utilisé jusqu’au/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Encaisser ce chèque' }).count(), 0);
    await fitsPhone(page);
    await page.context().close();
    const withScripts = await journeys.pageAs(null, PHONE);
    await withScripts.goto(`${baseUrl}/c/${codes[0]}`);
    await assertAccessible(withScripts);
    await withScripts.context().close();
    // Another role signed in: no action either.
    const prescriber = await journeys.pageAs('prescripteur@demo.inclusif.fr', PHONE);
    await prescriber.goto(`${baseUrl}/c/${codes[0]}`);
    await prescriber.getByText(/Ce chèque peut être utilisé/).waitFor();
    assert.equal(await prescriber.getByRole('button', { name: 'Encaisser ce chèque' }).count(), 0);
    await prescriber.context().close();
  });

  test('a mediator signed in opens the QR code’s page on a phone and cashes the voucher there', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/c/${codes[0]}`);
    await page.getByRole('heading', { name: 'Encaisser ce chèque' }).waitFor();
    await page.getByText('Lieu : Médiathèque Jacques Demy (Nantes).').waitFor();
    await assertAccessible(page);
    await fitsPhone(page);
    await page.getByRole('button', { name: 'Encaisser ce chèque' }).click();
    await page.waitForURL(`${baseUrl}/c/${codes[0]}`);
    await page.getByText(new RegExp(`Chèque ${codes[0]} encaissé à « Médiathèque Jacques Demy » : 10,00\\s€`)).waitFor();
    await page.getByText(/Ce chèque a déjà été utilisé le/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Encaisser ce chèque' }).count(), 0, 'plus rien à encaisser');
    await assertAccessible(page);
    // A reload shows the page again, not the message: the form was answered by a redirection.
    await page.reload();
    assert.equal(await page.getByText(/encaissé à « Médiathèque Jacques Demy »/).count(), 0);
    const status = await journeys.platform.db.selectFrom('vouchers').select('status').where('booklet_id', '=', booklet.id).orderBy('serial').executeTakeFirstOrThrow();
    assert.equal(status.status, 'redeemed');
    await page.context().close();
  });

  test('the person checks the booklet page without JavaScript: where and when each voucher was used, and the way to measure progress', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/carnet`);
    await page.getByLabel(/Numéro du carnet/).fill(formatBookletNumber(booklet.number));
    await page.getByLabel(/Code secret/).fill(booklet.pin);
    await page.getByRole('button', { name: 'Voir mes chèques' }).click();
    await page.getByRole('heading', { name: 'Mes chèques utilisés' }).waitFor();
    const lines = await page.locator('ul.ni-history li').allTextContents();
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^Le \d{1,2}(er)? \S+ \d{4}, à Médiathèque Jacques Demy \(Nantes\)$/);
    await fitsPhone(page);
    await page.getByRole('link', { name: 'Mesurer mes progrès' }).click();
    await page.waitForURL(/\/diagnostic\?numero=/);
    assert.equal(await page.getByLabel('Numéro du carnet').inputValue(), booklet.number, 'le numéro suit, le code secret est redemandé');
    await page.getByLabel(/Code secret/).fill(booklet.pin);
    await page.getByRole('button', { name: 'Mesurer mes progrès' }).click();
    await page.getByRole('heading', { level: 1, name: 'Quels appareils avez-vous ?' }).waitFor();
    await page.context().close();

    const withScripts = await journeys.pageAs(null, PHONE);
    await withScripts.goto(`${baseUrl}/carnet`);
    await withScripts.getByLabel(/Numéro du carnet/).fill(booklet.number);
    await withScripts.getByLabel(/Code secret/).fill(booklet.pin);
    await withScripts.getByRole('button', { name: 'Voir mes chèques' }).click();
    await withScripts.getByRole('link', { name: 'Mesurer mes progrès' }).waitFor();
    await assertAccessible(withScripts);
    await withScripts.context().close();
  });

  test('before any voucher is used, no link yet; the second diagnostic is refused with a clear message', async () => {
    const { db, secret } = journeys.platform;
    const row = await db.selectFrom('booklets').select(['id', 'number', 'pin_digits']).where('handed_at', 'is not', null).where('profile_commune_code', '=', '44184').executeTakeFirstOrThrow();
    const pin = bookletPin(secret, row.id, row.pin_digits);
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/carnet`);
    await page.getByLabel(/Numéro du carnet/).fill(row.number);
    await page.getByLabel(/Code secret/).fill(pin);
    await page.getByRole('button', { name: 'Voir mes chèques' }).click();
    await page.getByText('Aucun chèque utilisé pour l’instant.').waitFor();
    assert.equal(await page.getByRole('link', { name: 'Mesurer mes progrès' }).count(), 0);
    await page.getByText(/Après votre premier atelier, vous pourrez refaire le point/).waitFor();
    await page.goto(`${baseUrl}/diagnostic`);
    await page.getByLabel('Numéro du carnet').fill(row.number);
    await page.getByLabel(/Code secret/).fill(pin);
    await page.getByRole('button', { name: 'Mesurer mes progrès' }).click();
    await page.getByText(/aucun chèque de ce carnet n’a encore servi à un atelier ou à un accompagnement\. Revenez après votre premier atelier\./).waitFor();
    await page.context().close();
  });
});
