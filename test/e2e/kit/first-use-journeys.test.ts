import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };

/** A professional's short diagnostic with the person: obstacles, then « Je ne sais pas » until it stops. */
async function shortDiagnostic(page: Page, baseUrl: string) {
  await page.goto(`${baseUrl}/diagnostic`);
  await page.getByRole('button', { name: 'Commencer' }).click();
  await page.locator('label', { hasText: 'Un smartphone' }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  await page.getByRole('button', { name: 'Oui, avec une box ou la fibre' }).click();
  await page.locator('label', { hasText: 'Rien de tout cela' }).click();
  await page.getByRole('button', { name: 'Suivant' }).click();
  for (let asked = 0; !(await page.getByRole('heading', { level: 1, name: 'Résultat de la personne' }).count()); asked += 1) {
    assert.ok(asked < 10, 'the diagnostic stops after a few « Je ne sais pas »');
    await page.getByRole('button', { name: 'Je ne sais pas', exact: true }).click();
  }
}

/** What a front-desk professional reads on the result and on the printed summary. */
describe(`diagnostic result and summary: French of a first use in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    journeys = await startJourneys(undefined, { mapTilesUrl: '' });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('a professional, without JavaScript, is asked for the person’s commune; places and summary read « près du Pellerin »', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE, { javaScript: false });
    await shortDiagnostic(page, baseUrl);
    const commune = page.getByLabel(/^Commune ou code postal de la personne/);
    assert.equal(await page.getByLabel(/^Votre commune/).count(), 0, 'the professional is not asked for their own commune');
    await commune.fill('Le Pellerin');
    await page.getByRole('button', { name: 'Voir les lieux' }).click();
    const places = page.getByRole('heading', { level: 3, name: /^Lieux qui acceptent le pass numérique, près du Pellerin \(44\)$/ });
    await places.waitFor();
    // « Ouvert maintenant » once per place: a badge or the sentence, not both.
    const found = await page.locator('#lieux ~ ul.ni-results > li').allTextContents();
    assert.ok(found.length > 0, 'places near Le Pellerin');
    for (const text of found) {
      assert.ok((text.match(/ouvert maintenant/gi) ?? []).length <= 1, text);
    }

    await page.getByRole('link', { name: 'Voir la synthèse à imprimer' }).click();
    await page.getByRole('heading', { level: 2, name: 'Où aller, près du Pellerin (44)' }).waitFor();
    const captions = await page.locator('table.ni-hours caption').allTextContents();
    assert.ok(captions.length > 0, 'the summary lists places with their hours');
    for (const caption of captions) {
      assert.doesNotMatch(caption, /semaine de (Espace|Médiathèque|Centre|Association|Point|Tiers|France)/, caption);
      assert.match(caption, /^Horaires de la semaine (du|de la|de l’|d’|de) /, caption);
    }
    await page.context().close();

    const audited = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await audited.goto(page.url());
    await assertAccessible(audited);
    await audited.context().close();
  });
});
