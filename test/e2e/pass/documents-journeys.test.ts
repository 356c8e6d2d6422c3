import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unzipSync } from 'fflate';
import type { Page } from 'playwright-core';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };
/** A co-funder's name as some are: long, with a word longer than a phone's width. */
const LONG_NAME = 'Établissement public intercommunal de coopération numérique Loire-Atlantique-Vendée-Ille-et-Vilaine-Maine-et-Loire';

async function fitsPhone(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${page.url()} : ${width}px de large`);
}

describe(`documents people print and read, in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let code: string;
  let funders: string[];
  let funderId: number;

  before(async () => {
    journeys = await startJourneys();
    const { db, secret } = journeys.platform;
    const voucher = await db.selectFrom('vouchers as v').innerJoin('booklets as b', 'b.id', 'v.booklet_id').select(['v.serial', 'v.order_id']).where('b.handed_at', 'is not', null).orderBy('v.serial').executeTakeFirstOrThrow();
    code = formatVoucherCode(makeVoucherCode(secret, voucher.serial));
    const cofunders = await db.selectFrom('order_cofunding as c').innerJoin('organisations as o', 'o.id', 'c.organisation_id').select(['o.id', 'o.name']).where('c.order_id', '=', voucher.order_id).orderBy('c.share_bp', 'desc').execute();
    assert.ok(cofunders.length >= 2, 'the demo order has several co-funders');
    await db.updateTable('organisations').set({ name: LONG_NAME }).where('id', '=', cofunders[1]!.id).execute();
    funders = [cofunders[0]!.name, LONG_NAME, ...cofunders.slice(2).map((c) => c.name)];
    funderId = (await db.selectFrom('memberships as m').innerJoin('users as u', 'u.id', 'm.user_id').select('m.organisation_id').where('u.email', '=', 'financeur@demo.inclusif.fr').executeTakeFirstOrThrow()).organisation_id;
  });
  after(() => journeys?.close());

  test('the page of a scanned voucher names every co-funder, long names wrapped on a phone, without JavaScript', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${journeys.baseUrl}/c/${code}`);
    await page.getByText('Financé par :').waitFor();
    assert.deepEqual(await page.locator('#financeurs li').allInnerTexts(), funders);
    await fitsPhone(page);
    const overflowing = await page.evaluate(() => [...document.querySelectorAll('#financeurs li')].filter((li) => li.scrollWidth > li.clientWidth).length);
    assert.equal(overflowing, 0, 'no name runs out of its line');
    await page.context().close();
    const withScripts = await journeys.pageAs(null, PHONE);
    await withScripts.goto(`${journeys.baseUrl}/c/${code}`);
    await assertAccessible(withScripts);
    await withScripts.context().close();
  });

  test('a funder downloads the report: the tables as a ZIP of CSV files, the PDF with amounts written the French way', async () => {
    const page = await journeys.pageAs('financeur@demo.inclusif.fr');
    await page.goto(`${journeys.baseUrl}/financeurs/${funderId}/rapport`);
    await page.getByRole('columnheader', { name: 'Engagement du financeur (sa part)' }).waitFor();
    await assertAccessible(page);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'telechargements-'));
    const [zip] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Télécharger les tableaux \(ZIP/ }).click()]);
    assert.match(zip.suggestedFilename(), /^rapport-financeur-\d+\.zip$/);
    await zip.saveAs(path.join(dir, 'rapport.zip'));
    const files = unzipSync(new Uint8Array(readFileSync(path.join(dir, 'rapport.zip'))));
    assert.deepEqual(Object.keys(files), ['commandes.csv', 'valeur-expiree-rendue.csv', 'public-atteint.csv', 'progres.csv']);
    assert.match(new TextDecoder('utf-8', { ignoreBOM: true }).decode(files['commandes.csv']), /^\uFEFFCommande;Programme;Rôle du financeur;/);
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Télécharger (PDF)' }).click()]);
    await pdf.saveAs(path.join(dir, 'rapport.pdf'));
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 'rapport.pdf'), '-'], { encoding: 'utf8' });
    assert.match(text, /Montant de la commande entière : \d{1,3}( \d{3})*,\d\d €/);
    assert.doesNotMatch(text, /\d \/\d/, 'no « 2 /000,00 € »');
    await page.context().close();
  });
});
