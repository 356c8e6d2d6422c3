import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

/** What a first-time user reads on the places pages: the names of the communes and the form's refusals. */
describe(`places: French of a first visit in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    journeys = await startJourneys(undefined, { mapTilesUrl: '' });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('a commune whose name opens with an article reads « du Pellerin », « des Herbiers », not « de Le Pellerin »', async () => {
    const page = await journeys.pageAs(null, { width: 360, height: 740 }, { javaScript: false });
    await page.goto(`${baseUrl}/lieux?near=${encodeURIComponent('Les Herbiers')}&radiusKm=5`);
    assert.match((await page.locator('#resultats').textContent()) ?? '', /^Aucun lieu trouvé à moins de 5 km des Herbiers \(85\)$/);
    assert.match((await page.locator('#recherche-vide').textContent()) ?? '', /Aucun lieu enregistré n’est à moins de 5 km des Herbiers \(85\)\./);
    await page.goto(`${baseUrl}/lieux?near=${encodeURIComponent('Le Pellerin')}&radiusKm=5`);
    assert.match((await page.locator('#resultats').textContent()) ?? '', / km du Pellerin \(44\)$/);
    await page.goto(`${baseUrl}/lieux?near=Orvault&radiusKm=5`);
    assert.match((await page.locator('#resultats').textContent()) ?? '', / km d’Orvault \(44\)$/);
    await page.context().close();
  });

  test('a refused place form names its fields in French and its phone hint agrees with the form', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', { width: 360, height: 740 });
    await page.goto(`${baseUrl}/lieux/nouveau`);
    await page.fill('#nom', 'Atelier numérique des Dervallières');
    await page.fill('#adresse', '12 rue Auguste Renoir');
    await page.fill('#code_postal', '44100');
    await page.fill('#commune', '44100');
    await page.fill('#telephone', '02 40 12 34');
    await page.fill('#courriels', 'contact@dervallieres');
    await page.getByRole('button', { name: 'Enregistrer', exact: true }).click();
    const summary = (await page.locator('.fr-alert--error').first().textContent()) ?? '';
    assert.match(summary, /^Le lieu n’est pas enregistré : /);
    assert.match(summary, /téléphone : « 02 40 12 34 » n’est pas un numéro de téléphone \(10 chiffres, par exemple 02 40 00 00 00,/);
    assert.match(summary, /courriels : « contact@dervallieres » n’est pas une adresse électronique/);
    assert.doesNotMatch(summary, /telephone|site_web|code_postal/, 'no column name of the standard file in a form’s message');
    assert.match((await page.locator('#telephone-erreur').textContent()) ?? '', /10 chiffres, par exemple 02 40 00 00 00/);
    // Nothing typed is lost.
    assert.equal(await page.locator('#telephone').inputValue(), '02 40 12 34');
    assert.equal(await page.locator('#nom').inputValue(), 'Atelier numérique des Dervallières');
    await assertAccessible(page);
    await page.context().close();
  });
});
