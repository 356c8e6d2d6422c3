import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUser } from '../../../src/accounts/use-cases/store.js';
import { DEMO_PASSWORD } from '../../../src/demo/seed.js';
import { createNotificationDispatcher } from '../../../src/notifications/use-cases/dispatch.js';
import { captureMailer } from '../../../src/shared/mailer.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PLACE = 'Médiathèque Jacques Demy';
const COLLEAGUE = 'collegue.mediatheque@demo.inclusif.fr';
const PHONE = { width: 360, height: 800 };

describe(`notifications journeys in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let placeId: number;

  before(async () => {
    journeys = await startJourneys(async (platform) => {
      const place = await platform.db.selectFrom('places').select(['id', 'organisation_id']).where('name', '=', PLACE).executeTakeFirstOrThrow();
      placeId = place.id;
      // A second mediator of the library: the two-person rule's other person.
      await createUser(platform.db, { email: COLLEAGUE, displayName: 'Seconde médiatrice de la médiathèque', password: DEMO_PASSWORD, organisationId: place.organisation_id!, role: 'mediator', isOrgAdmin: false }, null);
      // What the demo journaled (order paid, booklets allocated) is notified, as the server's minute job would.
      await createNotificationDispatcher(platform.db, captureMailer(), 'http://localhost', (error) => { throw error; }).run();
    });
    ({ baseUrl } = journeys);
  });
  after(() => journeys?.close());

  test('a mediator enters the IBAN; a colleague sees it in the header at 360 px, opens the inbox, follows the link, confirms, and the count drops', async () => {
    const mediator = await journeys.pageAs('mediateur@demo.inclusif.fr');
    await mediator.goto(`${baseUrl}/lieux/${placeId}/banque`);
    await mediator.getByLabel(/Titulaire du compte/).fill('Ville de Nantes — Médiathèque');
    await mediator.getByLabel(/^IBAN/).fill('FR76 3000 6000 0112 3456 7890 189');
    await mediator.getByLabel(/^BIC/).fill('AGRIFRPP');
    await mediator.getByRole('button', { name: 'Enregistrer' }).click();
    await mediator.getByText(/doit maintenant les confirmer/).waitFor();
    // Not for the person who entered them.
    assert.equal(await mediator.getByRole('link', { name: /^Notifications \(/ }).count(), 0, 'rien à traiter pour la personne qui a saisi');
    await mediator.context().close();

    const colleague = await journeys.pageAs(COLLEAGUE, PHONE);
    const badge = colleague.getByRole('link', { name: 'Notifications (1)' });
    await badge.waitFor();
    assert.ok(await badge.isVisible(), 'le compte est visible dans l’en-tête à 360 px');
    const box = await badge.boundingBox();
    assert.ok(box && box.x >= 0 && box.x + box.width <= PHONE.width, 'dans la largeur de l’écran');
    await assertAccessible(colleague);
    await badge.click();
    await colleague.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    await colleague.getByRole('heading', { level: 3, name: `Coordonnées bancaires à confirmer : ${PLACE}` }).waitFor();
    assert.equal(await colleague.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), true, 'pas de défilement horizontal');
    await assertAccessible(colleague);
    await colleague.getByRole('link', { name: /^Vérifier et confirmer/ }).click();
    await colleague.waitForURL(`${baseUrl}/lieux/${placeId}/banque`);
    await colleague.getByRole('button', { name: 'Confirmer ces coordonnées' }).click();
    await colleague.getByText(/Coordonnées bancaires confirmées/).waitFor();
    await colleague.getByRole('link', { name: 'Notifications', exact: true }).waitFor();
    await assertAccessible(colleague);
    await colleague.getByRole('link', { name: 'Notifications', exact: true }).click();
    await colleague.getByText('Rien ne vous attend pour l’instant.').waitFor();
    await colleague.context().close();
  });

  test('the funder reads that its order is paid and marks it read, without JavaScript', async () => {
    const funder = await journeys.pageAs('financeur@demo.inclusif.fr', PHONE, { javaScript: false });
    const badge = funder.getByRole('link', { name: /^Notifications \(\d+\)$/ });
    const before = Number(/\((\d+)\)/.exec((await badge.textContent()) ?? '')![1]);
    await badge.click();
    await funder.getByRole('heading', { level: 3, name: /Commande n° \d+ payée : 20\scarnets à attribuer/ }).waitFor();
    await funder.getByRole('button', { name: /^Marquer comme lue : Commande n° \d+ payée/ }).click();
    await funder.getByText('Notification marquée comme lue.').waitFor();
    await funder.getByRole('link', { name: before > 1 ? `Notifications (${before - 1})` : 'Notifications', exact: true }).waitFor();
    assert.equal(await funder.getByRole('button', { name: /^Marquer comme lue : Commande n° \d+ payée/ }).count(), 0);
    await funder.context().close();
    // The same inbox with JavaScript, for the accessibility audit (axe-core runs in the page).
    const audited = await journeys.pageAs('financeur@demo.inclusif.fr', PHONE);
    await audited.goto(`${baseUrl}/notifications`);
    await audited.getByRole('heading', { level: 3, name: /Commande n° \d+ payée/ }).waitFor();
    await assertAccessible(audited);
    await audited.context().close();
  });
});
