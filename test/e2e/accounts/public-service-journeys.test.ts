import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertAccessible } from '../../support/browser.js';
import { startJourneys, type Journeys } from '../../support/journeys.js';
import { testDatabaseKind } from '../../support/platform.js';

const PHONE = { width: 360, height: 740 };
const DESKTOP = { width: 1280, height: 900 };
const OPERATOR = 'Agence nationale de la cohésion des territoires';
const PUBLIC_SERVICE = {
  publisherAddress: '20 avenue de Ségur, 75007 Paris',
  publicationDirector: 'La directrice générale de l’Agence',
  hosting: 'Hébergeur de démonstration, 1 rue des Serveurs, 59000 Lille',
  contactEmail: 'accessibilite@inclusif.example',
  dpoContact: 'dpd@inclusif.example',
};

/**
 * Watches a page loaded under the site's own Content-Security-Policy (strictCsp): JavaScript errors, console
 * errors and every CSP violation (an inline script or style the policy blocks) are collected.
 */
async function watchErrors(page: Page) {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`erreur JavaScript sur ${page.url()} : ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console sur ${page.url()} : ${message.text()}`);
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      const store = window as unknown as { __violations?: string[] };
      (store.__violations ??= []).push(`${event.violatedDirective} ${event.blockedURI}`);
    });
  });
  return {
    problems,
    /** Everything collected on the current page so far, CSP violations included. */
    async collected(): Promise<string[]> {
      const violations = await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []);
      return [...problems, ...violations.map((v) => `CSP sur ${page.url()} : ${v}`)];
    },
  };
}

/** Loads each page, lets DSFR start, and returns what went wrong. */
async function visit(page: Page, baseUrl: string, paths: string[], watcher: Awaited<ReturnType<typeof watchErrors>>) {
  const found: string[] = [];
  for (const path of paths) {
    const response = await page.goto(`${baseUrl}${path}`);
    assert.equal(response?.status(), 200, path);
    await page.waitForFunction(() => document.documentElement.getAttribute('data-fr-js') === 'true', null, { timeout: 5000 });
    found.push(...(await watcher.collected()));
  }
  return [...new Set([...found, ...watcher.problems])];
}

