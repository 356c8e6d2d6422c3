import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { searchByFullScan, searchPlaces } from '../../../src/places/use-cases/search.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, makeActor } from '../../support/world.js';

/** A line of places going north from the centre of Nantes, one every ~220 m: distances all different. */
const ORIGIN = { lat: 47.2184, lon: -1.5536 };
const PLACE_COUNT = 45;
const SERVICE = 'Aide aux démarches administratives';

const decode = (html: string) => html.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
const hrefs = (html: string) => [...html.matchAll(/href="([^"]+)"/g)].map((m) => decode(m[1]!));

describe(`places search: total, pages, « autour de moi » and the empty search on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let ids: number[];

  before(async () => {
    platform = await openTestPlatform();
    const owner = await makeActor(platform.db, 'Réseau des médiathèques', 'mediator');
    ids = [];
    for (let i = 0; i < PLACE_COUNT; i += 1) {
      // Every third place offers the administrative help; the others the test service only.
      const id = await addPlace(platform.db, owner.organisationId, '44109', i % 3 === 0 ? [SERVICE] : undefined);
      await platform.db.updateTable('places').set({ latitude: ORIGIN.lat + i * 0.002, longitude: ORIGIN.lon, name: `Médiathèque n° ${i + 1}` }).where('id', '=', id).execute();
      ids.push(id);
    }
    app = await buildApp(platform);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const near = `${ORIGIN.lat},${ORIGIN.lon}`;

  test('every place within the radius is on exactly one page, nearest first, and the total counts them all', async () => {
    const first = await searchPlaces(platform.db, { near, radiusKm: 30, limit: 20 });
    assert.equal(first.total, PLACE_COUNT);
    assert.deepEqual([first.page.page, first.page.limit, first.page.pageCount, first.page.first, first.page.last], [1, 20, 3, 1, 20]);
    const pages = [first, await searchPlaces(platform.db, { near, radiusKm: 30, limit: 20, page: 2 }), await searchPlaces(platform.db, { near, radiusKm: 30, limit: 20, page: 3 })];
    assert.deepEqual(pages.map((p) => p.results.length), [20, 20, 5]);
    const seen = pages.flatMap((p) => p.results.map((r) => r.id));
    assert.deepEqual(seen, ids, 'each place once, nearest first');
    const distances = pages.flatMap((p) => p.results.map((r) => r.distanceKm));
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b));
    // A page past the last shows the last one.
    const beyond = await searchPlaces(platform.db, { near, radiusKm: 30, limit: 20, page: 40 });
    assert.equal(beyond.page.page, 3);
    assert.deepEqual(beyond.results.map((r) => r.id), ids.slice(40));
  });

  test('the total is the full scan’s count, with filters and at every radius', async () => {
    // A place in the corner of the 4 km square around the origin, but 4.8 km away: counted by none of the searches.
    const owner = await platform.db.selectFrom('places').select('organisation_id').where('id', '=', ids[0]!).executeTakeFirstOrThrow();
    const corner = await addPlace(platform.db, owner.organisation_id, '44109', [SERVICE]);
    await platform.db.updateTable('places').set({ latitude: ORIGIN.lat - 0.03, longitude: ORIGIN.lon + 0.045 }).where('id', '=', corner).execute();
    const four = await searchPlaces(platform.db, { near, radiusKm: 4, limit: 100 });
    assert.ok(!four.results.some((r) => r.id === corner));
    assert.equal(four.total, four.results.length);
    assert.ok((await searchPlaces(platform.db, { near, radiusKm: 5, limit: 100 })).results.some((r) => r.id === corner));
    for (const radiusKm of [0.5, 2, 4, 4.7, 4.9, 5, 9.9, 30, 200]) {
      for (const filters of [{}, { services: [SERVICE] }]) {
        const search = await searchPlaces(platform.db, { near, radiusKm, limit: 100, ...filters });
        const scan = await searchByFullScan(platform.db, ORIGIN, filters, radiusKm, 10_000);
        assert.equal(search.total, scan.length, `${radiusKm} km ${JSON.stringify(filters)}`);
        assert.deepEqual(search.results.map((r) => r.id), scan.slice(0, 100).map((r) => r.id));
      }
    }
    await platform.db.deleteFrom('places').where('id', '=', corner).execute();
    const filtered = await searchPlaces(platform.db, { near, radiusKm: 30, services: [SERVICE] });
    assert.equal(filtered.total, Math.ceil(PLACE_COUNT / 3));
  });

  test('« open now » is counted and paged from the opening hours', async () => {
    await platform.db.updateTable('places').set({ opening_hours: 'Mo-Fr 09:00-18:00' }).where('id', 'in', ids.slice(0, 25)).execute();
    const tuesdayMorning = new Date('2026-11-24T10:00:00Z');
    const open = await searchPlaces(platform.db, { near, radiusKm: 30, openNow: true, limit: 10, page: 3 }, tuesdayMorning);
    assert.equal(open.total, 25);
    assert.deepEqual(open.results.map((r) => r.id), ids.slice(20, 25));
    const sunday = await searchPlaces(platform.db, { near, radiusKm: 30, openNow: true }, new Date('2026-11-29T10:00:00Z'));
    assert.deepEqual([sunday.total, sunday.results.length, sunday.page.pageCount], [0, 0, 0]);
  });

  test('API: total, limit, page and pageCount with the items; the query is checked (bounded limit, page ≥ 1)', async () => {
    const response = await app.inject({ url: `/api/v1/places?near=${encodeURIComponent(near)}&limit=20&page=2` });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { total: number; limit: number; page: number; pageCount: number; results: { id: number }[] };
    assert.deepEqual([body.total, body.limit, body.page, body.pageCount], [PLACE_COUNT, 20, 2, 3]);
    assert.deepEqual(body.results.map((r) => r.id), ids.slice(20, 40));
    const defaults = (await app.inject({ url: `/api/v1/places?near=${encodeURIComponent(near)}` })).json() as { limit: number; page: number };
    assert.deepEqual([defaults.limit, defaults.page], [20, 1]);
    for (const bad of ['limit=101', 'limit=0', 'page=0', 'page=-1', 'page=deux', 'lat=95&lng=0', 'lat=47.2']) {
      const refused = await app.inject({ url: `/api/v1/places?${bad.startsWith('lat') ? '' : `near=${encodeURIComponent(near)}&`}${bad}` });
      assert.ok([400, 422].includes(refused.statusCode), `${bad} → ${refused.statusCode}`);
      assert.match((refused.json() as { message: string }).message, /[a-zé]/);
    }
    const openapi = (await app.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, { get?: { responses: Record<string, { content?: { 'application/json'?: { schema?: { properties?: Record<string, unknown>; $ref?: string } } } }> } }> };
    const schema = JSON.stringify(openapi.paths['/api/v1/places']!.get!.responses['200']);
    for (const field of ['total', 'limit', 'page', 'pageCount', 'results']) assert.ok(schema.includes(`"${field}"`), `${field} dans le schéma OpenAPI`);
  });

  test('« autour de moi »: the browser’s position is the origin when nothing is typed', async () => {
    const response = await app.inject({ url: `/api/v1/places?lat=${ORIGIN.lat}&lng=${ORIGIN.lon}&radiusKm=1` });
    assert.equal(response.statusCode, 200, response.body);
    const body = response.json() as { origin: { label: string; lat: number }; total: number; results: { id: number }[] };
    assert.equal(body.origin.label, 'votre position');
    assert.equal(body.results[0]!.id, ids[0]);
    assert.equal(body.total, 5, 'the places within 1 km: one every 222 m');
    // Typed text wins over a position left in the form.
    const typed = (await app.inject({ url: `/api/v1/places?near=44000&lat=${ORIGIN.lat}&lng=${ORIGIN.lon}` })).json() as { origin: { label: string } };
    assert.notEqual(typed.origin.label, 'votre position');
    const page = await app.inject({ url: `/lieux?lat=${ORIGIN.lat}&lng=${ORIGIN.lon}&radiusKm=1` });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /5\u00a0lieux trouvés à moins de 1 km de votre position/);
    // The button exists for the script to reveal; without JavaScript it stays hidden.
    assert.match(page.body, /<div class="ni-geolocation fr-mb-2w" data-geolocation hidden>/);
    assert.match(page.body, /<script src="\/assets\/geolocation.js"><\/script>/);
    assert.equal((await app.inject({ url: '/assets/geolocation.js' })).statusCode, 200);
  });

  test('the page states the total and pages through results with links that keep every filter', async () => {
    const url = `/lieux?near=${encodeURIComponent(near)}&radiusKm=50&service=${encodeURIComponent('Maîtrise des outils numériques du quotidien')}&limit=10`;
    const page = await app.inject({ url });
    assert.equal(page.statusCode, 200);
    const body = decode(page.body);
    assert.match(body, /30\u00a0lieux trouvés à moins de 50 km/);
    assert.match(body, /Lieux 1 à 10, du plus proche au plus éloigné \(page 1 sur 3\)/);
    assert.match(body, /<nav role="navigation" class="fr-pagination[^"]*" aria-label="Pages des lieux trouvés">/);
    const pageTwo = hrefs(page.body).find((h) => h.startsWith('/lieux?') && h.includes('page=2'))!;
    assert.ok(pageTwo, 'un lien vers la page 2');
    const params = new URL(pageTwo, 'http://x').searchParams;
    assert.deepEqual([params.get('near'), params.get('radiusKm'), params.get('service'), params.get('limit')], [near, '50', 'Maîtrise des outils numériques du quotidien', '10']);
    const second = decode((await app.inject({ url: pageTwo })).body);
    assert.match(second, /aria-current="page" title="Page 2">2</);
    assert.match(second, /Lieux 11 à 20/);
    const names = [...second.matchAll(/<h3 class="fr-card__title"><a href="\/lieux\/(\d+)">/g)].map((m) => Number(m[1]));
    const expected = ids.filter((_, i) => i % 3 !== 0).slice(10, 20);
    assert.deepEqual(names, expected);
    const one = decode((await app.inject({ url: `/lieux?near=${encodeURIComponent(near)}&radiusKm=0.1` })).body);
    assert.match(one, /1\u00a0lieu trouvé à moins de 0,1 km/);
    assert.doesNotMatch(one, /fr-pagination/, 'one page: no pagination bar');
  });

  test('an empty search says what was searched, with which criteria, and links to widen it', async () => {
    const url = `/lieux?near=${encodeURIComponent(near)}&radiusKm=5&service=${encodeURIComponent(SERVICE)}&acceptsPass=1&openNow=1`;
    const page = await app.inject({ url });
    assert.equal(page.statusCode, 200);
    const body = decode(page.body);
    assert.match(body, /Aucun lieu trouvé à moins de 5 km/);
    assert.match(body, /Aucun lieu enregistré n’est à moins de 5 km de [^<]+ avec ces critères : propose « Aide aux démarches administratives », accepte le pass numérique, ouvert maintenant\./);
    const suggestions = /<ul id="suggestions">([\s\S]*?)<\/ul>/.exec(body)![1]!;
    const links = [...suggestions.matchAll(/<a class="fr-link" href="([^"]+)">([^<]+)<\/a>/g)].map((m) => ({ href: m[1]!, text: m[2]! }));
    assert.deepEqual(links.map((l) => l.text), [
      'chercher jusqu’à 10 km',
      'retirer le critère « propose « Aide aux démarches administratives » »',
      'retirer le critère « accepte le pass numérique »',
      'retirer le critère « ouvert maintenant »',
      'retirer tous les critères',
    ]);
    const widen = new URL(links[0]!.href, 'http://x').searchParams;
    assert.deepEqual([widen.get('radiusKm'), widen.get('service'), widen.get('acceptsPass'), widen.get('openNow')], ['10', SERVICE, '1', '1']);
    const withoutPass = new URL(links[2]!.href, 'http://x').searchParams;
    assert.deepEqual([withoutPass.get('acceptsPass'), withoutPass.get('service'), withoutPass.get('openNow'), withoutPass.get('radiusKm')], [null, SERVICE, '1', '5']);
    const bare = new URL(links[4]!.href, 'http://x').searchParams;
    assert.deepEqual([...bare.keys()].sort(), ['near', 'radiusKm']);
    // Following « retirer tous les critères » finds places.
    assert.match(decode((await app.inject({ url: links[4]!.href })).body), /lieux trouvés à moins de 5 km/);
    // Far from every place, at the largest distance and without filter: nothing to widen, another place suggested.
    const nowhere = decode((await app.inject({ url: '/lieux?near=43.3,5.4&radiusKm=200' })).body);
    assert.match(nowhere, /Aucun lieu trouvé à moins de 200 km/);
    assert.match(nowhere, /Essayez une autre commune/);
    assert.doesNotMatch(nowhere, /id="suggestions"/);
  });
});
