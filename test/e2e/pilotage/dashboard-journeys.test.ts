import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';
import { seedDemoActivity } from '../../../src/demo/activity.js';

const PHONE = { width: 360, height: 740 };

describe(`pilotage dashboards in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    // The demo's year of activity (and the cube rebuilt from it), so that every dashboard shows numbers.
    journeys = await startJourneys(async (platform) => { await seedDemoActivity(platform.db); });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('the administration opens France, drills down to a département then a commune, and downloads the CSV; accessible at 360 px', async () => {
    const page = await journeys.pageAs('admin@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/pilotage`);
    assert.match((await page.locator('h1').textContent()) ?? '', /^Pilotage : France, du /);
    await assertAccessible(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `la page tient dans l’écran d’un téléphone (${width}px)`);
    // France → régions → départements → communes, following the table's links.
    await page.locator('#ventilation').getByRole('link', { name: 'Pays de la Loire' }).click();
    await page.waitForURL(/level=region&code=52/);
    await page.locator('#ventilation').getByRole('link', { name: /^Loire-Atlantique/ }).click();
    await page.waitForURL(/level=departement&code=44/);
    assert.match((await page.locator('h1').textContent()) ?? '', /Loire-Atlantique/);
    const commune = page.locator('#ventilation tbody a').first();
    const communeName = ((await commune.textContent()) ?? '').trim();
    await commune.click();
    await page.waitForURL(/level=commune&code=/);
    assert.ok(((await page.locator('h1').textContent()) ?? '').includes(communeName.replace(/ \(\d+\)$/, '')), communeName);
    await assertAccessible(page);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Télécharger (CSV)' }).click();
    const file = await download;
    assert.match(file.suggestedFilename(), /^pilotage-commune-.*\.csv$/);
    const csv = await readFile((await file.path())!, 'utf8');
    assert.match(csv, /^\uFEFFVentilation;Code;Libellé;Indicateur;Identifiant;Valeur/);
    await page.context().close();
  });

  test('a funder sees only its programmes: the filter is its own, another funder’s figures are refused', async () => {
    const page = await journeys.pageAs('financeur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/pilotage`);
    const funder = await page.locator('input[name="funder"]').getAttribute('value');
    assert.ok(funder && /^\d+$/.test(funder), 'the funder’s own organisation is the filter');
    const numbers = await page.locator('#carte-vouchers_handed [data-indicator="vouchers_handed"]').textContent();
    assert.ok(numbers && numbers.trim() !== '', 'cards are drawn');
    await assertAccessible(page);
    const other = await journeys.platform.db.selectFrom('organisations').select('id').where('name', 'like', 'État%').executeTakeFirstOrThrow();
    const refused = await page.goto(`${baseUrl}/pilotage?funder=${other.id}`);
    assert.equal(refused?.status(), 403);
    assert.match((await page.locator('main').textContent()) ?? '', /ne font pas partie de votre périmètre/);
    await page.context().close();
  });

  test('a prescriber reads its sleeping booklets, the administration sets the nudges with a French refusal on the form; accessible at 360 px', async () => {
    const prescriber = await journeys.pageAs('prescripteur@demo.inclusif.fr', PHONE);
    await prescriber.goto(`${baseUrl}/pilotage/dormants`);
    assert.match((await prescriber.locator('h1').textContent()) ?? '', /dorment/i);
    await assertAccessible(prescriber);
    const width = await prescriber.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= PHONE.width, `la page tient dans l’écran d’un téléphone (${width}px)`);
    await prescriber.context().close();

    const admin = await journeys.pageAs('admin@demo.inclusif.fr', PHONE);
    await admin.goto(`${baseUrl}/pilotage/relances`);
    await assertAccessible(admin);
    const form = admin.locator('form[action="/pilotage/relances"]');
    // The browser's own check (min 1) would stop the value first: the server's refusal is what is tested here.
    await form.evaluate((f) => f.setAttribute('novalidate', ''));
    await form.locator('input[type="number"]').first().fill('0');
    await form.getByRole('button', { name: 'Enregistrer les réglages' }).click();
    await admin.waitForLoadState();
    assert.match((await admin.getByRole('alert').first().textContent()) ?? '', /jour/, 'the refusal is shown in French on the form');
    await assertAccessible(admin);
    await admin.context().close();
  });
});
