import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../../src/app.js';
import { openingHoursError } from '../../../src/places/domain/opening-hours.js';
import { createProgramme } from '../../../src/pass/use-cases/programmes.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { pageClient } from '../../support/pages.js';
import { buildWorld, TEST_SERVICE } from '../../support/world.js';

/**
 * The place form's new parts attacked: the public hours preview (POST /api/v1/opening-hours/preview) fed any grid,
 * malformed or oversized bodies, as an amplification vector (its answer stays small, it writes nothing); the pass
 * section of the form fed programme ids of another territory, of nothing, or of no number at all.
 */
describe(`attacks on the place form and the hours preview on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let vendeeProgramme: number;

  const fingerprint = async () => {
    const parts: string[] = [];
    for (const table of ['places', 'place_programmes', 'audit_events']) {
      const { rows } = await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(platform.db);
      parts.push(`${table}:${rows[0]!.h}`);
    }
    return parts.join('\n');
  };

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    vendeeProgramme = await createProgramme(platform.db, world.admin.principal, {
      name: 'Programme de Vendée', departementCodes: ['85'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 10000 }], eligibleServices: [TEST_SERVICE],
    });
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const preview = (payload: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', headers: { 'content-type': 'application/json', ...headers }, payload: JSON.stringify(payload) });

  test('any grid typed, however odd: a 200 with a value the library reads or the day’s errors, a small answer, nothing written', async () => {
    const before = await fingerprint();
    const time = fc.oneof(
      fc.constantFrom('', '0', '00:00', '9', '9h', '9 h 30', '9.30', '12', '23:59', '24', '24:00', 'minuit', 'MINUIT', '0:00', '25', '9:60', '-1', '١٢', '𝟗', '12h00', '24:01', ' 7 '),
      fc.string({ maxLength: 20 }),
    );
    const day = fc.record({ closed: fc.boolean(), ranges: fc.array(fc.record({ from: time, to: time }), { maxLength: 2 }) });
    await fc.assert(
      fc.asyncProperty(fc.array(day, { minLength: 7, maxLength: 7 }), fc.boolean(), async (days, publicHolidaysClosed) => {
        const response = await preview({ days, publicHolidaysClosed });
        // A string with a NUL or a lone surrogate is refused at the door; everything else is read.
        const refusedAtTheDoor = days.some((d) => d.ranges.some((r) => /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(`${r.from}|${r.to}`)));
        if (refusedAtTheDoor) return assert.equal(response.statusCode, 400);
        assert.equal(response.statusCode, 200, response.body);
        assert.ok(response.body.length < 4096, `réponse de ${response.body.length} octets`);
        const body = response.json() as { value: string; errors: unknown[]; week: unknown[] | null };
        if (body.errors.length === 0 && body.value) {
          assert.equal(openingHoursError(body.value), null, body.value);
          assert.equal(body.week?.length, 7);
        }
      }),
      { numRuns: 150 },
    );
    assert.equal(await fingerprint(), before);
  });

  test('malformed and oversized bodies: 400 or 413 in French, never a 500, and no session is opened', async () => {
    const week = Array.from({ length: 7 }, () => ({ closed: false, ranges: [{ from: '9', to: '12' }] }));
    const bodies: unknown[] = [
      null, [], 'lundi', 7, {}, { days: week }, { days: week.slice(0, 6), publicHolidaysClosed: false }, { days: [...week, week[0]], publicHolidaysClosed: false },
      { days: week.map(() => null), publicHolidaysClosed: false }, { days: week.map(() => ({ closed: 'oui', ranges: [] })), publicHolidaysClosed: false },
      { days: week.map(() => ({ closed: false, ranges: [{ from: 9, to: 12 }] })), publicHolidaysClosed: false },
      { days: week.map(() => ({ closed: false, ranges: [{ from: '9', to: '12' }, { from: '13', to: '14' }, { from: '15', to: '16' }] })), publicHolidaysClosed: false },
      { days: week.map(() => ({ closed: false, ranges: [{ from: '9'.repeat(21), to: '12' }] })), publicHolidaysClosed: false },
      { days: week, publicHolidaysClosed: 'oui' },
      { days: Array(100_000).fill(0), publicHolidaysClosed: false },
    ];
    for (const body of bodies) {
      const response = await preview(body);
      assert.equal(response.statusCode, 400, `${JSON.stringify(body)?.slice(0, 60)} : ${response.statusCode} ${response.body.slice(0, 120)}`);
      assert.match((response.json() as { message: string }).message, /Requête invalide|JSON/);
      assert.ok(response.body.length < 8192, `${response.body.length} octets`);
      assert.equal(response.cookies.length, 0);
    }
    const polluted = await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', headers: { 'content-type': 'application/json' }, payload: `{"days": ${JSON.stringify(week)}, "publicHolidaysClosed": false, "__proto__": {"polluted": true}}` });
    assert.equal(polluted.statusCode, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const nested = await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', headers: { 'content-type': 'application/json' }, payload: `${'['.repeat(5000)}${']'.repeat(5000)}` });
    assert.equal(nested.statusCode, 400);
    const huge = await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ days: week, publicHolidaysClosed: false, pad: 'x'.repeat(2 * 1024 * 1024) }) });
    assert.equal(huge.statusCode, 413);
    const form = await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'days=1' });
    assert.ok([400, 415].includes(form.statusCode), String(form.statusCode));
    assert.ok((await app.inject({ method: 'POST', url: '/api/v1/opening-hours/preview', headers: { 'content-type': 'text/plain' }, payload: 'x' })).statusCode < 500);
  });

  test('opening hours too heavy to read (hundreds of ranges in a day) are refused at every door, and a stored one never stalls a public page', async () => {
    const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    // Valid OSM syntax, each costing the library seconds per page: many ranges in every day, and ranges past midnight
    // that overlap into « always open » (the next change is then looked for over a whole year).
    const manyRanges = `Mo-Su ${Array.from({ length: 1200 }, (_, i) => `${hhmm(i)}-${hhmm(i)}`).join(',')}`;
    const wrapping = `Mo-Su ${Array.from({ length: 100 }, (_, i) => `${hhmm(i * 14 + 5)}-${hhmm(i * 14 + 3)}`).join(',')}`;
    const page = await pageClient(app, platform.db, world.mediatorA.principal.userId);
    const before = await fingerprint();
    for (const horaires of [manyRanges, wrapping, `${'Mo-Fr 09:00-12:00; '.repeat(20_000)}Sa 09:00-12:00`]) {
      const form = await page.post(`/lieux/${world.placeA}/modifier`, { nom: 'Nom changé', adresse: '1 rue de test', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE], horaires_mode: 'expert', horaires });
      assert.equal(form.statusCode, 422, `${horaires.length} caractères : ${form.statusCode}`);
      assert.match(form.body, /horaires/);
      const api = await app.inject({ method: 'PATCH', url: `/api/v1/places/${world.placeA}`, headers: { authorization: `Bearer ${world.mediatorA.token}` }, payload: { changes: { horaires } } });
      assert.equal(api.statusCode, 422, api.body.slice(0, 200));
    }
    assert.equal(await fingerprint(), before, 'rien n’a été enregistré');
    // Stored before this rule (an old import): the sheet, its API and the search answer at once, without the week.
    await platform.db.updateTable('places').set({ opening_hours: manyRanges }).where('id', '=', world.placeA).execute();
    await platform.db.updateTable('places').set({ opening_hours: wrapping }).where('id', '=', world.placeB).execute();
    try {
      for (const url of [`/lieux/${world.placeA}`, `/api/v1/places/${world.placeA}`, `/lieux/${world.placeB}`, '/api/v1/places?near=44109&radiusKm=100', '/lieux?near=Nantes']) {
        const started = performance.now();
        const response = await app.inject({ url });
        const elapsed = performance.now() - started;
        assert.equal(response.statusCode, 200, `${url} : ${response.body.slice(0, 200)}`);
        assert.ok(elapsed < 1500, `${url} : ${Math.round(elapsed)} ms`);
      }
    } finally {
      await platform.db.updateTable('places').set({ opening_hours: null }).where('id', 'in', [world.placeA, world.placeB]).execute();
    }
  });

  test('programme ids of another territory, of nothing, or not numbers: the place is neither created nor changed', async () => {
    const page = await pageClient(app, platform.db, world.mediatorA.principal.userId);
    const place = { nom: 'Espace des attaques', adresse: '4 rue des Attaques', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE] };
    const before = await fingerprint();
    const forged = [[String(vendeeProgramme)], ['999999'], ['1e30'], ['1.5'], ['99999999999999999999'], [String(world.programmeId), String(vendeeProgramme)]];
    for (const programmes of forged) {
      const created = await page.post('/lieux/nouveau', { ...place, programmes });
      assert.equal(created.statusCode, 422, `${programmes.join(',')} : ${created.statusCode} ${created.body.slice(0, 200)}`);
      const edited = await page.post(`/lieux/${world.placeA}/modifier`, { nom: 'Nom changé', adresse: '1 rue de test', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE], programmes });
      assert.equal(edited.statusCode, 422, `${programmes.join(',')} : ${edited.statusCode}`);
    }
    // Ids that are no numbers at all ('abc', '-1', '0') are not programmes: ignored, never a 500.
    for (const programmes of [['abc'], ['-1'], ['0'], [' ']]) {
      const response = await page.post(`/lieux/${world.placeA}/modifier`, { nom: 'Nom changé', adresse: '1 rue de test', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE], programmes, horaires: 'x'.repeat(20_000) });
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${programmes.join(',')} : ${response.statusCode}`);
    }
    assert.equal(await fingerprint(), before, 'rien n’a été créé ni modifié');
    // The same programme ticked twice is one acceptance.
    const twice = await page.post(`/lieux/${world.placeA}/modifier`, { nom: 'Nom changé', adresse: '1 rue de test', code_postal: '44000', commune: 'Nantes', services: [TEST_SERVICE], programmes: [String(world.programmeId), String(world.programmeId)] });
    assert.equal(twice.statusCode, 303, twice.body.slice(0, 300));
    assert.deepEqual((await platform.db.selectFrom('place_programmes').select('programme_id').where('place_id', '=', world.placeA).execute()).map((p) => p.programme_id), [world.programmeId]);
  });
});
