import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { territoryPlaces } from '../../../src/places/use-cases/territory.js';
import { normaliseText } from '../../../src/places/domain/normalise.js';
import { listLabelsPage } from '../../../src/places/use-cases/labels.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, makeActor, type Actor } from '../../support/world.js';

const decode = (html: string) => html.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
const countOf = (html: string) => decode(/<p class="fr-text--lg fr-mb-2w ni-list-count" id="nombre" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? '').replace(/\s/g, ' ');
const namesOf = (html: string) => [...decode(html).matchAll(/<tr><td><a href="\/lieux\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]!);

describe(`a hub’s places of its territory, and the labels list, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let hub: Actor;
  let otherHub: Actor;
  const cookies = new Map<number, string>();

  const get = async (who: Actor | null, url: string) => {
    if (who && !cookies.has(who.principal.userId)) cookies.set(who.principal.userId, `ni_session=${await createSession(platform.db, who.principal.userId)}`);
    return app.inject({ url, headers: who ? { cookie: cookies.get(who.principal.userId)! } : {} });
  };
  const page = async (who: Actor, url: string, status = 200) => {
    const response = await get(who, url);
    assert.equal(response.statusCode, status, `${url} : ${response.statusCode} ${response.body.slice(0, 200)}`);
    return response.body;
  };
  const hubOf = async (name: string, departements: string[]) => {
    const actor = await makeActor(platform.db, name, 'hub', departements[0]);
    await platform.db.insertInto('organisation_departements').values(departements.map((code) => ({ organisation_id: actor.organisationId, departement_code: code }))).execute();
    return { ...actor, principal: (await loadPrincipal(platform.db, actor.principal.userId))! };
  };

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    hub = await hubOf('Hub Pays de la Loire', ['44', '85']);
    otherHub = await hubOf('Hub Bretagne', ['35']);
    const network = await makeActor(platform.db, 'Réseau de Loire-Atlantique', 'mediator');
    // 24 more places in 44 (Nantes, Rezé, Saint-Herblain), two in Vendée; labels in every state.
    const communes = ['44109', '44143', '44162'];
    const created: number[] = [];
    for (let i = 0; i < 24; i += 1) {
      const id = await addPlace(platform.db, network.organisationId, communes[i % 3]!);
      const name = `Espace numérique ${String(i + 1).padStart(2, '0')}`;
      await platform.db.updateTable('places').set({ name, normalised_name: normaliseText(name) }).where('id', '=', id).execute();
      created.push(id);
    }
    for (const [i, id] of created.slice(0, 20).entries()) {
      await platform.db.insertInto('place_labels').values({ place_id: id, status: 'approved', valid_from: '2020-01-01', valid_until: i === 0 ? '2021-01-01' : '2099-12-31' }).execute();
    }
    await platform.db.insertInto('place_labels').values([
      { place_id: created[20]!, status: 'pending' },
      { place_id: created[21]!, status: 'suspended', valid_from: '2020-01-01', valid_until: '2099-12-31' },
      { place_id: created[22]!, status: 'refused' },
    ]).execute();
    for (const name of ['Médiathèque de La Roche', 'Maison France services de Vendée']) {
      const id = await addPlace(platform.db, network.organisationId, '85191');
      await platform.db.updateTable('places').set({ name, normalised_name: normaliseText(name) }).where('id', '=', id).execute();
    }
    // An inactive place (a duplicate taken down) is not listed.
    await platform.db.updateTable('places').set({ active: false }).where('id', '=', created[23]!).execute();
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const outsideName = async () => (await platform.db.selectFrom('places').select('name').where('id', '=', world.placeOutside).executeTakeFirstOrThrow()).name;

  test('the hub lists every active place of its départements, counted, 20 a page', async () => {
    // 44: places A and B, 23 active of the network; 85: two. Not the place in Ille-et-Vilaine, not the inactive one.
    const first = await page(hub, '/lieux/territoire');
    assert.equal(countOf(first), '27 lieux — 1 à 20 sur cette page');
    assert.equal(namesOf(first).length, 20);
    const second = await page(hub, '/lieux/territoire?page=2');
    assert.equal(countOf(second), '27 lieux — 21 à 27 sur cette page');
    const all = [...namesOf(first), ...namesOf(second)];
    assert.equal(new Set(all).size, 27);
    assert.ok(!all.includes(await outsideName()));
    assert.ok(!all.includes('Espace numérique 24'), 'inactive');
    assert.deepEqual(namesOf(second).slice(-2), ['Maison France services de Vendée', 'Médiathèque de La Roche'], 'by département, then name');
  });

  test('filters: label state, département, name, commune or postal code (accents and case ignored)', async () => {
    const count = async (query: string) => countOf(await page(hub, `/lieux/territoire?${query}`));
    assert.equal(await count('label=valide'), '21 lieux avec ces filtres — 1 à 20 sur cette page', '19 of the network, A and B');
    assert.equal(await count('label=echu'), '1 lieu avec ces filtres');
    assert.equal(await count('label=pending'), '1 lieu avec ces filtres');
    assert.equal(await count('label=suspended'), '1 lieu avec ces filtres');
    assert.equal(await count('label=refused'), '1 lieu avec ces filtres');
    assert.equal(await count('label=sans'), '2 lieux avec ces filtres', 'the two of Vendée');
    assert.equal(await count('departement=85'), '2 lieux avec ces filtres');
    assert.equal(await count('texte=la%20roche'), '2 lieux avec ces filtres', 'both in La Roche-sur-Yon');
    assert.equal(await count('texte=maison%20FRANCE'), '1 lieu avec ces filtres');
    assert.equal(await count('texte=REZE'), '8 lieux avec ces filtres', 'the commune, without its accent');
    assert.equal(await count('texte=44800'), '7 lieux avec ces filtres', 'Saint-Herblain by postal code (one is inactive)');
    assert.equal(await count('texte=espace%20numerique%2001'), '1 lieu avec ces filtres');
    assert.equal(await count('texte=%E2%80%94'), 'Aucun lieu avec ces filtres');
    assert.equal(await count('departement=85&label=valide'), 'Aucun lieu avec ces filtres');
    const filtered = await page(hub, '/lieux/territoire?label=valide&departement=44&page=2');
    const previous = decode(/<a class="fr-pagination__link fr-pagination__link--prev[^"]*" href="([^"]+)"/.exec(filtered)![1]!);
    assert.deepEqual(Object.fromEntries(new URL(previous, 'http://x').searchParams), { label: 'valide', departement: '44' });
    assert.match(await page(hub, '/lieux/territoire?label=inconnu', 422), /ne propose pas la valeur/);
  });

  test('a hub of another territory sees none of these places, and cannot ask for them', async () => {
    const theirs = await page(otherHub, '/lieux/territoire');
    assert.equal(countOf(theirs), '1 lieu');
    assert.deepEqual(namesOf(theirs), [await outsideName()]);
    assert.doesNotMatch(theirs, /Espace numérique|Vendée/);
    assert.doesNotMatch(theirs, /<option value="44"/, 'its filter offers its own départements only');
    const asked = await get(otherHub, '/lieux/territoire?departement=44');
    assert.ok([403, 422].includes(asked.statusCode), String(asked.statusCode));
    assert.doesNotMatch(asked.body, /Espace numérique/);
    await assert.rejects(territoryPlaces(platform.db, otherHub.principal, { departement: '44' }, { page: 1, limit: 20 }), (error: unknown) => error instanceof DomainError && error.kind === 'forbidden');
    const everything = await territoryPlaces(platform.db, otherHub.principal, { text: 'espace' }, { page: 1, limit: 100 });
    assert.equal(everything.page.total, 0);
  });

  test('the administration lists every département; mediators, funders and visitors are refused', async () => {
    assert.equal(countOf(await page(world.admin, '/lieux/territoire?limit=100')), '28 lieux');
    assert.equal(countOf(await page(world.admin, '/lieux/territoire?departement=35')), '1 lieu avec ces filtres');
    for (const who of [world.mediatorA, world.funder, world.prescriber]) assert.equal((await get(who, '/lieux/territoire')).statusCode, 403);
    const anonymous = await get(null, '/lieux/territoire');
    assert.equal(anonymous.statusCode, 302);
    assert.match(String(anonymous.headers.location), /^\/connexion/);
  });

  test('/labels: each place’s current label, counted, filtered by state, département and text, page by page', async () => {
    const first = await page(hub, '/labels');
    // Pending, approved (valid or not) and suspended records of 44 and 85: 20 + 1 + 1 of the network, A and B.
    assert.equal(countOf(first), '24 lieux — 1 à 20 sur cette page');
    assert.match(decode(first), /Examiner<span class="fr-sr-only">/, 'the pending application first');
    assert.equal(countOf(await page(hub, '/labels?statut=pending')), '1 lieu avec ces filtres');
    assert.equal(countOf(await page(hub, '/labels?statut=suspended')), '1 lieu avec ces filtres');
    assert.equal(countOf(await page(hub, '/labels?statut=approved&texte=saint%20nazaire')), '1 lieu avec ces filtres');
    assert.equal(countOf(await page(hub, '/labels?departement=85')), 'Aucun lieu avec ces filtres');
    assert.equal(countOf(await page(hub, '/labels?page=2')), '24 lieux — 21 à 24 sur cette page');
    assert.match(await page(hub, '/labels'), /href="\/lieux\/territoire"/);
    const theirs = await listLabelsPage(platform.db, otherHub.principal, {}, { page: 1, limit: 100 });
    assert.deepEqual(theirs.requests.map((r) => r.placeId), [world.placeOutside]);
  });
});
