import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { createOrganisation, createUser } from '../../../src/accounts/use-cases/store.js';
import { DEMO_PASSWORD } from '../../../src/demo/seed.js';
import { luhnDigit } from '../../../src/pass/domain/booklet-number.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { sampleRows, toCsv } from '../../support/places-file.js';
import { testDatabaseKind } from '../../support/platform.js';

const PLACE = 'Médiathèque de la Manufacture';

/** DSFR draws its own boxes over the native inputs: people click the label, so do the tests. */
const tick = (page: Page, label: RegExp) => page.locator('label').filter({ hasText: label }).first().click();

describe(`places journeys in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let siret: string;
  const pageAs = (email: string | null, viewport?: { width: number; height: number }) => journeys.pageAs(email, viewport);

  before(async () => {
    journeys = await startJourneys(
      async (platform) => {
        // The library that runs the place: its mediator will apply for the label once the hub has imported the file.
        const stem = '2144010930001';
        siret = stem + luhnDigit(stem);
        const organisationId = await createOrganisation(platform.db, { name: PLACE, siret, departementCode: '44' }, null);
        await createUser(platform.db, { email: 'manufacture@demo.inclusif.fr', displayName: 'Médiatrice de la Manufacture', password: DEMO_PASSWORD, organisationId, role: 'mediator', isOrgAdmin: true }, null);
      },
      // Tiles from a port that refuses connections: the map cannot load, as without internet, and the list must stay.
      { mapTilesUrl: 'http://127.0.0.1:9/{z}/{x}/{y}.png' },
    );
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('the hub imports a file in the national standard from the upload page', async () => {
    const page = await pageAs('hub@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Labels et lieux' }).first().click();
    await assertAccessible(page);
    await page.getByRole('link', { name: 'Importer des lieux' }).click();
    await assertAccessible(page);
    const rows = sampleRows().map((row, index) => (index === 0 ? { ...row, pivot: siret } : row));
    await page.getByLabel(/^Fichier/).setInputFiles({ name: 'lieux.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(rows)) });
    await page.getByRole('button', { name: 'Importer' }).click();
    await page.getByText(/Import terminé : 3\s+lignes lues ; 3\s+lieux créés, aucun mis à jour, aucun inchangé\./).waitFor();
    await assertAccessible(page);
    // The same file again: nothing changes.
    await page.getByLabel(/^Fichier/).setInputFiles({ name: 'lieux.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(rows)) });
    await page.getByRole('button', { name: 'Importer' }).click();
    await page.getByText(/aucun lieu créé, aucun mis à jour, 3\s+inchangés\./).waitFor();
    // A file with an error is reported line by line and writes nothing.
    const broken = [{ ...rows[0]!, id: 'nouveau-1', code_postal: '4400' }];
    await page.getByLabel(/^Fichier/).setInputFiles({ name: 'erreurs.csv', mimeType: 'text/csv', buffer: Buffer.from(toCsv(broken)) });
    await page.getByRole('button', { name: 'Importer' }).click();
    await page.getByText('Rien n’a été importé').waitFor();
    assert.ok(await page.getByRole('cell', { name: '« 4400 » n’est pas un code postal à 5 chiffres' }).isVisible());
    await assertAccessible(page);
    await page.context().close();
  });

  test('the place’s mediator publishes the offer, accepts the pass and applies for the label', async () => {
    const page = await pageAs('manufacture@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Mes lieux' }).first().click();
    await assertAccessible(page);
    await page.getByRole('link', { name: `Modifier ${PLACE}` }).click();
    await assertAccessible(page);
    // The expert field (OSM syntax) beside the week grid: chosen, then typed.
    await tick(page, /^Saisie experte/);
    await page.getByLabel(/^Horaires au format OpenStreetMap/).fill('de 9 à 5');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.locator('#horaires-erreur').waitFor();
    await page.getByLabel(/^Horaires au format OpenStreetMap/).fill('Mo-Sa 09:00-19:00');
    await tick(page, /^Pass numérique Loire-Atlantique$/);
    await tick(page, /^Oui$/);
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText('La fiche du lieu est enregistrée.').waitFor();
    assert.equal(await page.getByLabel(/^Horaires au format OpenStreetMap/).inputValue(), 'Mo-Sa 09:00-19:00');
    assert.equal(await page.locator('#grille_sa_1_fin').inputValue(), '19:00', 'une valeur simple se relit dans la grille');
    await assertAccessible(page);

    await page.goto(`${baseUrl}/mes-lieux`);
    await page.getByRole('link', { name: `Label de la ${PLACE}` }).click();
    await page.getByRole('button', { name: 'Envoyer la demande' }).click();
    await page.getByText(/Chaque critère doit être rempli/).waitFor();
    for (const label of await page.locator('#criteres label').all()) await label.click();
    await page.getByLabel('Précisions pour le hub').fill('Deux conseillères numériques formées.');
    await page.getByRole('button', { name: 'Envoyer la demande' }).click();
    await page.getByText('Votre demande de label est envoyée au hub de votre territoire.').waitFor();
    assert.equal(await page.locator('#etat-label').textContent(), 'Demande en cours d’examen');
    await assertAccessible(page);
    await page.context().close();
  });

  test('the hub reviews the application and grants the label', async () => {
    const page = await pageAs('hub@demo.inclusif.fr');
    await page.goto(`${baseUrl}/labels`);
    await page.getByRole('link', { name: `Examiner le label de la ${PLACE}` }).click();
    await assertAccessible(page);
    assert.ok(await page.getByText('Précisions du lieu : Deux conseillères numériques formées.').isVisible());
    await tick(page, /^Refuser$/);
    await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await page.getByText(/Indiquez le motif de la décision/).waitFor();
    await tick(page, /^Accorder le label$/);
    await page.getByLabel('Motif').fill('Visite du 20 novembre');
    await page.getByRole('button', { name: 'Enregistrer la décision' }).click();
    await page.getByText('La décision est enregistrée et inscrite au journal.').waitFor();
    const row = page.getByRole('row').filter({ hasText: PLACE });
    assert.match((await row.textContent()) ?? '', /Labellisé jusqu’au/);
    await assertAccessible(page);
    await page.context().close();
  });

  test('a beneficiary on a phone searches by postal code and opens the place page', async () => {
    const page = await pageAs(null, { width: 360, height: 740 });
    await page.goto(baseUrl);
    await page.getByRole('link', { name: 'Trouver un lieu près de chez moi' }).click();
    await assertAccessible(page);
    await page.getByLabel(/Commune ou code postal/).fill('44000');
    await page.getByText('Filtrer les lieux').click();
    await tick(page, /^Accepte le pass numérique$/);
    await page.getByRole('button', { name: 'Chercher' }).click();
    await page.locator('#resultats').waitFor();
    const names = await page.locator('#liste-lieux h3').allTextContents();
    assert.ok(names.includes(PLACE), names.join(', '));
    assert.ok(!names.includes('Espace public numérique de Saint-Herblain'), 'un lieu sans label n’accepte pas le pass');
    // The tiles cannot load here: the list of places is the page, the map only an extra.
    assert.ok(await page.getByRole('link', { name: PLACE }).isVisible());
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `la page tient dans l’écran d’un téléphone (${width}px)`);
    await assertAccessible(page);
    await page.getByRole('link', { name: PLACE }).click();
    await page.getByRole('heading', { level: 1, name: PLACE }).waitFor();
    assert.ok(await page.getByText('Accepte le pass numérique').first().isVisible());
    assert.match((await page.locator('#ouverture').textContent()) ?? '', /^(Ouvert maintenant, ferme|Fermé maintenant, ouvre)/);
    assert.ok(await page.getByText('Accessible en fauteuil roulant').isVisible());
    assert.ok(await page.getByRole('link', { name: 'Calculer l’itinéraire' }).isVisible());
    await assertAccessible(page);
    await page.context().close();
  });
});
