import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun } from '../../../src/reimbursement/use-cases/runs.js';
import { parisDay } from '../../../src/shared/dates.js';
import { formatEuros, plural } from '../../../src/shared/french.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };
const PLACE = 'Médiathèque Jacques Demy';

/**
 * Forms people use every day: the success message after the redirect, shown once; a form with an error keeps what
 * was typed (programme co-funders and shares, workshop rows with « more rows »); money actions ask for confirmation.
 */
describe(`forms, confirmations and French in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  let codes: string[];
  let runId: number;

  before(async () => {
    journeys = await startJourneys(async (platform) => {
      const { db, secret } = platform;
      const handed = await db.selectFrom('vouchers').select('serial').where('status', '=', 'handed').orderBy('serial').limit(6).execute();
      codes = handed.map((v) => formatVoucherCode(makeVoucherCode(secret, v.serial)));
      // A run to pay: one voucher redeemed at the library, whose bank details are confirmed.
      const place = await db.selectFrom('places').select(['id']).where('name', '=', PLACE).executeTakeFirstOrThrow();
      const mediatorId = (await db.selectFrom('users').select('id').where('email', '=', 'mediateur@demo.inclusif.fr').executeTakeFirstOrThrow()).id;
      const mediator = (await loadPrincipal(db, mediatorId))!;
      const confirmed = await db.selectFrom('bank_accounts').select('id').where('place_id', '=', place.id).where('status', '=', 'confirmed').executeTakeFirst();
      if (!confirmed) {
        const account = await requestBankDetails(db, mediator, place.id, { holderName: 'Ville de Nantes', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
        const adminId = (await db.selectFrom('users').select('id').where('email', '=', 'admin@demo.inclusif.fr').executeTakeFirstOrThrow()).id;
        await confirmBankDetails(db, (await loadPrincipal(db, adminId))!, account);
      }
      await redeemVoucher(platform, mediator, makeVoucherCode(secret, handed.at(-1)!.serial), place.id);
      runId = (await createRun(db, null, parisDay())).runId!;
    });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('a programme form with an error keeps its co-funders and shares; once right, the message shows once', async () => {
    const page = await journeys.pageAs('financeur@demo.inclusif.fr');
    await page.goto(`${baseUrl}/programmes`);
    await page.getByLabel('Nom', { exact: true }).fill('Pass numérique des aînés');
    await page.getByLabel(/^Départements/).fill('44');
    const first = page.locator('#cofunder1');
    const second = page.locator('#cofunder2');
    const firstName = (await first.locator('option').nth(1).textContent())!;
    const secondName = (await second.locator('option').nth(2).textContent())!;
    await first.selectOption({ label: firstName });
    await page.locator('#share1').fill('60');
    await second.selectOption({ label: secondName });
    await page.locator('#share2').fill('30');
    await page.locator('label', { hasText: 'Maîtrise des outils numériques du quotidien' }).first().click();
    await page.getByRole('button', { name: 'Créer le programme' }).click();
    await page.locator('.fr-alert--error').waitFor();
    assert.equal(await page.getByLabel('Nom', { exact: true }).inputValue(), 'Pass numérique des aînés');
    assert.equal(await first.locator('option:checked').textContent(), firstName);
    assert.equal(await second.locator('option:checked').textContent(), secondName);
    assert.equal(await page.locator('#share1').inputValue(), '60');
    assert.equal(await page.locator('#share2').inputValue(), '30');
    assert.ok(await page.locator('input[name="services"][value="Maîtrise des outils numériques du quotidien"]').isChecked());
    await assertAccessible(page);

    await page.locator('#share2').fill('40');
    await page.getByRole('button', { name: 'Créer le programme' }).click();
    await page.waitForURL(`${baseUrl}/programmes`);
    const message = page.getByText('Programme créé. Chaque cofinanceur doit maintenant accepter sa part');
    assert.equal(await message.count(), 1, 'the message once');
    assert.equal(await page.getByRole('cell', { name: 'Pass numérique des aînés' }).count(), 1);
    await assertAccessible(page);
    await page.reload();
    assert.equal(await message.count(), 0, 'not again on reload');
    await page.context().close();
  });

  test('a workshop: « more rows » keeps the codes already typed, without JavaScript too', async () => {
    for (const javaScript of [true, false]) {
      const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE, { javaScript });
      await page.goto(`${baseUrl}/accompagnements/nouveau?type=atelier`);
      await page.getByLabel('Durée en minutes').fill('75');
      await page.locator('label', { hasText: 'Courriel et messageries' }).click();
      await page.locator('#code1').fill(codes[0]!);
      await page.locator('#autonomie1').selectOption('2');
      await page.locator('#code6').fill(codes[1]!);
      assert.equal(await page.locator('#code7').count(), 0);
      await page.getByRole('button', { name: 'Plus de lignes de participants' }).click();
      await page.locator('#code12').waitFor();
      assert.equal(await page.locator('#code1').inputValue(), codes[0]);
      assert.equal(await page.locator('#code6').inputValue(), codes[1]);
      assert.equal(await page.locator('#autonomie1').inputValue(), '2');
      assert.equal(await page.getByLabel('Durée en minutes').inputValue(), '75');
      assert.ok(await page.locator('#theme-courriel').isChecked());
      await page.locator('#code7').fill(codes[2]!);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(width <= 360, `la page tient dans l’écran d’un téléphone (${width}px)`);
      // axe-core runs in the page: only with JavaScript on.
      if (javaScript) await assertAccessible(page);
      const { db, secret } = journeys.platform;
      const handed = (await db.selectFrom('vouchers').select('serial').where('status', '=', 'handed').execute()).map((v) => formatVoucherCode(makeVoucherCode(secret, v.serial)));
      assert.ok(codes.slice(0, 3).every((code) => handed.includes(code)), 'nothing redeemed by « more rows »');
      await page.context().close();
    }
  });

  test('undoing a redemption asks for a confirmation; the desk shows each outcome once', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/encaisser`);
    await page.getByLabel(/Code du chèque/).fill(codes[3]!);
    await page.getByRole('button', { name: 'Encaisser', exact: true }).click();
    await page.waitForURL(`${baseUrl}/encaisser`);
    await page.getByText(`Chèque accepté : chèque ${codes[3]}`).waitFor();
    await assertAccessible(page);
    await page.getByRole('row', { name: new RegExp(codes[3]!) }).getByRole('button', { name: 'Annuler' }).click();
    await page.getByRole('heading', { name: `Annuler l’encaissement du chèque ${codes[3]}` }).waitFor();
    await assertAccessible(page);
    const voucherStatus = async () => {
      const serial = (await journeys.platform.db.selectFrom('vouchers').select(['serial', 'status']).where('status', 'in', ['handed', 'redeemed']).execute())
        .find((v) => formatVoucherCode(makeVoucherCode(journeys.platform.secret, v.serial)) === codes[3])!;
      return serial.status;
    };
    assert.equal(await voucherStatus(), 'redeemed', 'the button alone undoes nothing');
    await page.getByLabel(/Motif de l’annulation/).fill('Chèque saisi par erreur');
    // Without the box ticked the browser does not send the form (required), and the server would refuse it.
    await page.getByRole('button', { name: 'Annuler l’encaissement' }).click();
    assert.equal(await voucherStatus(), 'redeemed');
    // The DSFR draws the box over its label: ticked as a person does, by the label.
    await page.locator('label[for="confirmation"]', { hasText: 'Je confirme l’annulation de l’encaissement de ce chèque' }).click();
    assert.ok(await page.locator('#confirmation').isChecked());
    await page.getByRole('button', { name: 'Annuler l’encaissement' }).click();
    await page.waitForURL(`${baseUrl}/encaisser`);
    const done = page.getByText(`Encaissement du chèque ${codes[3]} annulé`);
    await done.waitFor();
    assert.equal(await voucherStatus(), 'handed');
    await assertAccessible(page);
    await page.reload();
    assert.equal(await done.count(), 0, 'not again on reload');
    await page.context().close();
  });

  test('marking a reimbursement run paid goes through a « Confirmer » page with its summary', async () => {
    const page = await journeys.pageAs('admin@demo.inclusif.fr');
    await page.goto(`${baseUrl}/remboursements/${runId}`);
    await page.getByRole('button', { name: 'Marquer payé' }).click();
    await page.getByRole('heading', { level: 1, name: `Confirmer le paiement du remboursement n° ${runId}` }).waitFor();
    const run = await journeys.platform.db.selectFrom('reimbursement_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow();
    assert.equal(await page.locator('#resume').getByText(`Montant total : ${formatEuros(run.total_cents)}`).count(), 1);
    assert.equal(await page.locator('#resume').getByText(`Lieux : ${plural(run.statement_count, 'lieu', 'lieux')}`).count(), 1);
    await assertAccessible(page);
    assert.equal((await journeys.platform.db.selectFrom('reimbursement_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status === 'paid', false);
    await page.getByRole('link', { name: 'Ne rien changer' }).click();
    await page.waitForURL(`${baseUrl}/remboursements/${runId}`);
    await page.getByRole('button', { name: 'Marquer payé' }).click();
    await page.locator('label[for="confirmation"]', { hasText: `Je confirme que la banque a exécuté les virements du remboursement n° ${runId}` }).click();
    assert.ok(await page.locator('#confirmation').isChecked());
    await page.getByRole('button', { name: 'Marquer payé' }).click();
    await page.waitForURL(`${baseUrl}/remboursements/${runId}`);
    await page.getByText('Remboursement marqué payé.').waitFor();
    assert.match((await page.locator('#etat-remboursement').textContent())!, /^Payé le/);
    await assertAccessible(page);
    await page.context().close();
  });
});
