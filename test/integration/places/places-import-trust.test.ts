import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { loadPrincipal, SYSTEM_PRINCIPAL, type Principal } from '../../../src/accounts/use-cases/principal.js';
import { buildApp } from '../../../src/app.js';
import { placesCommand } from '../../../src/cli/places.js';
import { DomainError } from '../../../src/shared/errors.js';
import { listOpenDuplicates } from '../../../src/places/use-cases/duplicates.js';
import { importPlaces, type ImportOptions } from '../../../src/places/use-cases/import.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { toCsv, type Row } from '../../support/places-file.js';
import { makeActor, type Actor } from '../../support/world.js';

/**
 * Security review, findings 5 and 6: a hub imports only inside its territory (each row's commune, and the place
 * a row would update), and a row matching a place by SIRET + address from another source never overwrites it:
 * it becomes a new place and the pair goes to duplicate review.
 */
describe(`places import: territory and trust on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let hub: Actor;
  const TERRITORY = ['44', '49', '53', '72', '85'];
  const OUTSIDE = /hors du territoire de votre hub \(départements 44, 49, 53, 72, 85\)/;

  const importAs = (principal: Principal, content: string, options: ImportOptions = {}) => importPlaces(platform.db, principal, content, options);
  const placeByStandardId = (standardId: string) => platform.db.selectFrom('places').selectAll().where('standard_id', '=', standardId).executeTakeFirst();
  const count = async () => Number((await platform.db.selectFrom('places').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  /** Every place of Ille-et-Vilaine, whole rows: what must not move. */
  const placesOf35 = () =>
    platform.db.selectFrom('places as p').innerJoin('communes as c', 'c.insee_code', 'p.commune_code').selectAll('p').where('c.departement_code', '=', '35').orderBy('p.id').execute();

  const rennes = (id: string, extra: Row = {}): Row => ({
    id, pivot: '21350238800019', nom: 'Espace numérique de Rennes', commune: 'Rennes', code_postal: '35000', code_insee: '35238', adresse: '1 place de la Mairie',
    latitude: 48.1113, longitude: -1.68, date_maj: '2026-09-01', services: 'Aide aux démarches administratives', source: 'Bretagne numérique', ...extra,
  });

  /** A hub's file: two rows outside (a new one, one updating the place of 35 by SIRET + address), two inside. */
  const territoryFile = (prefix: string): Row[] => [
    rennes(`${prefix}-rennes-neuf`, { pivot: '00000000000000', nom: `Nouveau lieu rennais ${prefix}`, adresse: '8 rue de Brest' }),
    rennes(`${prefix}-rennes-siret`, { presentation_resume: `Réécrit par ${prefix}` }),
    { id: `${prefix}-nantes`, pivot: '00000000000000', nom: `Atelier ${prefix} de Nantes`, commune: 'Nantes', code_postal: '44000', code_insee: '44109', adresse: '5 rue de Strasbourg', date_maj: '2026-09-01', services: 'Loisirs et créations numériques', source: 'Hub' },
    { id: `${prefix}-vendee`, pivot: '00000000000000', nom: `Atelier ${prefix} de La Roche`, commune: 'La Roche-sur-Yon', code_postal: '85000', adresse: '3 rue Clemenceau', date_maj: '2026-09-01', services: 'Loisirs et créations numériques', source: 'Hub' },
  ];

  before(async () => {
    platform = await openTestPlatform();
    app = await buildApp(platform);
    hub = await makeActor(platform.db, 'Hub Pays de la Loire', 'hub', '44');
    await platform.db.insertInto('organisation_departements').values(TERRITORY.map((code) => ({ organisation_id: hub.organisationId, departement_code: code }))).execute();
    hub = { ...hub, principal: (await loadPrincipal(platform.db, hub.principal.userId))! };
    assert.deepEqual([...hub.principal.memberships[0]!.departements].sort(), TERRITORY);
    // The place of Ille-et-Vilaine, from the regional aggregator (the national operator imports it).
    const seeded = await importAs(SYSTEM_PRINCIPAL, toCsv([rennes('bzh-1')]));
    assert.deepEqual([seeded.created, seeded.errors.length], [1, 0]);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('a hub’s rows outside its territory are refused, line by line; without “valid rows only” nothing is written', async () => {
    const before35 = await placesOf35();
    const total = await count();
    const report = await importAs(hub.principal, toCsv(territoryFile('uc')), { fileName: 'hub.csv' });
    assert.equal(report.written, false);
    assert.deepEqual(report.errors.map((e) => [e.line, e.field]), [[2, 'code_insee'], [3, 'code_insee']]);
    for (const error of report.errors) assert.match(error.reason, OUTSIDE);
    assert.equal(report.validRows, 2);
    assert.equal(await count(), total);
    assert.deepEqual(await placesOf35(), before35);
  });

  test('with “valid rows only”, the rows outside are skipped and reported, the rows inside are imported', async () => {
    const before35 = await placesOf35();
    const report = await importAs(hub.principal, toCsv(territoryFile('vo')), { validOnly: true });
    assert.equal(report.written, true);
    assert.deepEqual([report.created, report.updated, report.unchanged], [2, 0, 0]);
    assert.deepEqual(report.errors.map((e) => [e.line, e.field]), [[2, 'code_insee'], [3, 'code_insee']]);
    assert.deepEqual(await placesOf35(), before35);
    assert.equal(await placeByStandardId('vo-rennes-neuf'), undefined);
    assert.ok(await placeByStandardId('vo-nantes'));
    assert.ok(await placeByStandardId('vo-vendee'));
  });

  test('a row naming a place of another département by its id is refused even when it moves it into the territory', async () => {
    const before35 = await placesOf35();
    const moved = rennes('bzh-1', { commune: 'Nantes', code_postal: '44000', code_insee: '', adresse: '1 place Royale', latitude: 47.2153, longitude: -1.5597 });
    for (const validOnly of [false, true]) {
      const report = await importAs(hub.principal, toCsv([moved]), { validOnly });
      assert.equal(report.written, false);
      assert.deepEqual(report.errors.map((e) => [e.line, e.field]), [[2, 'commune']]);
      assert.match(report.errors[0]!.reason, OUTSIDE);
      assert.match(report.errors[0]!.reason, /35/);
    }
    assert.deepEqual(await placesOf35(), before35);
  });

  test('the same through POST /api/v1/places/import with the hub’s token', async () => {
    const before35 = await placesOf35();
    const total = await count();
    const post = (query: string, prefix: string) =>
      app.inject({ method: 'POST', url: `/api/v1/places/import${query}`, headers: { authorization: `Bearer ${hub.token}`, 'content-type': 'text/csv' }, payload: toCsv(territoryFile(prefix)) });
    const refused = await post('', 'api');
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().written, false);
    assert.deepEqual(refused.json().errors.map((e: { line: number; field: string }) => [e.line, e.field]), [[2, 'code_insee'], [3, 'code_insee']]);
    for (const error of refused.json().errors) assert.match(error.reason, OUTSIDE);
    assert.equal(await count(), total);
    assert.deepEqual(await placesOf35(), before35);
    const partial = await post('?validOnly=true', 'api');
    assert.equal(partial.statusCode, 200, partial.body);
    assert.deepEqual([partial.json().written, partial.json().created, partial.json().updated], [true, 2, 0]);
    assert.equal(partial.json().errors.length, 2);
    assert.deepEqual(await placesOf35(), before35);
    assert.equal(await placeByStandardId('api-rennes-neuf'), undefined);
  });

  test('the command line acts as the system principal: every département, journaled as the system', async () => {
    const directory = await mkdtemp(path.join(tmpdir(), 'inclusif-import-'));
    const file = path.join(directory, 'systeme.csv');
    await writeFile(file, toCsv([rennes('cli-1', { pivot: '00000000000000', nom: 'Lieu importé en ligne de commande', adresse: '9 rue de Nantes' })]));
    const log = console.log;
    const progress = process.stderr.write;
    try {
      console.log = () => undefined;
      process.stderr.write = (() => true) as typeof process.stderr.write;
      await placesCommand((run) => run(platform)).parseAsync(['import', file], { from: 'user' });
    } finally {
      console.log = log;
      process.stderr.write = progress;
      await rm(directory, { recursive: true, force: true });
    }
    assert.ok(await placeByStandardId('cli-1'));
    const journal = await platform.db.selectFrom('audit_events').select(['actor_user_id', 'details']).where('action', '=', 'places.imported').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    assert.equal(journal.actor_user_id, null);
    const details = typeof journal.details === 'string' ? JSON.parse(journal.details) : journal.details;
    assert.equal(details.by, 'system');
    assert.equal(details.fileName, file);
  });

  test('somebody who is neither a hub nor the administration cannot import at all', async () => {
    const mediator = await makeActor(platform.db, 'Lieu nantais', 'mediator', '44');
    const total = await count();
    await assert.rejects(importAs(mediator.principal, toCsv(territoryFile('med').slice(2))), (error: unknown) => error instanceof DomainError && error.kind === 'forbidden');
    assert.equal(await count(), total);
  });

  test('same SIRET and address from another source: the labelled place is untouched, a new place and a duplicate pair are recorded', async () => {
    const sourceA: Row = {
      id: 'a-42', pivot: '21440109300015', nom: 'Médiathèque Jacques Demy', commune: 'Nantes', code_postal: '44000', code_insee: '44109', adresse: '24 quai de la Fosse',
      latitude: 47.2106, longitude: -1.5656, date_maj: '2026-06-01', services: 'Aide aux démarches administratives', source: 'Source A',
    };
    assert.equal((await importAs(SYSTEM_PRINCIPAL, toCsv([sourceA]))).created, 1);
    const labelled = (await placeByStandardId('a-42'))!;
    await platform.db.insertInto('place_labels').values({ place_id: labelled.id, status: 'approved', valid_from: '2020-01-01', valid_until: '2099-12-31' }).execute();
    const before = (await placeByStandardId('a-42'))!;
    const labelsBefore = await platform.db.selectFrom('place_labels').selectAll().where('place_id', '=', labelled.id).execute();

    const sourceB: Row = { ...sourceA, id: 'b-7', adresse: '24, Quai de la Fosse', latitude: 47.3, longitude: -1.4, presentation_resume: 'Fiche de la source B', source: 'Source B' };
    const report = await importAs(hub.principal, toCsv([sourceB]));
    assert.deepEqual([report.written, report.created, report.updated, report.errors.length], [true, 1, 0, 0]);
    assert.ok(report.duplicateCandidates >= 1);
    assert.deepEqual(await placeByStandardId('a-42'), before);
    assert.deepEqual(await platform.db.selectFrom('place_labels').selectAll().where('place_id', '=', labelled.id).execute(), labelsBefore);
    const created = (await placeByStandardId('b-7'))!;
    assert.deepEqual([created.source, created.latitude, created.longitude], ['Source B', 47.3, -1.4]);
    const pair = await platform.db.selectFrom('place_duplicates').selectAll().where('place_id', '=', labelled.id).where('other_place_id', '=', created.id).executeTakeFirst();
    assert.ok(pair, 'the pair goes to duplicate review');
    assert.deepEqual([pair.reason, pair.status], ['same_siret', 'open']);

    const listed = (await listOpenDuplicates(platform.db, hub.principal.memberships[0]!.departements)).find((p) => p.placeId === labelled.id && p.otherPlaceId === created.id);
    assert.ok(listed);
    assert.deepEqual([listed.placeLabelled, listed.otherPlaceLabelled], [true, false]);
    const session = await createSession(platform.db, hub.principal.userId);
    const page = await app.inject({ url: '/lieux/doublons', headers: { cookie: `ni_session=${session}` } });
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Même SIRET, autre source/);
    assert.match(page.body, /Médiathèque Jacques Demy<\/a>[^<]*\(source : Source A\)\s*<p class="fr-badge[^>]*>Labellisé/);
    assert.match(page.body, /\(source : Source B\)(?!\s*<p class="fr-badge)/);
    assert.match(page.body, /Labellisé du [^<]+ au [^<]+ ; fiche mise à jour le/);
    assert.match(page.body, /Jamais labellisé ; fiche mise à jour le/);

    // The file again: the new place is found by its own identifier, nothing changes.
    const again = await importAs(hub.principal, toCsv([sourceB]));
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 1]);
    assert.deepEqual(await placeByStandardId('a-42'), before);

    // The same source with the same SIRET and address still updates its own place.
    const sameSource = await importAs(hub.principal, toCsv([{ ...sourceA, id: 'a-42-bis', presentation_resume: 'Mise à jour de la source A' }]));
    assert.deepEqual([sameSource.created, sameSource.updated], [0, 1]);
    assert.equal((await placeByStandardId('a-42'))!.summary, 'Mise à jour de la source A');
  });
});
