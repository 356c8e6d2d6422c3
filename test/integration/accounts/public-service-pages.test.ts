import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ACCESSIBILITY_STATUS } from '../../../src/accounts/domain/public-service.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { makeActor } from '../../support/world.js';

const MANDATORY = ['/mentions-legales', '/accessibilite', '/donnees-personnelles', '/plan-du-site'];

/** The mandatory pages of a public service: open to everyone, linked from every page's footer, the operator's own details. */
describe(`mandatory public-service pages on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let state: FastifyInstance;
  let operator: FastifyInstance;

  before(async () => {
    platform = await openTestPlatform();
    state = await buildApp(platform);
    operator = await buildApp({
      ...platform,
      config: {
        ...platform.config,
        stateBranding: false,
        serviceName: 'Pass numérique de la Métropole',
        operatorName: 'Métropole de démonstration',
        publicService: { publisherAddress: '2 cours du Champ-de-Mars, 44000 Nantes', publicationDirector: 'La présidente de la Métropole', hosting: 'Hébergeur local', contactEmail: 'contact@metropole.example', dpoContact: 'dpo@metropole.example' },
      },
    });
  });
  after(async () => {
    await state.close();
    await operator.close();
    await platform.dispose();
  });

  test('anyone opens them, and every page links to them from its footer, with the conformity status', async () => {
    for (const url of MANDATORY) {
      const page = await state.inject({ url });
      assert.equal(page.statusCode, 200, url);
      assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/, 'under the same policy as every page');
    }
    const home = (await state.inject({ url: '/' })).body;
    const footer = home.slice(home.indexOf('<footer'));
    for (const url of MANDATORY) assert.ok(footer.includes(`class="fr-footer__bottom-link" href="${url}"`), `lien ${url} dans le pied de page`);
    assert.ok(footer.includes(`Accessibilité : ${ACCESSIBILITY_STATUS}`));
    assert.match(home, /<script type="module" src="\/dsfr\/dsfr\.module\.min\.js"><\/script>\s*<script nomodule src="\/dsfr\/dsfr\.nomodule\.min\.js"><\/script>/);
    assert.match(home, /class="fr-btn--menu fr-btn" data-fr-opened="false" aria-controls="menu-modal"/);
    assert.match(home, /<div class="fr-header__menu fr-modal" id="menu-modal" aria-labelledby="bouton-menu">/);
  });

  test('without configuration the pages say what the operator has not given, and never invent it', async () => {
    const legal = (await state.inject({ url: '/mentions-legales' })).body;
    assert.match(legal, /<strong id="editeur">République française<\/strong>/);
    assert.match(legal, /<p id="directeur-publication">Non renseigné par l’opérateur de cette installation\.<\/p>/);
    assert.match((await state.inject({ url: '/accessibilite' })).body, /adresse de contact non renseignée/);
  });

  test('another operator: its name, details and no Marianne (STATE_BRANDING=false)', async () => {
    const legal = (await operator.inject({ url: '/mentions-legales' })).body;
    for (const text of ['Métropole de démonstration', '2 cours du Champ-de-Mars, 44000 Nantes', 'La présidente de la Métropole', 'Hébergeur local', 'contact@metropole.example']) assert.ok(legal.includes(text), text);
    assert.ok(!legal.includes('République<br>Française'), 'no State block');
    assert.ok(!legal.includes('Marque de l’État'));
    assert.ok(!legal.includes('legifrance.gouv.fr'));
    assert.match((await operator.inject({ url: '/donnees-personnelles' })).body, /dpo@metropole\.example/);
    assert.match((await operator.inject({ url: '/accessibilite' })).body, /Métropole de démonstration s’engage/);
  });

  test('the site map lists the public pages, and for a signed-in person the pages their role may open', async () => {
    const anonymous = (await state.inject({ url: '/plan-du-site' })).body;
    assert.ok(!anonymous.includes('id="mes-pages"'));
    for (const href of ['/lieux', '/carnet', '/diagnostic', '/accessibilite']) assert.ok(anonymous.includes(`href="${href}"`), href);
    const funder = await makeActor(platform.db, 'Financeur du plan du site', 'funder');
    const cookie = `ni_session=${await createSession(platform.db, funder.principal.userId)}`;
    const signedIn = (await state.inject({ url: '/plan-du-site', headers: { cookie } })).body;
    const mine = signedIn.slice(signedIn.indexOf('id="mes-pages"'), signedIn.indexOf('</ul>', signedIn.indexOf('id="mes-pages"')));
    const hrefs = [...mine.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
    assert.ok(hrefs.includes('/espace/jetons') && hrefs.includes('/commandes') && hrefs.includes(`/financeurs/${funder.organisationId}/rapport`), hrefs.join(' '));
    assert.ok(!hrefs.includes('/encaisser') && !hrefs.includes('/remboursements'), 'not other roles’ pages');
    for (const href of hrefs) assert.equal((await state.inject({ url: href, headers: { cookie } })).statusCode, 200, href);
  });
});
