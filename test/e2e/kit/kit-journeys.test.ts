import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadItemBank } from '../../../src/kit/use-cases/item-bank-file.js';
import { bookletPin, formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const bank = loadItemBank();
const PHONE = { width: 360, height: 740 };
/** The result's heading: the person's own, or the person's as the professional filling it in reads it. */
const RESULT = /^(Votre résultat|Résultat de la personne)$/;

/** Answers the diagnostic screen by screen, the way a person taps: checkboxes then « Suivant », or one big button. */
async function takeDiagnostic(page: Page, knows: boolean, obstacles: { equipment: string[]; internet: string; feelings: string[] }) {
  await page.getByRole('heading', { level: 1, name: 'Quels appareils avez-vous ?' }).waitFor();
  for (const label of obstacles.equipment) await page.locator('label', { hasText: label }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByRole('button', { name: obstacles.internet }).click();
  for (const label of obstacles.feelings) await page.locator('label', { hasText: label }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  for (let screens = 0; screens < 12; screens++) {
    const heading = page.getByRole('heading', { level: 1 });
    const text = (await heading.textContent())!.trim();
    if (RESULT.test(text)) return;
    const item = bank.items.find((i) => i.question === text);
    assert.ok(item, `question inconnue : ${text}`);
    const choice = knows ? item.choices.find((c) => c.id === item.answer)!.text : 'Je ne sais pas';
    await page.getByRole('button', { name: choice, exact: true }).click();
    await page.waitForFunction((previous) => document.querySelector('h1')?.textContent?.trim() !== previous, text);
  }
  await page.getByRole('heading', { level: 1, name: RESULT }).waitFor();
}

describe(`kit d’intervention rapide journeys in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;
  const handedBooklets: { id: number; number: string }[] = [];

  before(async () => {
    journeys = await startJourneys();
    ({ baseUrl } = journeys);
  });
  after(() => journeys?.close());

  const availableBooklet = async () => {
    const caf = await journeys.platform.db.selectFrom('organisations').select('id').where('name', '=', 'CAF de Loire-Atlantique').executeTakeFirstOrThrow();
    return journeys.platform.db.selectFrom('booklets').select(['id', 'number']).where('allocated_organisation_id', '=', caf.id).where('handed_at', 'is', null).orderBy('id').executeTakeFirstOrThrow();
  };

  for (const javaScript of [false, true]) {
    test(`a prescriber runs a diagnostic, sees places, hands a booklet and prints the summary (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
      const page = await journeys.pageAs('prescripteur@demo.inclusif.fr', javaScript ? { width: 1024, height: 768 } : PHONE, { javaScript });
      await page.getByRole('link', { name: 'Diagnostic' }).first().click();
      if (javaScript) await assertAccessible(page);
      await page.getByRole('button', { name: 'Commencer' }).click();
      if (javaScript) await assertAccessible(page);
      // The way back: answer the first screen, come back to it.
      await page.locator('label', { hasText: 'Un smartphone' }).click();
      await page.getByRole('button', { name: 'Suivant' }).click();
      await page.getByRole('heading', { level: 1, name: 'Avez-vous internet chez vous ?' }).waitFor();
      if (javaScript) await assertAccessible(page);
      await page.getByRole('button', { name: 'Question précédente' }).click();
      // Back on the first screen, the answer taken back is still checked.
      await page.getByRole('heading', { level: 1, name: 'Quels appareils avez-vous ?' }).waitFor();
      assert.equal(await page.getByLabel('Un smartphone (téléphone avec écran tactile)').isChecked(), true);
      await takeDiagnostic(page, false, { equipment: [], internet: 'Seulement avec mon forfait de téléphone', feelings: ['J’ai peur de faire une erreur', 'J’ai une démarche urgente'] });
      await page.getByText('Niveau 1', { exact: true }).waitFor();
      // A prescriber fills it in with the person: the advice speaks of « la personne ».
      await page.getByText(/Conseillez à la personne 8 à 10 ateliers/).waitFor();
      await page.getByText(/aidant habilité/).first().waitFor();
      if (javaScript) await assertAccessible(page);

      await page.getByLabel('Commune ou code postal de la personne').fill('Nantes');
      await page.getByRole('button', { name: 'Voir les lieux' }).click();
      await page.getByRole('heading', { name: /Lieux qui acceptent le pass numérique, près de Nantes/ }).waitFor();
      await page.getByRole('link', { name: 'Médiathèque Jacques Demy' }).first().waitFor();

      const booklet = await availableBooklet();
      await page.getByLabel(/Numéro du carnet/).fill(formatBookletNumber(booklet.number));
      await page.getByLabel('Tranche d’âge').selectOption('60-74');
      await page.getByLabel('Situation').selectOption('retiree');
      assert.equal(await page.getByLabel(/Commune de résidence/).inputValue(), 'Nantes (44)', 'la commune de l’orientation pré-remplit le profil, par son nom');
      await page.getByRole('button', { name: 'Remettre le carnet' }).click();
      await page.getByText(`Carnet ${formatBookletNumber(booklet.number)} remis`).waitFor();
      handedBooklets.push(booklet);
      const profile = await journeys.platform.db.selectFrom('booklets').select(['profile_diagnostic_level', 'handed_at']).where('id', '=', booklet.id).executeTakeFirstOrThrow();
      assert.equal(profile.profile_diagnostic_level, 1);

      await page.getByRole('link', { name: 'Voir la synthèse à imprimer' }).click();
      await page.getByRole('heading', { level: 1, name: /Ma synthèse/ }).waitFor();
      await page.getByText(formatBookletNumber(booklet.number)).first().waitFor();
      await page.getByText(/Médiathèque Jacques Demy/).first().waitFor();
      assert.equal(await page.getByRole('button', { name: 'Imprimer cette page' }).isVisible(), javaScript, 'le bouton Imprimer n’existe qu’avec JavaScript');
      if (javaScript) {
        await assertAccessible(page);
        await page.emulateMedia({ media: 'print' });
        assert.equal(await page.locator('header.fr-header').isVisible(), false, 'l’en-tête ne s’imprime pas');
        await page.emulateMedia({ media: 'screen' });
      }
      const pdf = await page.request.get(page.url() + '.pdf');
      assert.equal(pdf.headers()['content-type'], 'application/pdf');
      const dir = mkdtempSync(path.join(tmpdir(), 'synthese-'));
      writeFileSync(path.join(dir, 's.pdf'), await pdf.body());
      assert.equal(execFileSync('pdfinfo', [path.join(dir, 's.pdf')], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)![1], '1', 'une seule page');
      const text = execFileSync('pdftotext', [path.join(dir, 's.pdf'), '-'], { encoding: 'utf8' });
      assert.match(text, /Mon niveau : Niveau 1/);
      assert.match(text, new RegExp(formatBookletNumber(booklet.number)));
      assert.match(text, /Médiathèque Jacques Demy/);
      assert.match(text, /À apporter/);
      await page.context().close();
    });
  }

  test('a mediator records a workshop and redeems three vouchers at once', async () => {
    const { db, secret } = journeys.platform;
    const vouchers = await db.selectFrom('vouchers').select('serial').where('booklet_id', '=', handedBooklets[0]!.id).where('status', '=', 'handed').orderBy('serial').limit(3).execute();
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/accompagnements`);
    await assertAccessible(page);
    await page.getByRole('link', { name: 'Enregistrer un atelier collectif' }).click();
    await assertAccessible(page);
    await page.getByLabel('Durée en minutes').fill('90');
    await page.locator('label', { hasText: 'Courriel et messageries' }).click();
    await page.locator('label', { hasText: 'Démarches CAF et MSA' }).click();
    for (const [index, { serial }] of vouchers.entries()) {
      await page.locator(`#code${index + 1}`).fill(formatVoucherCode(makeVoucherCode(secret, serial)));
      await page.locator(`#autonomie${index + 1}`).selectOption('1');
    }
    await page.locator('#orientation3').selectOption('helper');
    await page.getByLabel(/Autres participants/).fill('2');
    await page.getByRole('button', { name: 'Enregistrer et encaisser les chèques' }).click();
    await page.getByText(/Enregistré : 5\s+participants, 3\s+chèques encaissés ou rattachés\./).waitFor();
    await page.getByText(/chèques : 30,00\s€/).waitFor();
    await assertAccessible(page);
    const statuses = await db.selectFrom('vouchers').select('status').where('serial', 'in', vouchers.map((v) => v.serial)).execute();
    assert.deepEqual(statuses.map((s) => s.status), ['redeemed', 'redeemed', 'redeemed']);

    // The same codes again: refused by name, nothing recorded.
    await page.goto(`${baseUrl}/accompagnements/nouveau?type=atelier`);
    await page.locator('label', { hasText: 'Courriel et messageries' }).click();
    await page.locator('#code1').fill(formatVoucherCode(makeVoucherCode(secret, vouchers[0]!.serial)));
    await page.getByRole('button', { name: 'Enregistrer et encaisser les chèques' }).click();
    await page.getByText(/Rien n’a été enregistré\. participant 1 .* compte déjà dans l’accompagnement/).waitFor();
    const count = await db.selectFrom('accompaniments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
    await page.context().close();
  });

  test('the second diagnostic, with the booklet’s number and PIN, shows progress on the booklet’s page', async () => {
    const booklet = handedBooklets[0]!;
    const { pin_digits: digits } = await journeys.platform.db.selectFrom('booklets').select('pin_digits').where('id', '=', booklet.id).executeTakeFirstOrThrow();
    const pin = bookletPin(journeys.platform.secret, booklet.id, digits);
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/diagnostic`);
    await page.getByLabel('Numéro du carnet').fill(formatBookletNumber(booklet.number));
    await page.getByLabel(/Code secret/).fill(pin);
    await page.getByRole('button', { name: 'Mesurer mes progrès' }).click();
    await takeDiagnostic(page, true, { equipment: ['Un smartphone', 'Un ordinateur'], internet: 'Oui, avec une box ou la fibre', feelings: ['Rien de tout cela'] });
    await page.getByRole('heading', { name: 'Vos progrès' }).waitFor();
    await page.getByText(/Niveau global : 1 le .*, 3 le/).waitFor();

    const balance = await journeys.pageAs(null);
    await balance.goto(`${baseUrl}/carnet`);
    await balance.getByLabel(/Numéro du carnet/).fill(booklet.number);
    await balance.getByLabel(/Code secret/).fill(pin);
    await balance.getByRole('button', { name: 'Voir mes chèques' }).click();
    await balance.getByRole('heading', { name: 'Vos progrès' }).waitFor();
    const rows = await balance.locator('table:has(caption:text("avant et après")) tbody tr').allTextContents();
    assert.equal(rows.length, 5);
    assert.ok(rows.every((row) => /1\s*3 \(en progrès\)/.test(row)), rows.join(' | '));
    await assertAccessible(balance);
    await page.context().close();
    await balance.context().close();
  });
});
