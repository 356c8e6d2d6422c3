import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';
import { addPlace } from '../../support/world.js';
import { normaliseText } from '../../../src/places/domain/normalise.js';

const PHONE = { width: 360, height: 740 };
const NANTES = { latitude: 47.2184, longitude: -1.5536 };

/** DSFR draws its own boxes over the native inputs: people click the label, so do the tests. */
const tick = (page: Page, label: RegExp) => page.locator('label').filter({ hasText: label }).first().click();
const cardNames = (page: Page) => page.locator('#liste-lieux h3').allTextContents();
const fitsThePhone = async (page: Page) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `la page tient dans l’écran d’un téléphone (${width}px)`);
};

describe(`places search (total, pages, autour de moi, empty search) and the hub’s places in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    journeys = await startJourneys(
      async (platform) => {
        // Enough places around Nantes for several pages of results.
        for (let i = 1; i <= 25; i += 1) {
          const id = await addPlace(platform.db, null, '44109');
          const name = `Point d’accueil numérique n° ${i}`;
          await platform.db.updateTable('places').set({ name, normalised_name: normaliseText(name), latitude: NANTES.latitude + i * 0.003, longitude: NANTES.longitude - i * 0.002 }).where('id', '=', id).execute();
        }
      },
      // Tiles from a port that refuses connections: the map cannot load, the list is the page.
      { mapTilesUrl: 'http://127.0.0.1:9/{z}/{x}/{y}.png' },
    );
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('a search states its total and pages through the results, every filter kept', async () => {
    const page = await journeys.pageAs(null);
    await page.goto(`${baseUrl}/lieux`);
    await page.getByLabel(/Commune ou code postal/).fill('44000');
    await page.getByRole('button', { name: 'Chercher' }).click();
    const heading = page.locator('#resultats');
    await heading.waitFor();
    const total = Number(/^(\d+)\s+lieux trouvés à moins de 30 km/.exec((await heading.textContent()) ?? '')?.[1]);
    assert.ok(total > 25, `${total} lieux`);
    const first = await cardNames(page);
    assert.equal(first.length, 20);
    assert.match((await page.locator('#rang-resultats').textContent()) ?? '', /^Lieux 1 à 20, du plus proche au plus éloigné \(page 1 sur \d+\)\.$/);
    await assertAccessible(page);
    const pages = page.getByRole('navigation', { name: 'Pages des lieux trouvés' });
    await pages.getByRole('link', { name: 'Page suivante' }).click();
    await page.waitForURL(/page=2/);
    assert.match(page.url(), /near=[^&]+/, 'the place searched is kept');
    assert.equal(Number(/^(\d+)/.exec((await page.locator('#resultats').textContent()) ?? '')?.[1]), total);
    assert.match((await page.locator('#rang-resultats').textContent()) ?? '', /^Lieux 21 à /);
    const second = await cardNames(page);
    assert.equal(second.length, Math.min(20, total - 20));
    assert.deepEqual(second.filter((name) => first.includes(name)), [], 'no place on two pages');
    assert.equal(await pages.locator('[aria-current="page"]').textContent(), '2');
    await assertAccessible(page);
    await page.context().close();
  });

  test('an empty search says what was searched and offers to widen it', async () => {
    const page = await journeys.pageAs(null);
    await page.goto(`${baseUrl}/lieux`);
    await page.getByLabel(/Commune ou code postal/).fill('35000');
    await page.getByLabel('Distance maximale').selectOption('10');
    await page.getByText('Filtrer les lieux').click();
    await tick(page, /^Accepte le pass numérique$/);
    await page.getByRole('button', { name: 'Chercher' }).click();
    const empty = page.locator('#recherche-vide');
    await empty.waitFor();
    assert.match((await page.locator('#resultats').textContent()) ?? '', /^Aucun lieu trouvé à moins de 10 km/);
    assert.match((await empty.textContent()) ?? '', /Aucun lieu enregistré n’est à moins de 10 km .* avec ce critère : accepte le pass numérique\./);
    await assertAccessible(page);
    await page.getByRole('link', { name: 'retirer le critère « accepte le pass numérique »' }).click();
    await page.locator('#resultats').waitFor();
    assert.doesNotMatch(page.url(), /acceptsPass/);
    assert.match(page.url(), /radiusKm=10/);
    await page.goBack();
    await page.getByRole('link', { name: 'chercher jusqu’à 30 km' }).click();
    await page.waitForURL(/radiusKm=30/);
    assert.match(page.url(), /acceptsPass=1/);
    await page.context().close();
  });

  test('without JavaScript, on a phone: the search and its pages work, « Autour de moi » stays hidden', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/lieux`);
    assert.equal(await page.getByRole('button', { name: 'Autour de moi' }).isVisible(), false);
    await page.getByLabel(/Commune ou code postal/).fill('44000');
    await page.getByRole('button', { name: 'Chercher' }).click();
    await page.locator('#resultats').waitFor();
    assert.match((await page.locator('#resultats').textContent()) ?? '', /^\d+\s+lieux trouvés/);
    await page.getByRole('navigation', { name: 'Pages des lieux trouvés' }).getByRole('link', { name: 'Page suivante' }).click();
    await page.waitForURL(/page=2/);
    assert.match((await page.locator('#rang-resultats').textContent()) ?? '', /^Lieux 21 à /);
    await fitsThePhone(page);
    await page.context().close();
  });

  test('« Autour de moi » searches around the position the browser gives, and explains when it gives none', async () => {
    const page = await journeys.pageAs(null, PHONE);
    await page.context().grantPermissions(['geolocation'], { origin: baseUrl });
    await page.context().setGeolocation(NANTES);
    await page.goto(`${baseUrl}/lieux`);
    const button = page.getByRole('button', { name: 'Autour de moi' });
    await button.waitFor();
    await assertAccessible(page);
    await button.click();
    await page.waitForURL(/lat=47\.218&lng=-1\.554/);
    assert.match((await page.locator('#resultats').textContent()) ?? '', /^\d+\s+lieux trouvés à moins de 30 km de votre position$/);
    assert.equal((await cardNames(page)).length, 20);
    await fitsThePhone(page);
    await assertAccessible(page);
    await page.context().close();

    const refused = await journeys.pageAs(null, PHONE);
    await refused.goto(`${baseUrl}/lieux`);
    await refused.getByRole('button', { name: 'Autour de moi' }).click();
    await refused.getByText('Votre navigateur ne donne pas votre position : indiquez votre commune ou votre code postal.').waitFor();
    assert.doesNotMatch(refused.url(), /lat=/);
    await refused.getByLabel(/Commune ou code postal/).fill('44000');
    await refused.getByRole('button', { name: 'Chercher' }).click();
    await refused.locator('#resultats').waitFor();
    await refused.context().close();
  });

  test('the hub lists and searches the places of its territory on a phone', async () => {
    const page = await journeys.pageAs('hub@demo.inclusif.fr', PHONE);
    await page.getByRole('link', { name: 'Lieux du territoire' }).first().click();
    await page.getByRole('heading', { level: 1, name: 'Lieux du territoire' }).waitFor();
    const count = page.locator('#nombre');
    const total = Number(/^(\d+)\s+lieux/.exec((await count.textContent()) ?? '')?.[1]);
    assert.ok(total > 40, `${total} lieux`);
    await fitsThePhone(page);
    await assertAccessible(page);
    await page.getByLabel('Label', { exact: true }).selectOption({ label: 'Labellisé' });
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/label=valide/);
    const labelled = Number(/^(\d+)\s+lieux? avec ces filtres/.exec((await count.textContent()) ?? '')?.[1]);
    assert.ok(labelled > 0 && labelled < total, `${labelled} lieux labellisés`);
    await page.getByLabel('Nom, commune ou code postal').fill('point d’accueil');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/texte=/);
    assert.equal((await count.textContent())?.replace(/\s/g, ' '), 'Aucun lieu avec ces filtres');
    await page.getByRole('link', { name: 'Effacer les filtres' }).click();
    await page.getByLabel('Nom, commune ou code postal').fill('point d’accueil');
    await page.getByRole('button', { name: 'Filtrer' }).click();
    await page.waitForURL(/texte=/);
    assert.match((await count.textContent())?.replace(/\s/g, ' ') ?? '', /^25 lieux avec ces filtres — 1 à 20 sur cette page$/);
    await page.getByRole('navigation', { name: 'Pages des lieux du territoire' }).getByRole('link', { name: 'Page suivante' }).click();
    await page.waitForURL(/page=2/);
    assert.match(page.url(), /texte=point/);
    assert.equal(await page.locator('#lieux-territoire tbody tr').count(), 5);
    await fitsThePhone(page);
    await assertAccessible(page);
    await page.context().close();
  });
});
