import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { inputValue, isChecked, pageClient } from '../../support/pages.js';
import { addPlace, buildWorld, TEST_SERVICE } from '../../support/world.js';

/** The week grid as a browser without JavaScript posts it. */
function grid(days: Partial<Record<'mo' | 'tu' | 'we' | 'th' | 'fr' | 'sa' | 'su', readonly string[] | 'ferme'>>, holidaysClosed = false) {
  const form: Record<string, string> = { horaires_mode: 'grille' };
  for (const day of ['mo', 'tu', 'we', 'th', 'fr', 'sa', 'su'] as const) {
    const value = days[day];
    if (value === 'ferme') form[`grille_${day}_ferme`] = 'oui';
    const [a = '', b = '', c = '', d = ''] = typeof value === 'object' ? value : [];
    Object.assign(form, { [`grille_${day}_1_debut`]: a, [`grille_${day}_1_fin`]: b, [`grille_${day}_2_debut`]: c, [`grille_${day}_2_fin`]: d });
  }
  if (holidaysClosed) form.grille_feries_fermes = 'oui';
  return form;
}

const WEEK = { mo: ['09:00', '12:00', '14:00', '17:00'], tu: ['09:00', '12:00', '14:00', '17:00'], we: ['09:00', '12:00', '14:00', '17:00'], th: ['09:00', '12:00', '14:00', '17:00'], fr: ['09:00', '12:00', '14:00', '17:00'], sa: ['9 h', '12 h'], su: 'ferme' } as const;

