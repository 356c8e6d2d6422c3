import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { allocateBooklets } from '../../../src/pass/use-cases/booklets.js';
import { funderReport } from '../../../src/pass/use-cases/report.js';
import { searchPlaces } from '../../../src/places/use-cases/search.js';
import { completeTerritories, loadTerritoriesIfEmpty, TERRITORIES_VERSION } from '../../../src/territories/use-cases/load.js';
import { resolveDepartementList } from '../../../src/territories/use-cases/resolve.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { knowsEverything, runDiagnosticByApi } from '../../support/diagnostic.js';
import { buildWorld, TEST_SERVICE, type Actor } from '../../support/world.js';

interface ApiCandidate {
  kind: string;
  code: string;
  label: string;
  match: string;
  matchedBy: string;
  postalCodes: string[];
  departement: { code: string };
  commune: { code: string; name: string } | null;
}

/**
 * The one commune resolver behind every commune input, on the database: Paris, Lyon and Marseille rebuilt from their
 * arrondissements, the API the combobox calls, the places search and the hand-out's choice step without JavaScript.
 */
describe(`the commune resolver on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const communes = async (query: string, extra = '') => {
    const response = await app.inject({ url: `/api/v1/communes?q=${encodeURIComponent(query)}${extra}` });
    assert.equal(response.statusCode, 200, `${query} : ${response.body}`);
    return response.json() as { status: string; resolved: ApiCandidate | null; candidates: ApiCandidate[] };
  };

  before(async () => {
    platform = await openTestPlatform(testDatabaseKind, { departements: ['75', '69', '13'] });
    world = await buildWorld(platform.db, { bookletCount: 10 });
    await allocateBooklets(platform.db, world.funder.principal, { orderId: world.orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 6 });
    app = await buildApp(platform);
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  test('Paris, Lyon and Marseille are communes built from their arrondissements, marked as theirs', async () => {
    const rows = await platform.db.selectFrom('communes').select(['insee_code', 'name', 'kind', 'parent_code', 'population', 'postal_codes', 'lat', 'lng']).where('departement_code', 'in', ['75', '69', '13']).execute();
    for (const [code, name, arrondissements] of [['75056', 'Paris', 20], ['69123', 'Lyon', 9], ['13055', 'Marseille', 16]] as const) {
      const commune = rows.find((r) => r.insee_code === code)!;
      const children = rows.filter((r) => r.parent_code === code);
      assert.deepEqual([commune.name, commune.kind, commune.parent_code], [name, 'commune', null]);
      assert.equal(children.length, arrondissements, name);
      assert.ok(children.every((c) => c.kind === 'arrondissement'));
      assert.equal(commune.population, children.reduce((sum, c) => sum + (c.population ?? 0), 0));
      assert.deepEqual([...commune.postal_codes].sort(), [...new Set(children.flatMap((c) => c.postal_codes))].sort());
      assert.ok(commune.lat !== null && commune.lng !== null);
    }
    const departement = await platform.db.selectFrom('departements').select(['lat', 'lng']).where('code', '=', '44').executeTakeFirstOrThrow();
    assert.ok(departement.lat! > 47 && departement.lat! < 47.6 && departement.lng! < -1, 'the département has its centre');
  });

  test('the API: Paris, Lyon, Marseille, 75001, 13001, Saint-Nazaire written any way, Loire-Atlantique, 44150, an INSEE code', async () => {
    const paris = await communes('Paris');
    assert.equal(paris.status, 'ambiguous', 'the commune and the département are both named Paris');
    assert.deepEqual(paris.candidates.slice(0, 2).map((c) => [c.kind, c.code]), [['commune', '75056'], ['departement', '75']]);
    assert.ok(paris.candidates.some((c) => c.kind === 'arrondissement' && c.commune?.code === '75056'));
    assert.equal((await communes('Paris', '&kinds=commune,arrondissement')).resolved?.code, '75056');
    assert.equal((await communes('Lyon')).resolved?.code, '69123');
    assert.equal((await communes('Marseille')).resolved?.code, '13055');
    const first = await communes('75001');
    assert.deepEqual([first.status, first.resolved?.code, first.resolved?.kind, first.resolved?.commune?.name], ['resolved', '75101', 'arrondissement', 'Paris']);
    const marseille = await communes('13001');
    // 13001 is also the INSEE code of Aix-en-Provence: after the arrondissement having it as postal code.
    assert.deepEqual([marseille.resolved?.label, marseille.candidates.map((c) => c.label)], ['Marseille 1er Arrondissement (13)', ['Marseille 1er Arrondissement (13)', 'Aix-en-Provence (13)']]);
    assert.equal((await communes('Lyon 3e')).resolved?.code, '69383');
    for (const spelling of ['Saint Nazaire', 'St-Nazaire', 'saint-nazaire', 'ST NAZAIRE', '44600', '44184']) {
      assert.equal((await communes(spelling)).resolved?.label, 'Saint-Nazaire (44)', spelling);
    }
    for (const spelling of ['Loire-Atlantique', 'loire atlantique', '44']) {
      const found = await communes(spelling);
      assert.deepEqual([found.resolved?.kind, found.resolved?.code], ['departement', '44'], spelling);
    }
    const shared = await communes('44150');
    assert.equal(shared.status, 'ambiguous');
    assert.deepEqual(shared.candidates.filter((c) => c.matchedBy === 'postal_code').map((c) => c.code).sort(), ['44003', '44163']);
    assert.equal((await communes('44109')).resolved?.label, 'Nantes (44)');
    assert.equal((await communes('Atlantide')).status, 'none');
    assert.equal((await communes('Saint', '&limit=2')).candidates.length, 2);
    const unknownKind = await app.inject({ url: '/api/v1/communes?q=Nantes&kinds=ville' });
    assert.equal(unknownKind.statusCode, 400);
    assert.match(unknownKind.json().message, /genre inconnu/);
  });

  test('the places search starts from what the resolver finds: a commune, an arrondissement, a département', async () => {
    assert.equal((await searchPlaces(platform.db, { near: 'Lyon' })).origin.label, 'Lyon (69)');
    const arrondissement = (await searchPlaces(platform.db, { near: '75001' })).origin;
    assert.deepEqual([arrondissement.label, arrondissement.communeCode], ['Paris 1er Arrondissement (75)', '75101']);
    const departement = (await searchPlaces(platform.db, { near: 'Loire-Atlantique', radiusKm: 100 })).origin;
    assert.deepEqual([departement.label, departement.communeCode], ['Loire-Atlantique (département 44)', null]);
    const nazaire = await searchPlaces(platform.db, { near: 'st nazaire', radiusKm: 5 });
    assert.equal(nazaire.origin.communeCode, '44184');
    assert.ok(nazaire.results.some((r) => r.commune === 'Saint-Nazaire'), 'the place of Saint-Nazaire is found');
  });

  test('the search page without JavaScript: an ambiguous text comes back with the choice; the choice counts only for that text', async () => {
    const choice = await app.inject({ url: '/lieux?near=Paris' });
    assert.equal(choice.statusCode, 200);
    assert.match(choice.body, /Plusieurs communes ou départements correspondent à « Paris »/);
    assert.match(choice.body, /name="near_choix" value="Paris \(75\)"/);
    assert.match(choice.body, /name="near_choix" value="Paris \(département 75\)"/);
    assert.match(choice.body, /name="near_pour" value="Paris"/);
    assert.doesNotMatch(choice.body, /id="resultats"/, 'no search before the choice');
    const chosen = await app.inject({ url: `/lieux?near=Paris&near_pour=Paris&near_choix=${encodeURIComponent('Paris (75)')}` });
    assert.equal(chosen.statusCode, 200);
    assert.match(chosen.body, /id="resultats"/);
    assert.match(chosen.body, /id="near" name="near" value="Paris \(75\)"/, 'the field shows what was resolved');
    // The text changed after the choice was offered: the choice no longer applies, the new text is resolved.
    const retyped = await app.inject({ url: `/lieux?near=Nantes&near_pour=Paris&near_choix=${encodeURIComponent('Paris (75)')}` });
    assert.match(retyped.body, /value="Nantes \(44\)"/);
    const unknown = await app.inject({ url: '/lieux?near=Atlantide' });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /Aucune commune ni aucun département ne correspond à « Atlantide »/);
  });

  /** A signed-in browser: the session cookie, the CSRF cookie and a token for its forms. */
  async function browser(actor: Actor, url = '/carnets') {
    const session = await createSession(platform.db, actor.principal.userId);
    const page = await app.inject({ url, headers: { cookie: `ni_session=${session}` } });
    assert.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { cookie: [`ni_session=${session}`, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; '), csrf, page: page.body };
  }
  const freeBooklets = async () =>
    (await platform.db.selectFrom('booklets').select('number').where('allocated_organisation_id', '=', world.prescriber.organisationId).where('handed_at', 'is', null).orderBy('id').execute()).map((b) => b.number);

  test('the hand-out asks the commune by name or postal code; a shared postal code is a choice; nothing is preselected', async () => {
    const who = await browser(world.prescriber);
    // Every profile select starts on « Non renseigné », and the commune is asked by name or postal code.
    for (const select of ['ageBand', 'situation', 'diagnosticLevel']) {
      assert.match(who.page, new RegExp(`<select class="fr-select" id="${select}" name="${select}"><option value="" selected>Non renseigné`), select);
    }
    assert.doesNotMatch(who.page, /Code INSEE/);
    assert.match(who.page, /<label class="fr-label" for="commune">Commune de résidence <span class="fr-hint-text">Nom ou code postal/);
    const post = (fields: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/carnets/remise', headers: { cookie: who.cookie }, payload: { _csrf: who.csrf, ageBand: '', situation: '', diagnosticLevel: '', ...fields } });
    const free = await freeBooklets();
    const [first, second, third] = free;

    const ambiguous = await post({ numero: first!, commune: '44150', ageBand: '25-39' });
    assert.equal(ambiguous.statusCode, 200);
    assert.match(ambiguous.body, /Plusieurs communes correspondent à « 44150 » : choisissez dans la liste/);
    assert.match(ambiguous.body, /name="commune_choix" value="Ancenis-Saint-Géréon \(44\)"/);
    assert.match(ambiguous.body, /<option value="25-39" selected>/, 'what was typed stays');
    assert.equal((await freeBooklets()).length, free.length, 'nothing handed before the choice');
    const chosen = await post({ numero: first!, commune: '44150', commune_pour: '44150', commune_choix: 'Vair-sur-Loire (44)', ageBand: '25-39' });
    assert.equal(chosen.statusCode, 303, chosen.body);
    const handed = await platform.db.selectFrom('booklets').select(['profile_commune_code', 'profile_age_band', 'profile_situation']).where('number', '=', first!).executeTakeFirstOrThrow();
    assert.deepEqual(handed, { profile_commune_code: '44163', profile_age_band: '25-39', profile_situation: null });

    const unknown = await post({ numero: second!, commune: 'Atlantide' });
    assert.equal(unknown.statusCode, 422);
    assert.match(unknown.body, /Aucune commune ne correspond à « Atlantide »/);
    const byName = await post({ numero: second!, commune: 'st nazaire' });
    assert.equal(byName.statusCode, 303);
    assert.equal((await platform.db.selectFrom('booklets').select('profile_commune_code').where('number', '=', second!).executeTakeFirstOrThrow()).profile_commune_code, '44184');
    // All « Non renseigné »: stored as such (null), and counted apart by the funder report.
    const nothing = await post({ numero: third!, commune: '' });
    assert.equal(nothing.statusCode, 303);
    const blank = await platform.db.selectFrom('booklets').select(['profile_commune_code', 'profile_age_band', 'profile_situation', 'handed_at']).where('number', '=', third!).executeTakeFirstOrThrow();
    assert.deepEqual([blank.profile_commune_code, blank.profile_age_band, blank.profile_situation, blank.handed_at !== null], [null, null, null, true]);
    const report = await funderReport(platform.db, world.funder.principal, world.funder.organisationId);
    for (const groups of [report.reach.ageBands, report.reach.situations, report.reach.communes]) {
      assert.ok(groups.some((g) => g.label === 'Non renseigné'), JSON.stringify(groups));
    }
    assert.ok(!report.reach.ageBands.some((g) => g.label === 'Non renseigné' && g.booklets !== null && g.booklets > 2), 'counted apart, not with a real band');
  });

  test('the place form and the diagnostic ask the commune through the same field, with the same choice step', async () => {
    const mediator = await browser(world.mediatorA, '/lieux/nouveau');
    const place = { nom: 'Lieu du résolveur', adresse: '2 rue des Communes', services: TEST_SERVICE };
    const post = (url: string, fields: Record<string, string>) => app.inject({ method: 'POST', url, headers: { cookie: mediator.cookie }, payload: { _csrf: mediator.csrf, ...place, ...fields } });
    const ambiguous = await post('/lieux/nouveau', { code_postal: '44150', commune: '44150' });
    assert.equal(ambiguous.statusCode, 200);
    assert.match(ambiguous.body, /name="commune_choix" value="Vair-sur-Loire \(44\)"/);
    assert.match(ambiguous.body, /value="Lieu du résolveur"/, 'what was typed stays');
    const created = await post('/lieux/nouveau', { code_postal: '44150', commune: '44150', commune_pour: '44150', commune_choix: 'Ancenis-Saint-Géréon (44)' });
    assert.equal(created.statusCode, 303, created.body);
    const id = Number(/\/lieux\/(\d+)\//.exec(String(created.headers.location))![1]);
    const row = await platform.db.selectFrom('places').select(['commune_code', 'commune_name', 'postal_code']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { commune_code: '44003', commune_name: 'Ancenis-Saint-Géréon', postal_code: '44150' });
    // The postal code beside the name chooses among homonyms; the edit form shows the commune as its label.
    const edited = await post(`/lieux/${id}/modifier`, { code_postal: '44600', commune: 'saint nazaire' });
    assert.equal(edited.statusCode, 303, edited.body);
    const form = await app.inject({ url: `/lieux/${id}/modifier`, headers: { cookie: mediator.cookie } });
    assert.match(form.body, /id="commune" name="commune" value="Saint-Nazaire \(44\)"/);
    const unknown = await post(`/lieux/${id}/modifier`, { code_postal: '44600', commune: 'Atlantide' });
    assert.equal(unknown.statusCode, 422);
    assert.equal((await platform.db.selectFrom('places').select('commune_code').where('id', '=', id).executeTakeFirstOrThrow()).commune_code, '44184', 'nothing changed');

    const started = (await app.inject({ method: 'POST', url: '/api/v1/diagnostics', payload: {} })).json();
    await runDiagnosticByApi(app, started.id, knowsEverything);
    const person = await app.inject({ url: `/diagnostic/${started.id}` });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(person.body)![1]!;
    const cookie = person.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const near = (fields: Record<string, string>) => app.inject({ method: 'POST', url: `/diagnostic/${started.id}/lieux`, headers: { cookie }, payload: { _csrf: csrf, ...fields } });
    const choice = await near({ commune: '44150' });
    assert.equal(choice.statusCode, 200);
    assert.match(choice.body, /name="commune_choix" value="Ancenis-Saint-Géréon \(44\)"/);
    assert.equal((await near({ commune: '44150', commune_pour: '44150', commune_choix: 'Ancenis-Saint-Géréon (44)' })).statusCode, 303);
    const stored = await platform.db.selectFrom('diagnostics').select('near').where('id', '=', started.id).executeTakeFirstOrThrow();
    assert.equal(stored.near, 'Ancenis-Saint-Géréon (44)', 'the label, which names that commune alone');
    assert.equal((await near({ commune: 'Atlantide' })).statusCode, 422);
  });

  test('the API hand-out takes « non renseigné » as null; the programme form takes départements by name or number', async () => {
    const [number] = await freeBooklets();
    const handed = await app.inject({ method: 'POST', url: `/api/v1/booklets/${number}/hand`, headers: { authorization: `Bearer ${world.prescriber.token}` }, payload: { ageBand: null, communeCode: '75056' } });
    assert.equal(handed.statusCode, 200, handed.body);
    const row = await platform.db.selectFrom('booklets').select(['profile_commune_code', 'profile_age_band', 'profile_situation']).where('number', '=', number!).executeTakeFirstOrThrow();
    assert.deepEqual(row, { profile_commune_code: '75056', profile_age_band: null, profile_situation: null });
    assert.deepEqual(await resolveDepartementList(platform.db, 'Loire-Atlantique, 85; ille et vilaine'), ['44', '85', '35']);
    assert.deepEqual(await resolveDepartementList(platform.db, '44 85'), ['44', '85']);
    await assert.rejects(resolveDepartementList(platform.db, 'Atlantide'), /Aucun département ne correspond à « Atlantide »/);
    await assert.rejects(resolveDepartementList(platform.db, 'Savoi'), (error: Error) => /Plusieurs départements correspondent à « Savoi »/.test(error.message) && /Haute-Savoie \(département 74\)/.test(error.message) && /Savoie \(département 73\)/.test(error.message));
  });
});

/**
 * A database loaded before migration 007 (communes only, no Paris, no arrondissements, no centres): its next start
 * completes it, once; a second start reads nothing.
 */
describe(`a referential loaded before migration 007, completed at the next start, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;

  before(async () => {
    platform = await openTestPlatform(testDatabaseKind, { migrateUpTo: '006_throttling', departements: ['75', '69', '13'] });
  });
  after(async () => platform.dispose());

  test('the loader adds Paris, Lyon, Marseille, the arrondissements and the centres, idempotently', async () => {
    const db = platform.db;
    const before = Number((await sql<{ n: string }>`select count(*) as n from communes`.execute(db)).rows[0]!.n);
    assert.equal((await sql`select 1 from communes where insee_code in ('75056', '69123', '13055', '75101')`.execute(db)).rows.length, 0, 'as the old loader left it');
    await migrateToLatest(db);
    assert.equal(await loadTerritoriesIfEmpty(db), false, 'not empty: completed, not reloaded');
    const rows = await db.selectFrom('communes').select(['insee_code', 'kind', 'parent_code']).where('departement_code', 'in', ['75', '69', '13']).execute();
    assert.deepEqual(rows.filter((r) => ['75056', '69123', '13055'].includes(r.insee_code)).map((r) => r.kind), ['commune', 'commune', 'commune']);
    assert.equal(rows.filter((r) => r.kind === 'arrondissement').length, 45);
    assert.equal(rows.find((r) => r.insee_code === '13201')?.parent_code, '13055');
    const after = Number((await sql<{ n: string }>`select count(*) as n from communes`.execute(db)).rows[0]!.n);
    assert.equal(after, before + 48);
    assert.equal((await db.selectFrom('departements').select('code').where('lat', 'is', null).execute()).length, 0);
    assert.equal((await db.selectFrom('app_settings').select('value').where('key', '=', 'territories.version').executeTakeFirstOrThrow()).value, TERRITORIES_VERSION);
    assert.deepEqual(await completeTerritories(db), { added: 0, updated: 0 }, 'a second start reads nothing');
    assert.deepEqual(await completeTerritories(db, { addDepartements: ['75'] }), { added: 0, updated: 0 }, 'already in scope');
    // Communes of a département not loaded yet (a test needing them) come with their arrondissements' rules.
    const added = await completeTerritories(db, { addDepartements: ['2A'] });
    assert.ok(added.added > 100);
    assert.equal(Number((await sql<{ n: string }>`select count(*) as n from communes`.execute(db)).rows[0]!.n), after + added.added);
  });
});
