import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { completeTerritories } from '../../../src/territories/use-cases/load.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };

/** DSFR draws its own boxes over the native inputs: people click the label, so do the tests. */
const choose = (page: Page, label: string) => page.locator('label').filter({ hasText: label }).first().click();
const fitsPhone = async (page: Page) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `la page tient dans l’écran d’un téléphone (${width}px)`);
};

describe(`commune inputs in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    // Paris and its arrondissements besides the demo territory (Loire-Atlantique).
    journeys = await startJourneys((platform) => completeTerritories(platform.db, { addDepartements: ['75'] }).then(() => undefined));
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  const freeBooklet = async () => {
    const caf = await journeys.platform.db.selectFrom('organisations').select('id').where('name', '=', 'CAF de Loire-Atlantique').executeTakeFirstOrThrow();
    return journeys.platform.db.selectFrom('booklets').select(['id', 'number']).where('allocated_organisation_id', '=', caf.id).where('handed_at', 'is', null).orderBy('id').executeTakeFirstOrThrow();
  };

  test('places search « Paris » without JavaScript on a phone: the page offers the choice, then searches', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/lieux`);
    await page.getByLabel(/Commune ou code postal/).fill('Paris');
    await page.getByRole('button', { name: 'Chercher' }).click();
    const choice = page.getByRole('group', { name: /Plusieurs communes ou départements correspondent à « Paris »/ });
    await choice.waitFor();
    const options = await choice.locator('label').allTextContents();
    assert.match(options[0]!, /^Paris \(75\)Commune · Paris · 75001 à 75116/);
    assert.match(options[1]!, /^Paris \(département 75\)Département/);
    assert.ok(options.some((o) => /^Paris 16e Arrondissement \(75\)Arrondissement de Paris · 75016, 75116/.test(o)), options.join(' | '));
    assert.equal(await page.locator('#resultats').count(), 0, 'no search before the choice');
    await fitsPhone(page);
    const choiceUrl = page.url();
    await choose(page, 'Paris (75)');
    await page.getByRole('button', { name: 'Chercher' }).click();
    await page.locator('#resultats').waitFor();
    assert.equal(await page.getByLabel(/Commune ou code postal/).inputValue(), 'Paris (75)');
    assert.match((await page.locator('#resultats').textContent()) ?? '', /Paris \(75\)/);
    await fitsPhone(page);
    // axe-core runs as a script: the same two pages, opened where scripts run.
    const audit = await journeys.pageAs(null, PHONE);
    for (const url of [choiceUrl, page.url()]) {
      await audit.goto(url);
      await assertAccessible(audit);
    }
    await audit.context().close();
    // A postal code of an arrondissement needs no choice.
    await page.getByLabel(/Commune ou code postal/).fill('75011');
    await page.getByRole('button', { name: 'Chercher' }).click();
    await page.locator('#resultats').waitFor();
    assert.equal(await page.getByLabel(/Commune ou code postal/).inputValue(), 'Paris 11e Arrondissement (75)');
    await page.context().close();
  });

  test('places search with JavaScript: the combobox proposes, the keyboard chooses, Escape closes', async () => {
    const page = await journeys.pageAs(null);
    await page.goto(`${baseUrl}/lieux`);
    const input = page.getByRole('combobox', { name: /Commune ou code postal/ });
    await input.pressSequentially('st naz', { delay: 30 });
    const list = page.getByRole('listbox', { name: 'Propositions' });
    await list.waitFor();
    assert.equal(await input.getAttribute('aria-expanded'), 'true');
    assert.equal(await input.getAttribute('aria-controls'), await list.getAttribute('id'));
    const first = list.getByRole('option').first();
    assert.match((await first.textContent()) ?? '', /^Saint-Nazaire \(44\)Commune · Loire-Atlantique · 44600/);
    await page.getByRole('status').filter({ hasText: /propositions?\.$/ }).waitFor({ state: 'attached' });
    await assertAccessible(page);
    await input.press('ArrowDown');
    assert.equal(await input.getAttribute('aria-activedescendant'), await first.getAttribute('id'));
    assert.equal(await first.getAttribute('aria-selected'), 'true');
    await input.press('Escape');
    assert.equal(await input.getAttribute('aria-expanded'), 'false');
    assert.ok(await list.isHidden());
    await input.press('ArrowDown');
    assert.equal(await input.getAttribute('aria-expanded'), 'true', 'the arrow opens the list again');
    await input.press('Enter');
    assert.equal(await input.inputValue(), 'Saint-Nazaire (44)');
    assert.equal(await input.getAttribute('aria-expanded'), 'false');
    await input.press('Enter');
    await page.locator('#resultats').waitFor();
    assert.match((await page.locator('#resultats').textContent()) ?? '', /Saint-Nazaire \(44\)/);
    await assertAccessible(page);
    await page.context().close();
  });

  test('a prescriber hands a booklet with a shared postal code, without JavaScript: the choice step, then the hand-out', async () => {
    const page = await journeys.pageAs('prescripteur@demo.inclusif.fr', PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/carnets`);
    for (const select of ['Tranche d’âge', 'Situation']) assert.equal(await page.getByLabel(select).inputValue(), '', `${select} : « Non renseigné » d’abord`);
    const booklet = await freeBooklet();
    await page.locator('#numero').fill(formatBookletNumber(booklet.number));
    await page.getByLabel('Tranche d’âge').selectOption('40-59');
    await page.getByLabel(/Commune de résidence/).fill('44150');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    await page.getByRole('group', { name: /Plusieurs communes correspondent à « 44150 »/ }).waitFor();
    assert.equal(await page.getByLabel('Tranche d’âge').inputValue(), '40-59', 'what was chosen stays');
    await fitsPhone(page);
    await choose(page, 'Vair-sur-Loire (44)');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    await page.getByText(new RegExp(`Carnet ${formatBookletNumber(booklet.number)} remis`)).waitFor();
    const profile = await journeys.platform.db.selectFrom('booklets').select(['profile_commune_code', 'profile_age_band', 'profile_situation']).where('id', '=', booklet.id).executeTakeFirstOrThrow();
    assert.deepEqual(profile, { profile_commune_code: '44163', profile_age_band: '40-59', profile_situation: null });
    await page.context().close();
  });

  test('a prescriber hands booklets with a postal code, with JavaScript: the combobox, or the choice step when it is not used', async () => {
    const page = await journeys.pageAs('prescripteur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/carnets`);
    await assertAccessible(page);
    const shared = await freeBooklet();
    await page.locator('#numero').fill(formatBookletNumber(shared.number));
    const typed = page.getByRole('combobox', { name: /Commune de résidence/ });
    await typed.pressSequentially('44150', { delay: 30 });
    await page.getByRole('option', { name: /^Vair-sur-Loire \(44\)/ }).waitFor();
    await typed.press('Escape');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    const step = page.getByRole('group', { name: /Plusieurs communes correspondent à « 44150 »/ });
    await step.waitFor();
    await assertAccessible(page);
    await fitsPhone(page);
    await choose(page, 'Ancenis-Saint-Géréon (44)');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    await page.getByText(new RegExp(`Carnet ${formatBookletNumber(shared.number)} remis`)).waitFor();
    assert.equal((await journeys.platform.db.selectFrom('booklets').select('profile_commune_code').where('id', '=', shared.id).executeTakeFirstOrThrow()).profile_commune_code, '44003');

    const booklet = await freeBooklet();
    await page.locator('#numero').fill(formatBookletNumber(booklet.number));
    const commune = page.getByRole('combobox', { name: /Commune de résidence/ });
    await commune.pressSequentially('44600', { delay: 30 });
    await page.getByRole('option', { name: /^Saint-Nazaire \(44\)/ }).waitFor();
    await assertAccessible(page);
    await commune.press('ArrowDown');
    await commune.press('Enter');
    assert.equal(await commune.inputValue(), 'Saint-Nazaire (44)');
    await page.getByLabel('Situation').selectOption('job_seeker');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    await page.getByText(new RegExp(`Carnet ${formatBookletNumber(booklet.number)} remis`)).waitFor();
    const profile = await journeys.platform.db.selectFrom('booklets').select(['profile_commune_code', 'profile_age_band', 'profile_situation']).where('id', '=', booklet.id).executeTakeFirstOrThrow();
    assert.deepEqual(profile, { profile_commune_code: '44184', profile_age_band: null, profile_situation: 'job_seeker' });
    await assertAccessible(page);
    await page.context().close();
  });
});