describe(`place form: the week grid of opening hours, the pass on creation, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const placeCount = async () => Number((await platform.db.selectFrom('places').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const place = { nom: 'Espace de la grille', adresse: '2 rue des Horaires', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE] };

  test('a new place: the programmes of its territory are offered, the grid writes the OSM value, PRG to its form', async () => {
    const page = await pageClient(app, platform.db, world.mediatorA.principal.userId);
    const empty = await page.get('/lieux/nouveau');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /Programmes dont le lieu accepte les chèques/);
    assert.ok(inputValue(empty.body, 'programmes') === String(world.programmeId), 'le programme du territoire est proposé dès la création');
    assert.ok(isChecked(empty.body, 'horaires_mode', 'grille'));
    assert.ok(!isChecked(empty.body, 'grille_mo_ferme'), 'une grille vide ne coche aucun jour fermé');

    const created = await page.post('/lieux/nouveau', { ...place, ...grid(WEEK, true), programmes: [String(world.programmeId)] });
    assert.equal(created.statusCode, 303, created.body.slice(0, 500));
    const id = Number(/^\/lieux\/(\d+)\/modifier$/.exec(String(created.headers.location))![1]);
    const row = await platform.db.selectFrom('places').select(['opening_hours']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.opening_hours, 'Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off');
    assert.deepEqual((await platform.db.selectFrom('place_programmes').select('programme_id').where('place_id', '=', id).execute()).map((p) => p.programme_id), [world.programmeId]);

    // The edit form reads the value back into the grid.
    const form = await page.get(String(created.headers.location));
    assert.match(form.body, /La fiche du lieu est enregistrée/);
    assert.ok(isChecked(form.body, 'horaires_mode', 'grille'));
    assert.equal(inputValue(form.body, 'grille_fr_2_fin'), '17:00');
    assert.equal(inputValue(form.body, 'grille_sa_1_debut'), '09:00');
    assert.ok(isChecked(form.body, 'grille_su_ferme'));
    assert.ok(!isChecked(form.body, 'grille_mo_ferme'));
    assert.ok(isChecked(form.body, 'grille_feries_fermes'));
    assert.ok(isChecked(form.body, 'programmes', String(world.programmeId)));
  });

  test('a form with errors keeps everything typed: ticked services, the grid, the programmes; nothing is written', async () => {
    const page = await pageClient(app, platform.db, world.mediatorA.principal.userId);
    const before = await placeCount();
    const refused = await page.post('/lieux/nouveau', {
      ...place, code_postal: '4400', services: [TEST_SERVICE, 'Aide aux démarches administratives'],
      ...grid({ ...WEEK, tu: ['14:00', '12:00'], we: ['09:00', '13:00', '12:30', '17:00'] }), programmes: [String(world.programmeId)],
    });
    assert.equal(refused.statusCode, 422);
    assert.equal(await placeCount(), before);
    assert.match(refused.body, /mardi, 1re plage : la fermeture \(12 h\) doit venir après l’ouverture \(14 h\)/);
    assert.match(refused.body, /mercredi : les deux plages se chevauchent/);
    assert.match(refused.body, /id="grille-tu-erreur"/);
    assert.match(refused.body, /4400/);
    assert.equal(inputValue(refused.body, 'grille_tu_1_debut'), '14:00');
    assert.equal(inputValue(refused.body, 'grille_we_2_debut'), '12:30');
    assert.equal(inputValue(refused.body, 'grille_sa_1_debut'), '9 h', 'ce qui a été tapé, tel quel');
    assert.ok(isChecked(refused.body, 'grille_su_ferme'));
    assert.ok(isChecked(refused.body, 'services', TEST_SERVICE));
    assert.ok(isChecked(refused.body, 'services', 'Aide aux démarches administratives'));
    assert.ok(isChecked(refused.body, 'programmes', String(world.programmeId)));
    assert.equal(inputValue(refused.body, 'nom'), place.nom);
  });

  test('a programme outside the new place’s territory: refused, and the place is not created', async () => {
    const page = await pageClient(app, platform.db, world.mediatorA.principal.userId);
    const before = await placeCount();
    const refused = await page.post('/lieux/nouveau', { ...place, code_postal: '85000', commune: 'La Roche-sur-Yon', ...grid(WEEK), programmes: [String(world.programmeId)] });
    assert.equal(refused.statusCode, 422, refused.body.slice(0, 300));
    assert.match(refused.body, /programmes de son territoire/);
    assert.equal(await placeCount(), before);
    assert.ok(isChecked(refused.body, 'programmes', String(world.programmeId)));
  });

  test('hours the grid cannot show stay in the expert field, explained; the expert field saves as typed', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await platform.db.updateTable('places').set({ opening_hours: 'Jan-Mar Mo-Fr 09:00-12:00; Apr-Dec Mo-Fr 09:00-17:00' }).where('id', '=', placeId).execute();
    const page = await pageClient(app, platform.db, world.mediatorA.principal.userId);
    const form = await page.get(`/lieux/${placeId}/modifier`);
    assert.ok(isChecked(form.body, 'horaires_mode', 'expert'));
    assert.match(form.body, /que la grille ne sait pas montrer/);
    assert.equal(inputValue(form.body, 'horaires'), 'Jan-Mar Mo-Fr 09:00-12:00; Apr-Dec Mo-Fr 09:00-17:00');

    const fields = { nom: 'Lieu expert', adresse: '1 rue de test', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE] };
    const wrong = await page.post(`/lieux/${placeId}/modifier`, { ...fields, horaires_mode: 'expert', horaires: 'de 9 à 5' });
    assert.equal(wrong.statusCode, 422);
    assert.match(wrong.body, /id="horaires-erreur"/);
    assert.equal(inputValue(wrong.body, 'horaires'), 'de 9 à 5');
    const saved = await page.post(`/lieux/${placeId}/modifier`, { ...fields, horaires_mode: 'expert', horaires: 'Mo-Fr 08:00-10:00,11:00-13:00,14:00-16:00' });
    assert.equal(saved.statusCode, 303);
    assert.equal((await platform.db.selectFrom('places').select('opening_hours').where('id', '=', placeId).executeTakeFirstOrThrow()).opening_hours, 'Mo-Fr 08:00-10:00,11:00-13:00,14:00-16:00');
    // Back to the grid: it replaces the value; a week closed every day publishes no hours.
    const cleared = await page.post(`/lieux/${placeId}/modifier`, { ...fields, ...grid({}), horaires: 'Mo-Fr 08:00-10:00,11:00-13:00,14:00-16:00' });
    assert.equal(cleared.statusCode, 303);
    assert.equal((await platform.db.selectFrom('places').select('opening_hours').where('id', '=', placeId).executeTakeFirstOrThrow()).opening_hours, null);
  });

  test('the live preview: the same rule as the server, in the API, without an account', async () => {
    const days = [{ closed: false, ranges: [{ from: '9:00', to: '12:00' }, { from: '14 h', to: '17 h 30' }] }, ...Array(6).fill({ closed: true, ranges: [] })];
    const ok = await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', payload: { days, publicHolidaysClosed: true } });
    assert.equal(ok.statusCode, 200, ok.body);
    const body = ok.json() as { value: string; errors: unknown[]; week: { day: string; text: string }[] };
    assert.equal(body.value, 'Mo 09:00-12:00,14:00-17:30; PH off');
    assert.deepEqual(body.errors, []);
    assert.equal(body.week.length, 7);
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', payload: { days: [{ closed: false, ranges: [{ from: '18:00', to: '9:00' }] }, ...days.slice(1)], publicHolidaysClosed: false } });
    assert.deepEqual((wrong.json() as { errors: { day: number }[] }).errors.map((e) => e.day), [0]);
    assert.equal((await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', payload: { days: [], publicHolidaysClosed: false } })).statusCode, 400);
  });
});
