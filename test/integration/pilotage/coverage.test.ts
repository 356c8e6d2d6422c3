import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { haversineKm } from '../../../src/places/domain/geo.js';
import { ifnClass } from '../../../src/pilotage/domain/coverage.js';
import { loadCommuneFactsIfMissing } from '../../../src/pilotage/use-cases/commune-facts.js';
import { refreshCoverage, worstServedCommunes } from '../../../src/pilotage/use-cases/coverage.js';
import { cellText } from '../../../src/pilotage/use-cases/coverage-table.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { pageClient } from '../../support/pages.js';
import { addPlace, buildWorld, makeActor, type Actor } from '../../support/world.js';

/** The CSV's cells: « ; »-separated, decimal commas, BOM first (src/shared/csv.ts); no quoted cell in these files. */
const csvRows = (body: string) => body.replace(/^\uFEFF/, '').trim().split('\r\n').map((line) => line.split(';'));
/** The table's cells as text, row by row (the row header first). */
const tableRows = (html: string, id: string) => {
  const table = html.slice(html.indexOf(`<table id="${id}"`), html.indexOf('</table>', html.indexOf(`<table id="${id}"`)));
  const body = table.slice(table.indexOf('<tbody>'));
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&').trim()));
};

describe(`coverage gaps on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let hub: Actor;
  let otherHub: Actor;
  let app: FastifyInstance;

  before(async () => {
    platform = await openTestPlatform(testDatabaseKind, { departements: ['13'] });
    world = await buildWorld(platform.db);
    hub = await makeActor(platform.db, 'Hub Ouest', 'hub');
    otherHub = await makeActor(platform.db, 'Hub Bretagne', 'hub', '35');
    await platform.db.insertInto('organisation_departements').values([{ organisation_id: hub.organisationId, departement_code: '44' }, { organisation_id: hub.organisationId, departement_code: '85' }, { organisation_id: otherHub.organisationId, departement_code: '44' }]).onConflict((oc) => oc.doNothing()).execute();
    // A place without a label in Rezé: counted as a place, never as the nearest labelled one.
    await addPlace(platform.db, null, '44143');
    // A commune whose IFN is unknown (as Les Trois Lacs in the file): the refresh must still give it a row.
    await loadCommuneFactsIfMissing(platform.db);
    await platform.db.updateTable('commune_facts').set({ ifn_total: null }).where('insee_code', '=', '44020').execute();
    await refreshCoverage(platform.db, new Date('2026-12-01T10:00:00Z'));
    app = await buildApp(platform);
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  test('the IFN of every loaded commune is in the table, Marseille from its arrondissements, and loading again writes nothing', async () => {
    const facts = await platform.db.selectFrom('commune_facts').selectAll().execute();
    const communes = await platform.db.selectFrom('communes').select('insee_code').execute();
    assert.equal(facts.length, communes.length);
    const nantes = facts.find((f) => f.insee_code === '44109')!;
    assert.ok(nantes.ifn_total !== null && nantes.ifn_total > 0 && nantes.ifn_total <= 10);
    assert.ok(nantes.working_age_population! > 100_000, 'Nantes has its 15–64 population');
    const marseille = facts.find((f) => f.insee_code === '13055')!;
    assert.equal(marseille.ifn_derived, true, 'Marseille’s own row is empty: derived from its arrondissements');
    assert.ok(marseille.ifn_total !== null && marseille.working_age_population! > 400_000);
    assert.equal(await loadCommuneFactsIfMissing(platform.db), 0);
  });

  test('every commune has its row; a labelled place at the centre is at distance 0, a neighbour at the great-circle distance', async () => {
    const rows = await platform.db.selectFrom('coverage_communes').selectAll().execute();
    const communes = await platform.db.selectFrom('communes').select(['insee_code', 'lat', 'lng']).where('kind', '=', 'commune').execute();
    assert.equal(rows.length, communes.length, 'one row per commune (kind = commune)');
    const nantes = rows.find((r) => r.insee_code === '44109')!;
    assert.equal(nantes.nearest_labelled_km, 0);
    assert.equal(nantes.nearest_pass_km, 0);
    assert.ok(nantes.labelled_places >= 1 && nantes.places_accepting_pass >= 1 && nantes.mediators >= 1);
    const places = await platform.db.selectFrom('places').innerJoin('place_labels', 'place_labels.place_id', 'places.id').select(['latitude', 'longitude']).where('place_labels.status', '=', 'approved').execute();
    assert.equal(places.length, 3);
    assert.equal(rows.find((r) => r.insee_code === '44143')!.places, 1, 'the unlabelled place counts as a place');
    for (const code of ['44143', '44020', '85191']) {
      const commune = communes.find((c) => c.insee_code === code)!;
      const expected = Math.min(...places.map((p) => haversineKm({ lat: commune.lat!, lon: commune.lng! }, { lat: p.latitude, lon: p.longitude })));
      const row = rows.find((r) => r.insee_code === code)!;
      assert.ok(Math.abs(row.nearest_labelled_km! - expected) < 1e-6, `${code}: ${row.nearest_labelled_km} ≠ ${expected}`);
      assert.equal(row.labelled_places, 0);
    }
    const unknown = rows.find((r) => r.insee_code === '44020')!;
    assert.equal(unknown.ifn_total, null);
    assert.equal(ifnClass(unknown.ifn_total), 0);
    assert.ok(unknown.gap_score >= 0 && unknown.gap_score <= 100 && unknown.need_people > 0);
    const departement = await platform.db.selectFrom('coverage_departements').selectAll().where('departement_code', '=', '44').executeTakeFirstOrThrow();
    assert.equal(departement.communes, rows.filter((r) => r.departement_code === '44').length);
    assert.equal(departement.labelled_places, rows.filter((r) => r.departement_code === '44').reduce((a, r) => a + r.labelled_places, 0));
  });

  test('the département page’s table and its CSV hold the same rows, worst served first; the API agrees', async () => {
    const page = await app.inject({ url: '/pilotage/couverture/44' });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<svg[^>]+role="img"[^>]+aria-label="Carte des communes du département/);
    assert.match(page.body, /Couverture calculée le 1er décembre 2026/);
    const csv = await app.inject({ url: '/pilotage/couverture/44.csv' });
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /text\/csv/);
    const [header, ...lines] = csvRows(csv.body);
    assert.equal(header![0], 'Code INSEE');
    const shown = tableRows(page.body, 'couverture-communes');
    assert.equal(shown.length, 50, 'first page of 50');
    shown.forEach((cells, i) => {
      const line = lines[i]!;
      assert.equal(cells[0], `${line[1]} (${line[0]})`);
      assert.deepEqual(cells.slice(1), line.slice(2).map((v) => cellText(v === '' ? '' : /^-?\d+(,\d+)?$/.test(v) ? Number(v.replace(',', '.')) : v)));
    });
    const unmet = lines.map((l) => Number(l[header!.indexOf('Besoin non couvert (estimation)')]!.replace(',', '.')));
    assert.deepEqual(unmet, [...unmet].sort((a, b) => b - a), 'worst served first');
    const api = (await app.inject({ url: '/api/v1/pilotage/coverage?departement=44&limit=100' })).json() as { communes: { code: string }[]; total: number; computedAt: string };
    assert.equal(api.total, lines.length);
    assert.deepEqual(api.communes.map((c) => c.code), lines.slice(0, 100).map((l) => l[0]));
    assert.equal(api.computedAt, '2026-12-01T10:00:00.000Z');
  });

  test('the France page has one path per département and its table; the CSV has the same départements', async () => {
    const page = await app.inject({ url: '/pilotage/couverture?tri=code' });
    assert.equal(page.statusCode, 200);
    assert.equal((page.body.match(/<path id="dep-/g) ?? []).length, 101);
    const shown = tableRows(page.body, 'couverture-departements');
    const lines = csvRows((await app.inject({ url: '/pilotage/couverture.csv' })).body).slice(1);
    assert.deepEqual(shown.map((r) => r[0]).sort(), lines.map((l) => `${l[1]} (${l[0]})`).sort());
    assert.equal((await app.inject({ url: '/pilotage/couverture/99' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/pilotage/couverture/abc' })).statusCode, 422);
    assert.equal((await app.inject({ url: '/api/v1/pilotage/coverage?departement=abc' })).statusCode, 400);
  });

  test('a hub sees its worst-served communes; another hub and a funder are refused', async () => {
    const { communes, hub: seen } = await worstServedCommunes(platform.db, hub.principal, hub.organisationId, 10);
    assert.deepEqual(seen.departements, ['44', '85']);
    assert.equal(communes.length, 10);
    assert.ok(communes.every((c, i) => i === 0 || communes[i - 1]!.unmetNeed >= c.unmetNeed));
    await assert.rejects(worstServedCommunes(platform.db, otherHub.principal, hub.organisationId, 10), /membres du hub/);
    await assert.rejects(worstServedCommunes(platform.db, world.funder.principal, hub.organisationId, 10), /membres du hub/);
    await assert.rejects(worstServedCommunes(platform.db, null, hub.organisationId, 10), /Connectez-vous/);
    const client = await pageClient(app, platform.db, hub.principal.userId);
    const page = await client.get(`/pilotage/couverture/hub/${hub.organisationId}`);
    assert.equal(page.statusCode, 200);
    assert.equal(tableRows(page.body, 'communes-moins-desservies').length, 50);
    const other = await pageClient(app, platform.db, otherHub.principal.userId);
    assert.equal((await other.get(`/pilotage/couverture/hub/${hub.organisationId}`)).statusCode, 403);
  });
});
