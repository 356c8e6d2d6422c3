import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PLACE = 'Espace numérique de Saint-Nazaire';
const PHONE = { width: 360, height: 740 };
const REASON = 'Le RIB joint est celui d’une personne, pas de la structure du lieu.';

const fitsPhone = async (page: Page) => {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 360, `la page tient dans l’écran d’un téléphone (${width}px)`);
};

describe(`bank details refused with a reason, in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let placeId: number;

  before(async () => {
    journeys = await startJourneys(async (platform) => {
      placeId = (await platform.db.selectFrom('places').select('id').where('name', '=', PLACE).executeTakeFirstOrThrow()).id;
    });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  const enter = async (page: Page, iban: string) => {
    await page.getByLabel(/Titulaire du compte/).fill('Ville de Saint-Nazaire');
    await page.getByLabel(/^IBAN/).fill(iban);
    await page.getByLabel(/^BIC/).fill('AGRIFRPP');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText(/Coordonnées enregistrées/).waitFor();
  };

  test('the mediator enters an IBAN; the hub refuses it with a reason; the mediator reads it and enters new details', async () => {
    const mediator = await journeys.pageAs('mediateur2@demo.inclusif.fr', PHONE);
    await mediator.goto(`${baseUrl}/lieux/${placeId}/banque`);
    await enter(mediator, 'FR76 3000 6000 0112 3456 7890 189');
    assert.equal(await mediator.getByRole('button', { name: 'Refuser ces coordonnées' }).count(), 0, 'pas par la personne qui les a saisies');

    const hub = await journeys.pageAs('hub@demo.inclusif.fr');
    await hub.getByRole('link', { name: 'Remboursements' }).first().click();
    await hub.getByRole('link', { name: PLACE }).click();
    await assertAccessible(hub);
    await hub.getByRole('button', { name: 'Refuser ces coordonnées' }).click();
    // The reason is required: the browser asks for it before anything is sent.
    assert.ok(await hub.locator('#motif:invalid').count(), 'motif obligatoire');
    assert.equal(await hub.locator('#refusees').count(), 0);
    await hub.getByLabel(/^Motif du refus/).fill(REASON);
    await hub.getByRole('button', { name: 'Refuser ces coordonnées' }).click();
    await hub.getByText(/Coordonnées bancaires refusées/).waitFor();
    assert.equal(await hub.locator('#en-attente').count(), 0, 'plus rien à confirmer');
    assert.equal(await hub.locator('#motif-refus').textContent(), REASON);
    await assertAccessible(hub);
    await hub.goto(`${baseUrl}/remboursements`);
    assert.equal(await hub.getByRole('link', { name: PLACE }).count(), 0, 'plus dans les coordonnées à confirmer');
    await hub.context().close();

    await mediator.goto(`${baseUrl}/lieux/${placeId}/banque`);
    await mediator.locator('#refusees').waitFor();
    assert.match((await mediator.locator('#refusees').textContent()) ?? '', /refusé par Coordinatrice du hub/);
    assert.equal(await mediator.locator('#motif-refus').textContent(), REASON);
    await assertAccessible(mediator);
    await fitsPhone(mediator);
    await enter(mediator, 'FR76 3000 6000 0198 7654 3210 173');
    assert.equal(await mediator.locator('#refusees').count(), 0, 'le refus laisse place aux nouvelles coordonnées');
    assert.match((await mediator.locator('#en-attente').textContent()) ?? '', /En attente de confirmation/);
    await assertAccessible(mediator);
    await mediator.context().close();
  });
});
