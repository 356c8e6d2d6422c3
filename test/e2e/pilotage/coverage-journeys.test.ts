import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { refreshCoverage } from '../../../src/pilotage/use-cases/coverage.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };

/** The coverage maps without JavaScript on a phone: France, a click on a département, its communes. */
describe(`coverage maps in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;

  before(async () => {
    journeys = await startJourneys((platform) => refreshCoverage(platform.db).then(() => undefined));
  });
  after(() => journeys?.close());

  test('France map → click Loire-Atlantique → its communes, worst served first, with the table and the CSV', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${journeys.baseUrl}/pilotage/couverture`);
    const map = page.getByRole('img', { name: /Carte de France par département/ });
    await map.waitFor();
    assert.equal(await page.locator('svg#carte-france path[id^="dep-"]').count(), 101);
    assert.ok((await page.locator('#couverture-departements tbody tr').count()) >= 3);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width, 'fits a phone');
    const france = page.url();
    // The mouse's layer over the map (the image itself holds no link): a click where Loire-Atlantique is drawn.
    await page.locator('#dep-44').scrollIntoViewIfNeeded();
    const box = (await page.locator('#dep-44').boundingBox())!;
    assert.ok(box.width < PHONE.width / 4, `Loire-Atlantique is a département, not the rest of the world (${box.width}px)`);
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForURL(/\/pilotage\/couverture\/44$/);
    await page.getByRole('heading', { level: 1, name: /Loire-Atlantique \(44\) : couverture par commune/ }).waitFor();
    assert.ok((await page.locator('svg#carte-departement circle').count()) > 100, 'one dot per commune');
    const first = (await page.locator('#couverture-communes tbody tr').first().locator('th').textContent()) ?? '';
    assert.match(first, /\(44\d{3}\)/);
    assert.equal(await page.locator('a[href="/pilotage/couverture/44.csv"]').count(), 1);
    assert.ok((await page.evaluate(() => document.documentElement.scrollWidth)) <= PHONE.width, 'fits a phone');
    // axe-core runs as a script: the same pages, opened where scripts run.
    const audit = await journeys.pageAs(null, PHONE);
    for (const url of [france, page.url()]) {
      await audit.goto(url);
      await assertAccessible(audit);
    }
    await audit.context().close();
    await page.context().close();
  });
});
