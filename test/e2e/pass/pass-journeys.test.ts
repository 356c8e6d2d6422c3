import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { bookletPin, formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { testDatabaseKind } from '../../support/platform.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { assertAccessible } from '../../support/browser.js';

describe(`pass numérique journeys in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let platform: Journeys['platform'];
  let baseUrl: string;
  let orderId: number;
  let bookletNumber: string;
  let redeemedCode: string;
  const pageAs = (email: string | null, viewport?: { width: number; height: number }) => journeys.pageAs(email, viewport);

  before(async () => {
    journeys = await startJourneys();
    ({ platform, baseUrl } = journeys);
  });
  after(() => journeys?.close());

  test('a funder orders booklets', async () => {
    const page = await pageAs('financeur@demo.inclusif.fr');
    await assertAccessible(page);
    await page.getByRole('link', { name: 'Commandes' }).first().click();
    await assertAccessible(page);
    await page.getByLabel('Nombre de carnets').fill('3');
    await page.getByRole('button', { name: 'Commander' }).click();
    await page.waitForURL(/\/commandes\/\d+$/);
    orderId = Number(page.url().split('/').pop());
    assert.equal(await page.locator('#statut-commande').textContent(), 'Commandée');
    await assertAccessible(page);
    await page.context().close();
  });

  test('the operator issues the order and records the payment', async () => {
    const page = await pageAs('admin@demo.inclusif.fr');
    await page.goto(`${baseUrl}/commandes/${orderId}`);
    await page.getByRole('button', { name: 'Émettre les carnets' }).click();
    await page.getByText(/3\s+carnets et 30\s+chèques émis\./).waitFor();
    await page.getByLabel('Référence du paiement').fill('VIR-2026-E2E');
    await page.getByRole('button', { name: /Enregistrer le paiement/ }).click();
    await page.getByText(/Paiement enregistré : 30\s+chèques activés\./).waitFor();
    assert.equal(await page.locator('#statut-commande').textContent(), 'Payée, chèques actifs');
    await assertAccessible(page);
    await page.goto(`${baseUrl}/admin`);
    assert.match((await page.locator('#etat-grand-livre').textContent()) ?? '', /équilibré/);
    await assertAccessible(page);
    await page.context().close();
  });

  test('the funder allocates a booklet to the CAF', async () => {
    const page = await pageAs('financeur@demo.inclusif.fr');
    await page.goto(`${baseUrl}/commandes/${orderId}`);
    await page.getByLabel('Structure prescriptrice').selectOption({ label: 'CAF de Loire-Atlantique' });
    await page.getByLabel('Nombre de carnets').fill('1');
    await page.getByRole('button', { name: 'Attribuer' }).click();
    await page.getByText(/^1\s+carnet attribué\.$/).waitFor();
    await assertAccessible(page);
    const booklet = await platform.db.selectFrom('booklets').select('number').where('order_id', '=', orderId).where('allocated_organisation_id', 'is not', null).executeTakeFirstOrThrow();
    bookletNumber = booklet.number;
    assert.ok(await page.getByRole('cell', { name: formatBookletNumber(bookletNumber) }).isVisible());
    await page.context().close();
  });

  test('a prescriber hands the booklet with a pseudonymous profile', async () => {
    const page = await pageAs('prescripteur@demo.inclusif.fr');
    await page.goto(`${baseUrl}/carnets`);
    await assertAccessible(page);
    await page.getByLabel('Numéro du carnet').fill(formatBookletNumber(bookletNumber));
    await page.getByLabel('Tranche d’âge').selectOption('60-74');
    await page.getByLabel(/Commune de résidence/).fill('44000');
    await page.getByLabel('Situation').selectOption('retiree');
    await page.getByLabel(/Niveau au diagnostic/).selectOption('1');
    await page.getByRole('button', { name: 'Remettre le carnet' }).click();
    await page.getByText(new RegExp(`Carnet ${formatBookletNumber(bookletNumber)} remis : 10\\s+chèques utilisables\\.`)).waitFor();
    await assertAccessible(page);
    await page.context().close();
  });

  test('a mediator redeems a voucher on a phone-sized screen', async () => {
    const page = await pageAs('mediateur@demo.inclusif.fr', { width: 360, height: 740 });
    await page.goto(`${baseUrl}/encaisser`);
    await assertAccessible(page);
    const booklet = await platform.db.selectFrom('booklets').select('id').where('number', '=', bookletNumber).executeTakeFirstOrThrow();
    const voucher = await platform.db.selectFrom('vouchers').select('serial').where('booklet_id', '=', booklet.id).orderBy('serial').executeTakeFirstOrThrow();
    redeemedCode = formatVoucherCode(makeVoucherCode(platform.secret, voucher.serial));
    await page.getByLabel(/Code du chèque/).fill(redeemedCode.toLowerCase());
    await page.getByRole('button', { name: 'Encaisser', exact: true }).click();
    await page.getByText('Chèque accepté').waitFor();
    assert.ok(await page.getByRole('cell', { name: redeemedCode }).isVisible());
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `la page tient dans l’écran d’un téléphone (${width}px)`);
    await assertAccessible(page);
    await page.getByLabel(/Code du chèque/).fill(redeemedCode);
    await page.getByRole('button', { name: 'Encaisser', exact: true }).click();
    await page.getByText(/Ce chèque a déjà été utilisé le .* à « Médiathèque Jacques Demy »/).waitFor();
    await page.context().close();
  });

  test('a beneficiary checks the balance with the number and PIN', async () => {
    const page = await pageAs(null, { width: 360, height: 740 });
    await page.goto(`${baseUrl}/`);
    await assertAccessible(page);
    await page.getByRole('link', { name: 'Voir mon carnet' }).click();
    await assertAccessible(page);
    const booklet = await platform.db.selectFrom('booklets').select(['id', 'pin_digits']).where('number', '=', bookletNumber).executeTakeFirstOrThrow();
    await page.getByLabel(/Numéro du carnet/).fill(formatBookletNumber(bookletNumber));
    await page.getByLabel(/Code secret/).fill(bookletPin(platform.secret, booklet.id, booklet.pin_digits));
    await page.getByRole('button', { name: 'Voir mes chèques' }).click();
    assert.equal(await page.locator('#solde').textContent(), 'Il vous reste 9\u00a0chèques.');
    await assertAccessible(page);
    await page.goto(`${baseUrl}/carnet`);
    await page.getByLabel(/Numéro du carnet/).fill(bookletNumber);
    const pin = bookletPin(platform.secret, booklet.id, booklet.pin_digits);
    await page.getByLabel(/Code secret/).fill(pin === '123456' ? '999999' : '123456');
    await page.getByRole('button', { name: 'Voir mes chèques' }).click();
    await page.getByText('Nous ne trouvons pas ce carnet.', { exact: false }).waitFor();
    await assertAccessible(page);
    await page.context().close();
  });

  test('an organisation administrator invites a colleague, who joins and signs out', async () => {
    const page = await pageAs('prescripteur@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Mon organisation' }).first().click();
    await assertAccessible(page);
    await page.getByLabel('Adresse e-mail du collègue').fill('nouvelle.collegue@caf.test.fr');
    await page.getByRole('button', { name: 'Envoyer l’invitation' }).click();
    // Post/Redirect/Get: the organisation page shows the message once, with the link as a fallback.
    await page.waitForURL(/\/organisation$/);
    const message = (await page.locator('.fr-alert--success').textContent())!;
    const link = /https?:\/\/\S+\/invitation\/\S+/.exec(message)![0];
    await assertAccessible(page);
    await page.context().close();

    const colleague = await pageAs(null, { width: 360, height: 740 });
    await colleague.goto(`${baseUrl}${new URL(link).pathname}`);
    await assertAccessible(colleague);
    await colleague.getByLabel(/Votre nom/).fill('Nouvelle collègue');
    await colleague.getByLabel(/Mot de passe/).fill('un-mot-de-passe-solide');
    await colleague.getByRole('button', { name: 'Créer mon accès' }).click();
    await colleague.waitForURL(`${baseUrl}/espace`);
    await colleague.getByText('CAF de Loire-Atlantique : Prescripteur').waitFor();
    await assertAccessible(colleague);
    await colleague.getByRole('button', { name: 'Se déconnecter' }).click();
    await colleague.waitForURL(`${baseUrl}/`);
    await colleague.goto(`${baseUrl}/espace`);
    await colleague.waitForURL(/\/connexion/);
    await colleague.context().close();
  });

  test('a second place cannot see the first place’s redemption', async () => {
    const page = await pageAs('mediateur2@demo.inclusif.fr');
    await page.goto(`${baseUrl}/encaisser`);
    assert.equal(await page.getByRole('cell', { name: redeemedCode }).count(), 0);
    assert.ok(await page.getByText('Aucun encaissement pour l’instant.').isVisible());
    await page.goto(`${baseUrl}/commandes`);
    assert.match((await page.locator('h1').textContent()) ?? '', /Action impossible/);
    await page.context().close();
  });
});
