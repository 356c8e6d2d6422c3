import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PLACE = 'Médiathèque Jacques Demy';

describe(`money path journeys in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let platform: Journeys['platform'];
  let baseUrl: string;
  let orderId: number;
  let redeemedSerials: number[];
  const pageAs = (email: string | null, viewport?: { width: number; height: number }) => journeys.pageAs(email, viewport);

  before(async () => {
    journeys = await startJourneys(async (platform) => {
      const placeId = (await platform.db.selectFrom('places').select('id').where('name', '=', PLACE).executeTakeFirstOrThrow()).id;
      // Two vouchers of a handed booklet redeemed at the library: what the run will reimburse.
      const handed = await platform.db.selectFrom('vouchers as v').innerJoin('booklets as b', 'b.id', 'v.booklet_id').select(['v.serial', 'v.order_id']).where('b.handed_at', 'is not', null).orderBy('v.serial').limit(2).execute();
      orderId = handed[0]!.order_id;
      redeemedSerials = handed.map((v) => v.serial);
      const mediator = await platform.db.selectFrom('users').select('id').where('email', '=', 'mediateur@demo.inclusif.fr').executeTakeFirstOrThrow();
      for (const { serial } of handed) await redeemVoucher(platform, (await loadPrincipal(platform.db, mediator.id))!, makeVoucherCode(platform.secret, serial), placeId);
    });
    ({ platform, baseUrl } = journeys);
  });
  after(() => journeys?.close());

  test('the funder downloads the booklets to print and reads its report', async () => {
    const page = await pageAs('financeur@demo.inclusif.fr');
    await page.goto(`${baseUrl}/commandes/${orderId}`);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /Télécharger les carnets à imprimer/ }).click();
    const pdf = await download;
    assert.equal(pdf.suggestedFilename(), `carnets-commande-${orderId}.pdf`);
    await page.getByRole('link', { name: 'Rapport' }).first().click();
    await page.getByRole('heading', { level: 1, name: /Rapport du Département de Loire-Atlantique/ }).waitFor();
    await assertAccessible(page);
    await page.context().close();
  });

  test('a mediator enters the place’s IBAN; it waits for a second person', async () => {
    const page = await pageAs('mediateur@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Mes lieux' }).first().click();
    await page.getByRole('link', { name: `Coordonnées bancaires de la ${PLACE}` }).click();
    await assertAccessible(page);
    await page.getByLabel(/Titulaire du compte/).fill('Ville de Nantes — Médiathèque');
    await page.getByLabel(/^IBAN/).fill('FR76 3000 6000 0112 3456 7890 188');
    await page.getByLabel(/^BIC/).fill('AGRIFRPP');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText(/Cet IBAN n’est pas valide/).waitFor();
    await assertAccessible(page);
    await page.getByLabel(/^IBAN/).fill('FR76 3000 6000 0112 3456 7890 189');
    await page.getByRole('button', { name: 'Enregistrer' }).click();
    await page.getByText(/Une autre personne de votre structure, ou le hub, doit maintenant les confirmer/).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Confirmer ces coordonnées' }).count(), 0, 'pas par la même personne');
    await assertAccessible(page);
    await page.context().close();
  });

  test('the hub confirms the bank details', async () => {
    const page = await pageAs('hub@demo.inclusif.fr');
    await page.getByRole('link', { name: 'Remboursements' }).first().click();
    await assertAccessible(page);
    await page.getByRole('link', { name: PLACE }).click();
    await page.getByRole('button', { name: 'Confirmer ces coordonnées' }).click();
    await page.getByText(/Coordonnées bancaires confirmées/).waitFor();
    assert.match((await page.locator('#compte-actif').textContent()) ?? '', /FR76 •••• .* 189/);
    await assertAccessible(page);
    await page.context().close();
  });

  test('the operator makes a run and gets the transfer file', async () => {
    const page = await pageAs('admin@demo.inclusif.fr');
    await page.goto(`${baseUrl}/remboursements`);
    await assertAccessible(page);
    await page.getByRole('button', { name: 'Préparer le remboursement' }).click();
    await page.waitForURL(/\/remboursements\/\d+$/);
    const row = page.getByRole('row').filter({ hasText: PLACE });
    assert.match((await row.textContent()) ?? '', /20,00\s€/);
    await assertAccessible(page);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /Fichier de virements SEPA/ }).click();
    assert.match((await download).suggestedFilename(), /^virements-NI-RUN-\d{6}-\d{8}\.xml$/);
    await page.context().close();
  });

  test('the place downloads its statement; the public page of a voucher says it was used', async () => {
    const page = await pageAs('mediateur@demo.inclusif.fr', { width: 360, height: 740 });
    await page.goto(`${baseUrl}/releves`);
    await assertAccessible(page);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: /^PDF du relevé/ }).first().click();
    const statement = await download;
    assert.match(statement.suggestedFilename(), /^releve-R\d{6}-S\d{8}\.pdf$/);
    const response = await page.request.get(`${baseUrl}/releves/${(await platform.db.selectFrom('statements').select('id').executeTakeFirstOrThrow()).id}.csv`);
    const csv = await response.text();
    for (const serial of redeemedSerials) assert.ok(csv.includes(formatVoucherCode(makeVoucherCode(platform.secret, serial))));
    await page.goto(`${baseUrl}/c/${formatVoucherCode(makeVoucherCode(platform.secret, redeemedSerials[0]!))}`);
    assert.match((await page.locator('#etat-cheque').textContent()) ?? '', /^Ce chèque a déjà été utilisé le/);
    await assertAccessible(page);
    await page.context().close();
  });
});