const noSideScroll = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe(`header, footer and public-service pages in Chromium on ${testDatabaseKind}`, () => {
  let journeys: Journeys;
  let baseUrl: string;

  before(async () => {
    journeys = await startJourneys(undefined, { mapTilesUrl: '', operatorName: OPERATOR, publicService: PUBLIC_SERVICE });
    baseUrl = journeys.baseUrl;
  });
  after(() => journeys?.close());

  test('the CSP watcher sees what the policy blocks (the checks below can fail)', async () => {
    const page = await journeys.pageAs(null, PHONE, { strictCsp: true });
    const watcher = await watchErrors(page);
    await page.goto(baseUrl);
    const ran = await page.evaluate(() => {
      const script = document.createElement('script');
      script.textContent = 'window.__inline = true';
      document.head.append(script);
      return (window as unknown as { __inline?: boolean }).__inline === true;
    });
    assert.equal(ran, false, 'the policy blocks inline scripts');
    await page.waitForFunction(() => ((window as unknown as { __violations?: string[] }).__violations ?? []).length > 0);
    assert.ok((await watcher.collected()).some((p) => p.startsWith('CSP')), 'and the violation is collected');
    await page.context().close();
  });

  test('at 360 px the DSFR menu button opens the menu, with no JavaScript error under the site’s CSP', async () => {
    const anonymous = await journeys.pageAs(null, PHONE, { strictCsp: true });
    const watcher = await watchErrors(anonymous);
    const publicPages = ['/', '/connexion', '/carnet', '/lieux', '/diagnostic', '/mentions-legales', '/accessibilite', '/donnees-personnelles', '/plan-du-site'];
    assert.deepEqual(await visit(anonymous, baseUrl, publicPages, watcher), []);
    await anonymous.goto(baseUrl);
    await anonymous.waitForFunction(() => document.documentElement.getAttribute('data-fr-js') === 'true');
    const button = anonymous.getByRole('button', { name: 'Menu' });
    assert.ok(await button.isVisible(), 'the menu button is shown on a phone');
    const signIn = anonymous.locator('#menu-modal').getByRole('link', { name: 'Se connecter' });
    assert.equal(await signIn.isVisible(), false, 'the menu is closed');
    await button.click();
    await signIn.waitFor({ state: 'visible' });
    assert.equal(await button.getAttribute('data-fr-opened'), 'true');
    await anonymous.locator('#menu-modal').getByRole('button', { name: /Fermer/ }).click();
    await signIn.waitFor({ state: 'hidden' });
    assert.deepEqual(await watcher.collected(), []);
    await anonymous.context().close();

    const mediator = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE, { strictCsp: true });
    const signedIn = await watchErrors(mediator);
    assert.deepEqual(await visit(mediator, baseUrl, ['/espace', '/espace/jetons', '/encaisser', '/mes-lieux', '/accompagnements', '/plan-du-site'], signedIn), []);
    await mediator.getByRole('button', { name: 'Menu' }).click();
    const menu = mediator.locator('#menu-modal');
    await menu.getByRole('link', { name: 'Mes lieux' }).waitFor({ state: 'visible' });
    assert.ok(await menu.getByRole('button', { name: 'Se déconnecter' }).isVisible(), 'the tools are in the menu too');
    await menu.getByRole('link', { name: 'Mes lieux' }).click();
    await mediator.waitForURL(`${baseUrl}/mes-lieux`);
    assert.ok(await noSideScroll(mediator));
    assert.deepEqual(await signedIn.collected(), []);
    await mediator.context().close();

    // The same header, audited with the menu open (axe-core is injected, so this page bypasses the CSP).
    const audited = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await audited.goto(`${baseUrl}/espace`);
    await audited.waitForFunction(() => document.documentElement.getAttribute('data-fr-js') === 'true');
    await audited.getByRole('button', { name: 'Menu' }).click();
    await audited.locator('#menu-modal').getByRole('link', { name: 'Mes lieux' }).waitFor({ state: 'visible' });
    await assertAccessible(audited);
    await audited.context().close();
  });

  test('on a wide screen the menu is in the header, with no menu button and no JavaScript error', async () => {
    const page = await journeys.pageAs('financeur@demo.inclusif.fr', DESKTOP, { strictCsp: true });
    const watcher = await watchErrors(page);
    assert.deepEqual(await visit(page, baseUrl, ['/espace', '/commandes', '/programmes', '/espace/jetons', '/plan-du-site'], watcher), []);
    assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), false);
    assert.ok(await page.getByRole('navigation', { name: 'Menu principal' }).getByRole('link', { name: 'Commandes' }).isVisible());
    await page.context().close();
  });

  test('without JavaScript, on a phone, the footer leads to the mandatory pages of a public service', async () => {
    const page = await journeys.pageAs(null, PHONE, { javaScript: false });
    await page.goto(baseUrl);
    assert.equal(await page.getByRole('button', { name: 'Menu' }).isVisible(), false, 'no menu button that would do nothing');
    const footer = page.getByRole('contentinfo');
    const open = async (link: RegExp, heading: string) => {
      await page.goto(baseUrl);
      await footer.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      assert.ok(await noSideScroll(page), `${heading} : pas de défilement horizontal à 360 px`);
      return (await page.locator('main').textContent()) ?? '';
    };

    const legal = await open(/^Mentions légales$/, 'Mentions légales');
    for (const text of [OPERATOR, PUBLIC_SERVICE.publisherAddress, PUBLIC_SERVICE.publicationDirector, PUBLIC_SERVICE.hosting, PUBLIC_SERVICE.contactEmail]) assert.ok(legal.includes(text), `mentions légales : ${text}`);

    const accessibility = await open(/^Accessibilité : non conforme$/, 'Déclaration d’accessibilité');
    assert.match((await page.locator('#etat-conformite').textContent()) ?? '', /non conforme avec le RGAA 4\.1\.2/);
    assert.match(accessibility, /axe-core \(version \d+\.\d+/);
    assert.match(accessibility, /La carte des lieux n’est pas utilisable au clavier/);
    assert.ok(accessibility.includes(PUBLIC_SERVICE.contactEmail));
    assert.match((await page.locator('#recours').textContent()) ?? '', /Défenseur des droits/);
    assert.ok((await page.locator('#pages-verifiees li').count()) >= 10);

    const privacy = await open(/^Données personnelles et cookies$/, 'Données personnelles et cookies');
    assert.match(privacy, /ne sont jamais enregistrées par leur nom/);
    assert.match(privacy, /tranche d’âge/);
    assert.ok(privacy.includes(PUBLIC_SERVICE.dpoContact));
    assert.match((await page.locator('#cnil').textContent()) ?? '', /CNIL/);
    assert.ok(await page.getByRole('rowheader', { name: 'ni_session' }).isVisible());

    await open(/^Plan du site$/, 'Plan du site');
    const links = await page.locator('#pages-publiques a').evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).getAttribute('href')!));
    assert.ok(links.includes('/lieux') && links.includes('/carnet') && links.includes('/accessibilite'));
    for (const href of links) assert.equal((await page.request.get(`${baseUrl}${href}`)).status(), 200, href);
    assert.equal(await page.locator('#mes-pages').count(), 0, 'no personal pages for an anonymous visitor');
    await page.context().close();

    // The same pages with JavaScript, for the accessibility audit (axe-core runs in the page).
    const audited = await journeys.pageAs(null, PHONE);
    for (const path of ['/mentions-legales', '/accessibilite', '/donnees-personnelles', '/plan-du-site', '/donnees-ouvertes']) {
      await audited.goto(`${baseUrl}${path}`);
      await assertAccessible(audited);
    }
    await audited.context().close();
  });

  test('without JavaScript a signed-in person reaches the menu’s links and the site map lists the pages they may open', async () => {
    const page = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE, { javaScript: false });
    await page.goto(`${baseUrl}/plan-du-site`);
    const mine = page.locator('#mes-pages');
    for (const label of ['Mon espace', 'Mes jetons d’API', 'Encaisser un chèque', 'Mes lieux']) assert.ok(await mine.getByRole('link', { name: label, exact: true }).isVisible(), label);
    assert.equal(await mine.getByRole('link', { name: 'Remboursements', exact: true }).count(), 0, 'not the operator’s pages');
    for (const href of await mine.locator('a').evaluateAll((anchors) => anchors.map((a) => (a as HTMLAnchorElement).getAttribute('href')!))) {
      assert.equal((await page.request.get(`${baseUrl}${href}`, { maxRedirects: 0 })).status(), 200, href);
    }
    const menu = page.getByRole('navigation', { name: 'Menu principal' });
    await menu.getByRole('link', { name: 'Encaisser un chèque' }).click();
    await page.waitForURL(`${baseUrl}/encaisser`);
    await page.context().close();
    const audited = await journeys.pageAs('mediateur@demo.inclusif.fr', PHONE);
    await audited.goto(`${baseUrl}/plan-du-site`);
    await assertAccessible(audited);
    await audited.context().close();
  });

  test('on a phone a person creates an API token, sees it once, revokes it; the wide table scrolls and its button stays in view', async () => {
    const page = await journeys.pageAs('prescripteur@demo.inclusif.fr', PHONE);
    await page.getByRole('link', { name: 'Mes jetons d’API' }).click();
    await page.getByRole('heading', { level: 1, name: 'Mes jetons d’API' }).waitFor();
    await assertAccessible(page);
    await page.getByLabel(/^Nom du jeton/).fill('Tableur de suivi de la CAF');
    await page.getByRole('button', { name: 'Créer un jeton' }).click();
    const shown = page.getByLabel('Votre nouveau jeton');
    await shown.waitFor();
    const token = await shown.inputValue();
    assert.match(token, /^ni_[A-Za-z0-9_-]{32}$/);
    await assertAccessible(page);
    const me = await page.request.get(`${baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status(), 200);

    await page.goto(`${baseUrl}/espace/jetons`);
    assert.ok(!(await page.content()).includes(token), 'never shown again');
    assert.ok(await page.getByRole('cell', { name: `${token.slice(0, 10)}…` }).isVisible(), 'only its first characters');
    assert.ok(await noSideScroll(page), 'the page itself does not scroll sideways');
    const frame = page.getByRole('region', { name: /^Mes jetons d’API/ });
    assert.equal(await frame.getAttribute('tabindex'), '0');
    const widths = await frame.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth }));
    assert.ok(widths.scroll > widths.client, `the table is wider than the phone (${widths.scroll} > ${widths.client}) and scrolls in its frame`);
    await frame.focus();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    // Browsers may scroll smoothly: wait (up to 5 s) for the frame to have moved, rather than read it at once.
    const scrolled = await page.waitForFunction((el) => (el as HTMLElement).scrollLeft > 0, await frame.elementHandle(), { timeout: 5000 }).then(() => true, () => false);
    assert.ok(scrolled, 'the keyboard scrolls the frame');
    await frame.evaluate((el) => { el.scrollLeft = 0; });
    const revoke = page.getByRole('button', { name: 'Révoquer le jeton « Tableur de suivi de la CAF »' });
    const box = (await revoke.boundingBox())!;
    assert.ok(box.x >= 0 && box.x + box.width <= PHONE.width, `the revoke button is in view without scrolling (${box.x}–${box.x + box.width})`);
    const onTop = await revoke.evaluate((button) => {
      const r = button.getBoundingClientRect();
      return button.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    });
    assert.ok(onTop, 'and nothing covers it');
    await assertAccessible(page);

    await revoke.click();
    await page.getByRole('heading', { level: 1, name: 'Confirmer la révocation du jeton' }).waitFor();
    await assertAccessible(page);
    await page.locator('label[for="confirmation"]').click();
    await page.getByRole('button', { name: 'Révoquer le jeton' }).click();
    await page.getByText('Le jeton « Tableur de suivi de la CAF » est révoqué : il ne fonctionne plus.').waitFor();
    assert.match((await page.getByRole('row').filter({ hasText: 'Tableur de suivi de la CAF' }).textContent()) ?? '', /Révoqué le/);
    await assertAccessible(page);
    assert.equal((await page.request.get(`${baseUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } })).status(), 401);
    await page.context().close();
  });

  test('on a phone every wide table of a funder’s pages scrolls in a labelled, focusable frame', async () => {
    const page = await journeys.pageAs('financeur@demo.inclusif.fr', PHONE);
    for (const path of ['/commandes', '/programmes']) {
      await page.goto(`${baseUrl}${path}`);
      assert.ok(await noSideScroll(page), `${path} : pas de défilement horizontal de la page`);
      const frames = await page.locator('.fr-table__container').evaluateAll((els) => els.map((el) => ({ tabindex: el.getAttribute('tabindex'), role: el.getAttribute('role'), label: el.getAttribute('aria-label') ?? '', wide: el.scrollWidth > el.clientWidth })));
      assert.ok(frames.length > 0, path);
      for (const frame of frames) assert.deepEqual([frame.tabindex, frame.role, frame.label.length > 0], ['0', 'region', true], `${path} : ${JSON.stringify(frame)}`);
      assert.ok(frames.some((frame) => frame.wide), `${path} : au moins un tableau plus large que l’écran`);
      await assertAccessible(page);
    }
    await page.context().close();
  });
});
