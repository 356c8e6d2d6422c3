import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { loadItemBank } from '../../../src/kit/use-cases/item-bank-file.js';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const bank = loadItemBank();
const PHONE = { width: 360, height: 740 };
const DEVICE_QUESTIONS = bank.items.filter((item) => item.topic === 'device').map((item) => item.question);

async function fitsPhone(page: Page) {
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `${page.url()} : ${width}px de large`);
}
const heading = async (page: Page) => (await page.getByRole('heading', { level: 1 }).textContent())!.trim();

describe(`the diagnostic’s steps in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    journeys = await startJourneys();
    ({ baseUrl } = journeys);
  });
  after(() => journeys?.close());

  for (const javaScript of [false, true]) {
    test(`a person alone with no device: no device question, the way back shows the answer, « Je ne sais pas » stops early, the sheet says where to go (JavaScript ${javaScript ? 'on' : 'off'})`, async () => {
      const page = await journeys.pageAs(null, PHONE, { javaScript });
      const check = async () => {
        await fitsPhone(page);
        if (javaScript) await assertAccessible(page);
      };
      await page.goto(`${baseUrl}/diagnostic`);
      assert.equal(await page.getByLabel('Je réponds pour moi').isChecked(), true, 'sans compte : la personne elle-même');
      await check();
      await page.getByRole('button', { name: 'Commencer' }).click();
      await page.locator('label', { hasText: 'Aucun de ces appareils' }).click();
      await page.getByRole('button', { name: 'Suivant' }).click();
      await page.getByRole('button', { name: 'Non', exact: true }).click();
      await page.locator('label', { hasText: 'Rien de tout cela' }).click();
      await page.getByRole('button', { name: 'Suivant' }).click();

      // The first skill question: never one about a device. Answer it, then go back to it.
      await page.getByText(/^Question 4 sur/).waitFor();
      const first = await heading(page);
      assert.ok(!DEVICE_QUESTIONS.includes(first), `question sur l’appareil posée : ${first}`);
      const item = bank.items.find((i) => i.question === first)!;
      const chosen = item.choices.find((c) => c.id !== item.answer)!;
      await page.getByRole('button', { name: chosen.text, exact: true }).click();
      await page.getByText(/^Question 5 sur/).waitFor();
      await page.getByRole('button', { name: 'Question précédente' }).click();
      await page.getByText(/^Question 4 sur/).waitFor();
      assert.equal(await heading(page), first);
      await page.getByText(`Votre réponse précédente : « ${chosen.text} ». Choisissez-la de nouveau ou changez-la.`).waitFor();
      assert.match((await page.getByRole('button', { name: chosen.text, exact: true }).getAttribute('class'))!, /ni-previous/);
      await check();

      // « Je ne sais pas », again and again: the diagnostic stops after three.
      const asked = [first];
      await page.getByRole('button', { name: 'Je ne sais pas', exact: true }).click();
      for (let screens = 0; screens < 12; screens++) {
        await page.waitForFunction((previous) => document.querySelector('h1')?.textContent?.trim() !== previous, asked.at(-1));
        const text = await heading(page);
        if (text === 'Votre résultat') break;
        assert.ok(!DEVICE_QUESTIONS.includes(text), `question sur l’appareil posée : ${text}`);
        asked.push(text);
        await page.getByRole('button', { name: 'Je ne sais pas', exact: true }).click();
      }
      assert.equal(asked.length, 3, asked.join(' | '));
      await page.getByRole('heading', { level: 1, name: 'Votre résultat' }).waitFor();
      await page.getByText(/Vous avez répondu « Je ne sais pas » plusieurs fois de suite : le diagnostic s’arrête là/).waitFor();
      await page.getByText(/Nous vous conseillons 8 à 10 ateliers/).waitFor();
      await page.getByRole('link', { name: 'Trouver un lieu pour s’équiper à petit prix' }).waitFor();
      await check();

      await page.getByLabel('Votre commune ou code postal').fill('Nantes');
      await page.getByRole('button', { name: 'Voir les lieux' }).click();
      await page.getByRole('heading', { name: /Lieux qui acceptent le pass numérique, près de Nantes/ }).waitFor();
      const passLink = page.getByRole('link', { name: 'Trouver un lieu qui accepte le pass numérique' });
      const href = (await passLink.getAttribute('href'))!;
      assert.equal(new URL(href, baseUrl).searchParams.get('near'), '44109', 'la recherche part de la commune de la personne');
      await check();

      await page.getByRole('link', { name: 'Voir la synthèse à imprimer' }).click();
      await page.getByRole('heading', { level: 2, name: /Où aller, près de Nantes/ }).waitFor();
      await page.getByRole('heading', { level: 3, name: /Médiathèque Jacques Demy/ }).waitFor();
      const sheet = page.locator('.ni-sheet-places > li').first();
      assert.match((await sheet.textContent())!, /Téléphone : 0\d( \d\d){4}/);
      const days = await sheet.locator('table.ni-hours tr').allTextContents();
      assert.equal(days.length, 7, 'les horaires de toute la semaine');
      assert.match(days[0]!, /Lundi\s*fermé/);
      assert.match(days[1]!, /Mardi\s*10 h – 18 h/);
      assert.doesNotMatch((await page.locator('main').textContent())!, /maintenant/i);
      await check();

      const pdf = await page.request.get(`${page.url()}.pdf`);
      const dir = mkdtempSync(path.join(tmpdir(), 'synthese-'));
      writeFileSync(path.join(dir, 's.pdf'), await pdf.body());
      assert.equal(execFileSync('pdfinfo', [path.join(dir, 's.pdf')], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)![1], '1', 'une seule page');
      const text = execFileSync('pdftotext', ['-layout', path.join(dir, 's.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
      assert.match(text, /Médiathèque Jacques Demy/);
      assert.match(text, /Tél\. 0\d( \d\d){4}/);
      assert.match(text, /Horaires : Lundi et dimanche : fermé ; Du mardi au samedi : 10 h – 18 h/);
      assert.doesNotMatch(text, /maintenant/i);
      await page.context().close();
    });
  }

  test('a mediator fills it in with the person: the advice speaks of « la personne »', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await page.goto(`${baseUrl}/diagnostic`);
    assert.equal(await page.getByLabel('Je suis un professionnel et je remplis le diagnostic avec la personne').isChecked(), true);
    await page.getByRole('button', { name: 'Commencer' }).click();
    await page.locator('label', { hasText: 'Un smartphone' }).click();
    await page.getByRole('button', { name: 'Suivant' }).click();
    await page.getByRole('button', { name: 'Oui, avec une box ou la fibre' }).click();
    await page.locator('label', { hasText: 'J’ai besoin de quelqu’un à côté de moi' }).click();
    await page.getByRole('button', { name: 'Suivant' }).click();
    for (let i = 0; i < 3; i++) {
      const text = await heading(page);
      await page.getByRole('button', { name: 'Je ne sais pas', exact: true }).click();
      await page.waitForFunction((previous) => document.querySelector('h1')?.textContent?.trim() !== previous, text);
    }
    await page.getByRole('heading', { level: 1, name: 'Résultat de la personne' }).waitFor();
    await page.getByText(/La personne a répondu « Je ne sais pas » plusieurs fois de suite/).waitFor();
    await page.getByText(/Conseillez à la personne 8 à 10 ateliers/).waitFor();
    await page.getByText(/Proposez d’abord à la personne un accompagnement individuel/).waitFor();
    await page.getByRole('link', { name: 'Trouver un lieu qui propose un accompagnement individuel' }).waitFor();
    await assertAccessible(page);
    await fitsPhone(page);
    await page.context().close();
  });
});
