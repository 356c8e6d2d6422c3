import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { httpStatus as httpStatusOf } from '../../../src/http/errors.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../src/shared/errors.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { exportCsv, exportJson } from '../../../src/places/use-cases/export.js';
import { SYSTEM_PRINCIPAL } from '../../../src/accounts/domain/principal.js';
import { importPlaces } from '../../../src/places/use-cases/import.js';
import { applyForLabel, decideLabel, listCriteria, saveCriterion } from '../../../src/places/use-cases/labels.js';
import { listOpenDuplicates, reviewDuplicate } from '../../../src/places/use-cases/duplicates.js';
import { searchByFullScan, searchPlaces } from '../../../src/places/use-cases/search.js';
import { getPlace, updatePlace } from '../../../src/places/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { sampleRows, toCsv } from '../../support/places-file.js';
import { buildWorld, makeActor, serialsOfBooklet } from '../../support/world.js';

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

const refusal = (status: number, code: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatusOf(error), status, error.message);
  assert.equal(error.code, code);
  return true;
};

describe(`places directory on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const count = async () => Number((await platform.db.selectFrom('places').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('a file with errors writes nothing and names each line, field and reason in French', async () => {
    const before = await count();
    const rows = sampleRows();
    rows[1] = { ...rows[1]!, code_postal: '4440', services: 'Jardinage' };
    rows.push({ ...rows[0]!, id: 'src-1', nom: 'Doublon interne' });
    const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(rows), { fileName: 'erreurs.csv' });
    assert.equal(report.written, false);
    assert.equal(await count(), before);
    assert.deepEqual(
      report.errors.map((e) => [e.line, e.field]),
      [[3, 'code_postal'], [3, 'services'], [5, 'id']],
    );
    assert.match(report.errors[2]!.reason, /déjà utilisé ligne 2/);
  });

  test('asked to, the valid rows of a file with errors are imported, and only they', async () => {
    const rows = sampleRows();
    rows[2] = { ...rows[2]!, date_maj: 'hier' };
    const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(rows), { validOnly: true });
    assert.equal(report.written, true);
    assert.equal(report.created, 2);
    assert.deepEqual(report.errors.map((e) => [e.line, e.field]), [[4, 'date_maj']]);
  });

  test('a valid file imports; the same file again changes nothing; a changed row is updated', async () => {
    const first = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(sampleRows()));
    assert.deepEqual([first.created, first.updated, first.unchanged], [1, 0, 2]);
    const placesAfterFirst = await platform.db.selectFrom('places').select(['id', 'updated_at']).orderBy('id').execute();
    const again = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(sampleRows()));
    assert.deepEqual([again.created, again.updated, again.unchanged, again.errors.length], [0, 0, 3, 0]);
    assert.deepEqual(await platform.db.selectFrom('places').select(['id', 'updated_at']).orderBy('id').execute(), placesAfterFirst);
    const changed = sampleRows();
    changed[0] = { ...changed[0]!, horaires: 'Tu-Sa 10:00-19:00' };
    const third = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(changed));
    assert.deepEqual([third.created, third.updated, third.unchanged], [0, 1, 2]);
    const place = await platform.db.selectFrom('places').selectAll().where('standard_id', '=', 'src-1').executeTakeFirstOrThrow();
    assert.equal(place.opening_hours, 'Tu-Sa 10:00-19:00');
    assert.equal(place.phone, '+33240419595');
    assert.equal(place.coordinates_from_commune, false);
    const withoutCoordinates = await platform.db.selectFrom('places').selectAll().where('standard_id', '=', 'src-3').executeTakeFirstOrThrow();
    assert.equal(withoutCoordinates.coordinates_from_commune, true);
    assert.equal(withoutCoordinates.commune_code, '44162');
  });

  test('another source with the same SIRET and address updates that place instead of adding one', async () => {
    const rows = sampleRows().slice(0, 1).map((row) => ({ ...row, id: 'autre-source-17', adresse: '10 BIS, Boulevard de Stalingrad', presentation_resume: 'Fiche enrichie' }));
    const before = await count();
    const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(rows));
    assert.deepEqual([report.created, report.updated], [0, 1]);
    assert.equal(await count(), before);
    const place = await platform.db.selectFrom('places').selectAll().where('standard_id', '=', 'src-1').executeTakeFirstOrThrow();
    assert.equal(place.summary, 'Fiche enrichie');
    const again = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(rows));
    assert.deepEqual([again.created, again.updated, again.unchanged], [0, 0, 1]);
  });

  test('likely duplicates from other sources are listed for review, not merged; the review is journaled', async () => {
    const rows = [
      { ...sampleRows()[0]!, id: 'carto-9', adresse: '12 rue ailleurs', latitude: 47.25, longitude: -1.5 },
      { ...sampleRows()[2]!, id: 'carto-10', pivot: '00000000000000', nom: 'ESPACE PUBLIC NUMÉRIQUE de Saint-Herblain', adresse: 'Rue Abbé Pierre' },
    ];
    const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, toCsv(rows));
    assert.equal(report.created, 2);
    assert.equal(report.duplicateCandidates, 2);
    const pairs = await listOpenDuplicates(platform.db, null);
    assert.deepEqual(pairs.map((p) => p.reason).sort(), ['same_name_nearby', 'same_siret']);
    const nearby = pairs.find((p) => p.reason === 'same_name_nearby')!;
    await reviewDuplicate(platform.db, world.admin.principal, nearby, { kind: 'deactivate', placeId: nearby.otherPlaceId });
    assert.equal((await getPlace(platform.db, nearby.otherPlaceId)).place.active, false);
    await assert.rejects(reviewDuplicate(platform.db, world.admin.principal, nearby, { kind: 'distinct' }), refusal(409, 'doublon_deja_traite'));
    const journal = await platform.db.selectFrom('audit_events').select('action').where('place_id', '=', nearby.otherPlaceId).execute();
    assert.deepEqual(journal.map((e) => e.action), ['place.deactivated_as_duplicate']);
  });

  test('round trip: the CSV and JSON exports re-import to the same records, changing nothing', async () => {
    const csv = await readAll(exportCsv(platform.db));
    const json = await readAll(exportJson(platform.db));
    assert.ok(csv.startsWith('id,pivot,nom,commune,code_postal,code_insee,adresse,'));
    const rows = JSON.parse(json) as Record<string, unknown>[];
    const active = Number((await platform.db.selectFrom('places').select((eb) => eb.fn.countAll().as('n')).where('active', '=', true).executeTakeFirstOrThrow()).n);
    assert.equal(rows.length, active);
    assert.ok(rows.every((row) => row.telephone === null || /^\+33\d{9}$/.test(String(row.telephone))));
    const snapshot = await platform.db.selectFrom('places').selectAll().orderBy('id').execute();
    for (const [content, fileName] of [[csv, 'export.csv'], [json, 'export.json']] as const) {
      const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, content, { fileName });
      assert.deepEqual([report.errors.length, report.created, report.updated, report.unchanged], [0, 0, 0, active], fileName);
    }
    assert.deepEqual(await platform.db.selectFrom('places').selectAll().orderBy('id').execute(), snapshot);
  });

  test('proximity search by postal code: nearest first, distances in km, filters applied, same answer as a full scan', async () => {
    const { origin, results } = await searchPlaces(platform.db, { near: '44400', radiusKm: 30 });
    assert.equal(origin.communeCode, '44143');
    assert.ok(results.length >= 4);
    assert.equal(results[0]!.name, 'Point numérique CAF de Rezé');
    const distances = results.map((r) => r.distanceKm);
    assert.deepEqual(distances, [...distances].sort((a, b) => a - b));
    const free = await searchPlaces(platform.db, { near: 'Rezé', services: ['Aide aux démarches administratives'], cost: 'free', radiusKm: 30 });
    assert.ok(free.results.length > 0);
    for (const hit of free.results) assert.ok(hit.services.includes('Aide aux démarches administratives'));
    const paid = await searchPlaces(platform.db, { near: 'Rezé', cost: 'paid', radiusKm: 30 });
    assert.deepEqual(paid.results.map((r) => r.name), ['Espace public numérique de Saint-Herblain']);
    const accessible = await searchPlaces(platform.db, { near: '44400', accessible: true });
    assert.deepEqual(accessible.results.map((r) => r.name), ['Point numérique CAF de Rezé']);
    const scan = await searchByFullScan(platform.db, origin, { services: ['Aide aux démarches administratives'] }, 30, 20);
    const indexed = await searchPlaces(platform.db, { near: '44400', services: ['Aide aux démarches administratives'], radiusKm: 30 });
    assert.deepEqual(indexed.results.map((r) => r.id), scan.map((r) => r.id));
    await assert.rejects(searchPlaces(platform.db, { near: 'Atlantide' }), refusal(404, 'commune_introuvable'));
    const byInsee = await searchPlaces(platform.db, { near: '44109' });
    assert.equal(byInsee.origin.communeCode, '44109');
    const byCoordinates = await searchPlaces(platform.db, { near: '47.2215,-1.5377', radiusKm: 1 });
    assert.equal(byCoordinates.results[0]!.name, 'Médiathèque de la Manufacture');
    assert.equal(byCoordinates.results[0]!.distanceKm, 0);
  });

  test('"open now" reads each place’s opening hours at the given instant (Paris time)', async () => {
    const tuesdayMorning = new Date('2026-11-24T10:00:00Z');
    const names = (await searchPlaces(platform.db, { near: '44000', openNow: true }, tuesdayMorning)).results.map((r) => r.name);
    assert.ok(names.includes('Médiathèque de la Manufacture'));
    assert.ok(names.includes('Point numérique CAF de Rezé'));
    const sundayNames = (await searchPlaces(platform.db, { near: '44000', openNow: true }, new Date('2026-11-29T10:00:00Z'))).results.map((r) => r.name);
    assert.deepEqual(sundayNames, []);
  });

  test('labelling: apply with the whole checklist, the territory’s hub decides, every decision journaled', async () => {
    const placeId = world.placeB;
    await platform.db.deleteFrom('place_labels').where('place_id', '=', placeId).execute();
    const criteria = await listCriteria(platform.db);
    await assert.rejects(applyForLabel(platform.db, world.mediatorB.principal, placeId, { criteriaMet: criteria.slice(1).map((c) => c.id), note: '' }), refusal(422, 'criteres_manquants'));
    await assert.rejects(applyForLabel(platform.db, world.mediatorA.principal, placeId, { criteriaMet: criteria.map((c) => c.id), note: '' }), refusal(403, 'interdit'));
    const labelId = await applyForLabel(platform.db, world.mediatorB.principal, placeId, { criteriaMet: criteria.map((c) => c.id), note: 'Deux conseillers' });
    await assert.rejects(applyForLabel(platform.db, world.mediatorB.principal, placeId, { criteriaMet: criteria.map((c) => c.id), note: '' }), refusal(409, 'conflit'));

    const otherHub = await makeActor(platform.db, 'Hub Bretagne', 'hub', '35');
    const hub = await makeActor(platform.db, 'Hub Pays de la Loire', 'hub', '85');
    await platform.db.insertInto('organisation_departements').values([{ organisation_id: hub.organisationId, departement_code: '44' }]).execute();
    // The principal carries its hub territory: load it again, as the next request would.
    hub.principal = (await loadPrincipal(platform.db, hub.principal.userId))!;
    const approve = { kind: 'approve' as const, validFrom: '2026-01-01', validUntil: '2029-01-01' };
    await assert.rejects(decideLabel(platform.db, otherHub.principal, labelId, approve), refusal(403, 'interdit'));
    await assert.rejects(decideLabel(platform.db, world.mediatorB.principal, labelId, approve), refusal(403, 'interdit'));
    await assert.rejects(decideLabel(platform.db, hub.principal, labelId, { ...approve, validUntil: '2025-01-01' }), refusal(422, 'invalide'));
    await assert.rejects(decideLabel(platform.db, hub.principal, labelId, { kind: 'refuse', reason: ' ' }), refusal(422, 'invalide'));
    await decideLabel(platform.db, hub.principal, labelId, approve);
    await assert.rejects(decideLabel(platform.db, hub.principal, labelId, approve), refusal(409, 'conflit'));

    // Suspended, the place cannot redeem; reinstated, it can again.
    const [serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const code = makeVoucherCode(platform.secret, serial!);
    await decideLabel(platform.db, hub.principal, labelId, { kind: 'suspend', reason: 'Visite : personnel non formé' });
    await assert.rejects(redeemVoucher(platform, world.mediatorB.principal, code, placeId), refusal(403, 'lieu_non_labellise'));
    await decideLabel(platform.db, hub.principal, labelId, { kind: 'reinstate', reason: 'Formation suivie' });
    const { result } = await redeemVoucher(platform, world.mediatorB.principal, code, placeId);
    assert.equal(result.status, 'redeemed');

    const journal = await platform.db.selectFrom('audit_events').select(['action', 'actor_user_id', 'details']).where('place_id', '=', placeId).where('action', 'like', 'label.%').orderBy('id').execute();
    assert.deepEqual(journal.map((e) => e.action), ['label.applied', 'label.approved', 'label.suspended', 'label.reinstated']);
    assert.equal(journal[2]!.actor_user_id, hub.principal.userId);
    assert.equal((journal[2]!.details as { reason: string }).reason, 'Visite : personnel non formé');
  });

  test('an expired label or a programme the place does not accept stops redemption', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const code = makeVoucherCode(platform.secret, serials[3]!);
    await platform.db.updateTable('place_labels').set({ valid_until: '2026-01-01', valid_from: '2025-01-01' }).where('place_id', '=', world.placeA).execute();
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, code, world.placeA), refusal(403, 'lieu_non_labellise'));
    await platform.db.updateTable('place_labels').set({ valid_until: '2099-01-01' }).where('place_id', '=', world.placeA).execute();
    await updatePlace(platform.db, world.mediatorA.principal, world.placeA, {}, { programmeIds: [] });
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, code, world.placeA), refusal(403, 'programme_non_accepte'));
    await updatePlace(platform.db, world.mediatorA.principal, world.placeA, { horaires: 'Mo-Fr 09:00-17:00' }, { programmeIds: [world.programmeId] });
    assert.equal((await redeemVoucher(platform, world.mediatorA.principal, code, world.placeA)).result.status, 'redeemed');
    await assert.rejects(updatePlace(platform.db, world.mediatorA.principal, world.placeB, { nom: 'Pas à moi' }), refusal(403, 'interdit'));
    await assert.rejects(updatePlace(platform.db, world.mediatorA.principal, world.placeA, { horaires: 'quand on peut' }), refusal(422, 'lieu_invalide'));
    const place = (await getPlace(platform.db, world.placeA)).place;
    assert.equal(place.opening_hours, 'Mo-Fr 09:00-17:00');
  });

  test('the admin keeps the checklist: a new active criterion is required of the next applications', async () => {
    await assert.rejects(saveCriterion(platform.db, world.funder.principal, { title: 'X', description: '', position: 9, active: true }), refusal(403, 'interdit'));
    await saveCriterion(platform.db, world.admin.principal, { title: 'Charte Aidants Connect signée', description: '', position: 6, active: true });
    assert.equal((await listCriteria(platform.db)).length, 6);
  });

  test('API: search, place sheet, open-data exports, and import reserved to hubs and the administration', async () => {
    const search = await app.inject({ url: '/api/v1/places?near=44400&service=Aide%20aux%20d%C3%A9marches%20administratives&limit=2' });
    assert.equal(search.statusCode, 200);
    const body = search.json();
    assert.equal(body.results.length, 2);
    assert.equal(body.results[0].name, 'Point numérique CAF de Rezé');
    assert.equal((await app.inject({ url: '/api/v1/places?near=44400&service=Jardinage' })).statusCode, 400);
    assert.equal((await app.inject({ url: '/api/v1/places?near=Atlantide' })).json().error, 'commune_introuvable');
    const sheet = await app.inject({ url: `/api/v1/places/${body.results[0].id}` });
    assert.equal(sheet.json().standard.code_insee, '44143');
    const csv = await app.inject({ url: '/api/v1/places/export.csv' });
    assert.match(csv.headers['content-type'] as string, /text\/csv/);
    assert.ok(csv.body.startsWith('id,pivot,nom'));
    assert.equal((await app.inject({ url: '/api/v1/places/export.json' })).json().length > 0, true);
    const refused = await app.inject({ method: 'POST', url: '/api/v1/places/import', headers: { authorization: `Bearer ${world.funder.token}`, 'content-type': 'text/csv' }, payload: toCsv(sampleRows()) });
    assert.equal(refused.statusCode, 403);
    const imported = await app.inject({ method: 'POST', url: '/api/v1/places/import', headers: { authorization: `Bearer ${world.admin.token}`, 'content-type': 'text/csv' }, payload: toCsv(sampleRows()) });
    assert.equal(imported.statusCode, 200, imported.body);
    assert.deepEqual([imported.json().created, imported.json().errors.length], [0, 0]);
    const again = await app.inject({ method: 'POST', url: '/api/v1/places/import', headers: { authorization: `Bearer ${world.admin.token}`, 'content-type': 'text/csv' }, payload: toCsv(sampleRows()) });
    assert.equal(again.json().unchanged, 3);
    const created = await app.inject({
      method: 'POST', url: '/api/v1/places', headers: { authorization: `Bearer ${world.mediatorB.token}` },
      payload: { place: { pivot: '00000000000000', nom: 'Atelier numérique du port', commune: 'Saint-Nazaire', code_postal: '44600', adresse: '3 quai Demange', horaires: 'We 14:00-18:00' }, stepFreeAccess: true },
    });
    assert.equal(created.statusCode, 201, created.body);
    const placeId = created.json().id;
    const wrongHours = await app.inject({ method: 'PATCH', url: `/api/v1/places/${placeId}`, headers: { authorization: `Bearer ${world.mediatorB.token}` }, payload: { changes: { horaires: 'le mercredi' } } });
    assert.equal(wrongHours.statusCode, 422);
    assert.equal(wrongHours.json().errors[0].field, 'horaires');
    const patched = await app.inject({ method: 'PATCH', url: `/api/v1/places/${placeId}`, headers: { authorization: `Bearer ${world.mediatorB.token}` }, payload: { changes: { telephone: '02 40 00 00 01' }, programmeIds: [world.programmeId] } });
    assert.equal(patched.statusCode, 204, patched.body);
    const sheetAfter = (await app.inject({ url: `/api/v1/places/${placeId}` })).json();
    assert.deepEqual([sheetAfter.standard.telephone, sheetAfter.standard.horaires, sheetAfter.accessibility.stepFreeAccess, sheetAfter.acceptedProgrammes.length], ['+33240000001', 'We 14:00-18:00', true, 1]);
    assert.equal((await app.inject({ method: 'PATCH', url: `/api/v1/places/${placeId}`, headers: { authorization: `Bearer ${world.mediatorA.token}` }, payload: { changes: { nom: 'Pris' } } })).statusCode, 403);
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    assert.ok(doc.paths['/api/v1/places']);
    assert.ok(doc.paths['/api/v1/labels/{id}/decision']);
  });
});
