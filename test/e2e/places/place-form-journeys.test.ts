import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';
import { addPlace } from '../../support/world.js';

const NEW_PLACE = 'Espace numérique de la Grille';
const LABELLED = 'Centre socioculturel Château de Rezé';

/** DSFR draws its own boxes over the native inputs: people click the label, so do the tests. */
const tick = (page: Page, label: RegExp) => page.locator('label').filter({ hasText: label }).first().click();
/**
 * axe-core needs JavaScript: the page seen without it is audited as is (its very markup) in a phone-sized page that
 * runs scripts.
 */
async function assertAccessibleWithoutScripts(journeys: Journeys, page: Page) {
  const html = await page.content();
  const audit = await journeys.pageAs(null, { width: 360, height: 740 });
  await audit.goto(page.url().split('?')[0]!.replace(/\/lieux\/.*/, '/'));
  await audit.setContent(html);
  await assertAccessible(audit);
  await audit.context().close();
}

const fitsPhone = async (page: Page) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `la page tient dans l’écran d’un téléphone (${width}px)`);
};

describe(`place form (hours grid) and duplicates merge in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let labelledId: number;
  let copyId: number;

  before(async () => {
    journeys = await startJourneys(async (platform) => {
      // An imported copy of a labelled demo place: same name in the same commune, other source, phone and hours.
      const labelled = await platform.db.selectFrom('places').select(['id', 'commune_code', 'address', 'postal_code', 'commune_name', 'latitude', 'longitude']).where('name', '=', LABELLED).executeTakeFirstOrThrow();
      labelledId = labelled.id;
      copyId = await addPlace(platform.db, null, labelled.commune_code);
      await platform.db.updateTable('places').set({
        name: LABELLED, address: labelled.address, postal_code: labelled.postal_code, commune_name: labelled.commune_name, latitude: labelled.latitude, longitude: labelled.longitude, coordinates_from_commune: false,
        phone: '+33240840000', opening_hours: 'Mo-Sa 09:00-18:00', source: 'Cartographie nationale', summary: 'Fiche de la cartographie nationale',
      }).where('id', '=', copyId).execute();
      await platform.db.insertInto('place_duplicates').values({ place_id: Math.min(labelledId, copyId), other_place_id: Math.max(labelledId, copyId), reason: 'same_name_nearby' }).execute();
    });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('without JavaScript, on a phone, a mediator registers a place with the week grid; a typing error keeps everything', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', { width: 360, height: 740 }, { javaScript: false });
    await page.goto(`${baseUrl}/mes-lieux`);
    await page.getByRole('link', { name: 'Enregistrer un lieu' }).click();
    await page.getByRole('heading', { level: 1, name: 'Enregistrer un lieu' }).waitFor();
    await assertAccessibleWithoutScripts(journeys, page);
    await fitsPhone(page);

    await page.getByLabel('Nom du lieu').fill(NEW_PLACE);
    await page.locator('#adresse').fill('12 rue des Horaires');
    await page.locator('#code_postal').fill('44000');
    await page.locator('#commune').fill('Nantes');
    await tick(page, /^Maîtrise des outils numériques du quotidien$/);
    await tick(page, /^Pass numérique/);
    for (const day of ['mo', 'tu', 'we', 'th', 'fr']) {
      await page.locator(`#grille_${day}_1_debut`).fill('09:00');
      await page.locator(`#grille_${day}_1_fin`).fill('12:00');
      await page.locator(`#grille_${day}_2_debut`).fill('14:00');
      await page.locator(`#grille_${day}_2_fin`).fill('17:00');
    }
    // A typing error: on Saturday the closing time comes before the opening time.
    await page.locator('#grille_sa_1_debut').fill('12:00');
    await page.locator('#grille_sa_1_fin').fill('09:00');
    await tick(page, /^Fermé le dimanche$/);
    await tick(page, /^Fermé les jours fériés$/);
    await page.getByRole('button', { name: 'Enregistrer' }).click();

    await page.locator('#grille-sa-erreur').waitFor();
    assert.match((await page.locator('#grille-sa-erreur').textContent()) ?? '', /samedi, 1re plage : la fermeture \(9 h\) doit venir après l’ouverture \(12 h\)/);
    assert.equal(await page.locator('#grille_mo_2_fin').inputValue(), '17:00', 'la grille est gardée');
    assert.equal(await page.locator('#grille_sa_1_debut').inputValue(), '12:00');
    assert.ok(await page.locator('#grille_su_ferme').isChecked());
    assert.ok(await page.locator('#grille_feries_fermes').isChecked());
    assert.equal(await page.getByLabel('Nom du lieu').inputValue(), NEW_PLACE);
    assert.ok(await page.getByRole('checkbox', { name: 'Maîtrise des outils numériques du quotidien' }).isChecked(), 'le service coché reste coché');
    assert.ok(await page.getByRole('checkbox', { name: /^Pass numérique/ }).isChecked(), 'le programme coché reste coché');
    await assertAccessibleWithoutScripts(journeys, page);
    await fitsPhone(page);

    await page.locator('#grille_sa_1_debut').fill('09:00');
    await page.locator('#grille_sa_1_fin').fill('12:00');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('La fiche du lieu est enregistrée.').waitFor();
    assert.equal(await page.locator('#horaires').inputValue(), 'Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off', 'la valeur OpenStreetMap écrite par le serveur');
    assert.equal(await page.locator('#grille_sa_1_fin').inputValue(), '12:00');
    assert.ok(await page.getByRole('checkbox', { name: /^Pass numérique/ }).isChecked(), 'le pass choisi dès la création');
    await assertAccessibleWithoutScripts(journeys, page);

    await page.getByRole('link', { name: 'Voir la fiche publique' }).click();
    await page.getByRole('heading', { level: 1, name: NEW_PLACE }).waitFor();
    assert.match((await page.getByRole('row', { name: /^Samedi/ }).textContent()) ?? '', /9 h – 12 h/);
    await page.context().close();
  });

  test('with JavaScript, the grid shows a live preview and hides the expert field until it is chosen', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr');
    await page.goto(`${baseUrl}/lieux/nouveau`);
    assert.ok(await page.locator('#saisie-experte').isHidden());
    await page.locator('#grille_we_1_debut').fill('14:00');
    await page.locator('#grille_we_1_fin').fill('18:00');
    await page.locator('#grille_we_1_fin').blur();
    await page.locator('#apercu-horaires').getByText('We 14:00-18:00').waitFor();
    await page.locator('#grille_th_1_debut').fill('18:00');
    await page.locator('#grille_th_1_fin').fill('10:00');
    await page.locator('#grille_th_1_fin').blur();
    await page.locator('#apercu-horaires').getByText(/jeudi, 1re plage : la fermeture/).waitFor();
    await tick(page, /^Saisie experte/);
    assert.ok(await page.locator('#saisie-experte').isVisible());
    assert.ok(await page.locator('#grille-horaires').isHidden());
    await assertAccessible(page);
    await page.context().close();
  });

  test('the hub sees which record is labelled and merges the pair field by field', async () => {
    const page = await journeys.pageAs('hub@demo.inclusif.fr', { width: 360, height: 740 });
    await page.goto(`${baseUrl}/lieux/doublons`);
    await assertAccessible(page);
    const card = page.locator('.fr-card').filter({ hasText: LABELLED });
    assert.match((await card.textContent()) ?? '', /Labellisé du .* au /);
    assert.match((await card.textContent()) ?? '', /Jamais labellisé/);
    await card.getByRole('link', { name: /Comparer et fusionner/ }).click();
    await page.getByRole('heading', { level: 1, name: 'Fusionner deux fiches du même lieu' }).waitFor();
    await assertAccessible(page);
    await fitsPhone(page);
    assert.ok(await page.locator(`#conserver-${labelledId}`).isChecked(), 'la fiche labellisée est proposée');
    // Keep the labelled record's hours, take the copy's phone and summary.
    assert.ok(await page.locator(`#champ-horaires-${labelledId}`).isChecked());
    await page.locator(`label[for="champ-telephone-${copyId}"]`).click();
    await page.locator(`label[for="champ-presentation-${copyId}"]`).click();
    await page.getByRole('button', { name: 'Fusionner les fiches' }).click();
    await page.getByText(/Fiches fusionnées/).waitFor();
    assert.equal(await page.locator('.fr-card').filter({ hasText: LABELLED }).count(), 0, 'la paire n’est plus à examiner');
    await assertAccessible(page);

    await page.goto(`${baseUrl}/lieux/${copyId}`);
    await page.locator('#fiche-fusionnee').getByRole('link', { name: 'la fiche à jour de ce lieu' }).click();
    await page.getByRole('heading', { level: 1, name: LABELLED }).waitFor();
    assert.ok(await page.getByText('Fiche de la cartographie nationale').first().isVisible(), 'la présentation choisie');
    assert.ok(page.url().endsWith(`/lieux/${labelledId}`));
    await page.context().close();
  });
});
