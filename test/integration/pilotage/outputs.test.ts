import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import ExcelJS from 'exceljs';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { allocateBooklets, handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { INDICATOR_IDS, INDICATORS, type IndicatorId } from '../../../src/pilotage/domain/indicators.js';
import type { IndicatorValue } from '../../../src/pilotage/domain/filters.js';
import { refreshPilotage } from '../../../src/pilotage/use-cases/refresh.js';
import { formatValue } from '../../../src/pilotage/use-cases/presentation.js';
import { parisDay } from '../../../src/shared/dates.js';
import { pageClient } from '../../support/pages.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, makeActor, serialsOfBooklet } from '../../support/world.js';

type Json = { filter: Record<string, unknown>; values: Record<string, IndicatorValue>; breakdown: { by: string; indicators: IndicatorId[]; rows: { key: string; label: string; values: Record<string, IndicatorValue> }[] } | null };

const daysAgo = (n: number) => parisDay(new Date(Date.now() - n * 86_400_000));
const unescape = (html: string) => html.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
const squash = (text: string) => text.replace(/[\s\u00a0\u202f]+/g, ' ').trim();
/** A CSV number cell: « 12,5 » → 12.5, empty → null. */
/** What a spreadsheet cell must hold for a JSON value: the number, euros for money, nothing when withheld. */
const exportNumber = (id: IndicatorId, v: IndicatorValue | undefined): number | null =>
  !v || v.value === null || v.suppressed ? null : INDICATORS[id].unit === 'euros' ? (v.amountCents ?? v.value) / 100 : v.value;
const csvNumber = (cell: string | undefined) => (cell === undefined || cell === '' ? null : Number(cell.replace(',', '.')));

describe(`pilotage outputs: page, API, CSV, XLSX and PDF show the same numbers (${testDatabaseKind})`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let admin: Awaited<ReturnType<typeof pageClient>>;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db, { bookletCount: 12 });
    const { db } = platform;
    // Eight more booklets handed in two communes, vouchers of six of them redeemed at two places: cells of 5 people and more.
    const more = await allocateBooklets(db, world.funder.principal, { orderId: world.orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 8 });
    for (const [i, number] of more.entries()) {
      await handBooklet(db, world.prescriber.principal, number, { ageBand: '40-59', communeCode: i % 2 ? '44184' : '44109', situation: 'job_seeker', diagnosticLevel: 2 });
    }
    for (const [i, number] of [world.handedBooklet, ...more.slice(0, 6)].entries()) {
      const serials = await serialsOfBooklet(db, number);
      for (const serial of serials.slice(0, 2 + (i % 3))) await redeemVoucher(platform, i % 2 ? world.mediatorB.principal : world.mediatorA.principal, makeVoucherCode(platform.secret, serial), i % 2 ? world.placeB : world.placeA);
    }
    await refreshPilotage(db);
    app = await buildApp(platform);
    await app.ready();
    admin = await pageClient(app, db, world.admin.principal.userId);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  const api = (url: string, token?: string) => app.inject({ url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  /** Every number of the page: the cards (data-indicator) and the breakdown table's rows. */
  function pageNumbers(body: string) {
    const cards = new Map([...body.matchAll(/<span class="ni-figure" data-indicator="([a-z_]+)">([^<]*)/g)].map(([, id, text]) => [id!, unescape(text!).trim()]));
    const table = /<table id="ventilation">([\s\S]*?)<\/table>/.exec(body)?.[1] ?? '';
    const rows = [...table.matchAll(/<tr><th scope="row">(?:<a href="[^"]*">)?([^<]*)(?:<\/a>)?<\/th>([\s\S]*?)<\/tr>/g)].map(([, label, cells]) => ({
      label: unescape(label!),
      cells: [...cells!.matchAll(/<td>([^<]*)/g)].map(([, text]) => unescape(text!).trim()),
    }));
    return { cards, rows };
  }

  test('for random filters, the page, the JSON API, the CSV, the workbook and the PDF agree on every number (property)', async () => {
    const filters = fc.record({
      where: fc.constantFrom({ level: 'france' }, { level: 'region', code: '52' }, { level: 'departement', code: '44' }, { level: 'commune', code: '44109' }),
      // The activity of the set-up is today's: most periods end today, so that the numbers are not all zero.
      start: fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 500 }) }),
      span: fc.integer({ min: 0, max: 500 }),
      breakdown: fc.constantFrom('territory', 'month', 'programme', 'place', 'prescriber', 'funder', 'theme'),
      programme: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(filters, async ({ where, start, span, breakdown, programme }) => {
        const query = new URLSearchParams({ ...(where as Record<string, string>), from: daysAgo(start + span), to: daysAgo(start), breakdown, ...(programme ? { programme: String(world.programmeId) } : {}) }).toString();
        const json = await api(`/api/v1/pilotage/indicators?${query}`, world.admin.token);
        const page = await admin.get(`/pilotage?${query}`);
        const csv = await admin.get(`/pilotage/indicateurs.csv?${query}`);
        const xlsx = await admin.get(`/pilotage/indicateurs.xlsx?${query}`);
        const pdf = await admin.get(`/pilotage/indicateurs.pdf?${query}`);
        const apiCsv = await api(`/api/v1/pilotage/indicators.csv?${query}`, world.admin.token);
        // A filter the schema refuses is refused the same way everywhere.
        for (const [name, r] of Object.entries({ page, csv, xlsx, pdf, apiCsv })) assert.equal(r.statusCode, json.statusCode, `${name} ${query} : ${r.body.slice(0, 300)}`);
        if (json.statusCode !== 200) return assert.equal(json.statusCode, 422, json.body);
        const report = json.json() as Json;
        assert.equal(csv.body, apiCsv.body, 'the API’s CSV is the page’s CSV');

        // The page: every card, and every cell of the breakdown table.
        const shown = pageNumbers(page.body);
        for (const id of INDICATOR_IDS) assert.equal(shown.cards.get(id), formatValue(id, report.values[id]).text, `carte ${id} (${query})`);
        const b = report.breakdown!;
        assert.equal(shown.rows.length, b.rows.length, `lignes du tableau (${query})`);
        b.rows.forEach((row, i) => b.indicators.forEach((id, j) => assert.equal(shown.rows[i]!.cells[j]!.replace(/\s*\(pourquoi \?\)$/, ''), formatValue(id, row.values[id]).text, `[${row.key}] ${id}`)));

        // The CSV: the whole territory's line of each indicator, then each breakdown row.
        const lines = csv.body.replace(/^\uFEFF/, '').trim().split('\r\n').map((line) => line.split(';'));
        assert.equal(lines[0]![5], 'Valeur');
        const total = new Map(lines.filter((l) => l[0] === 'ensemble').map((l) => [l[4]!, csvNumber(l[5])]));
        for (const id of INDICATOR_IDS) assert.equal(total.get(id), exportNumber(id, report.values[id]), `CSV ${id}`);
        const rowLines = lines.slice(1).filter((l) => l[0] !== 'ensemble');
        assert.equal(rowLines.length, b.rows.length * b.indicators.length);
        for (const row of b.rows) for (const id of b.indicators) {
          const line = rowLines.find((l) => l[1] === row.key && l[4] === id);
          assert.equal(csvNumber(line?.[5]), exportNumber(id, row.values[id]), `CSV [${row.key}] ${id}`);
        }

        // The workbook, read back.
        const workbook = new ExcelJS.Workbook();
        await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
        const sheet = workbook.getWorksheet('Indicateurs')!;
        const cells = new Map<string, unknown>();
        sheet.eachRow((r, n) => { if (n > 1) cells.set(String(r.getCell(3).value), r.getCell(4).value); });
        for (const id of INDICATOR_IDS) assert.equal(cells.get(id) ?? null, exportNumber(id, report.values[id]), `XLSX ${id}`);
        const rowsSheet = workbook.getWorksheet('Ventilation');
        if (b.rows.length) {
          const header = (rowsSheet!.getRow(1).values as unknown[]).slice(3);
          assert.deepEqual(header, b.indicators.map((id) => INDICATORS[id].label));
          b.rows.forEach((row, i) => b.indicators.forEach((id, j) => assert.equal(rowsSheet!.getRow(i + 2).getCell(j + 3).value ?? null, exportNumber(id, row.values[id]), `XLSX [${row.key}] ${id}`)));
        }

        // The PDF, as pdftotext reads it: every card's line.
        const text = squash(execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf.rawPayload }).toString('utf8'));
        for (const id of INDICATOR_IDS) {
          const v = formatValue(id, report.values[id]);
          assert.ok(text.includes(squash(`${INDICATORS[id].label} : ${v.text}`)), `PDF ${id} : « ${INDICATORS[id].label} : ${v.text} » absent (${query})`);
        }
      }),
      { numRuns: 8 },
    );
  });

  test('the numbers are not all zero and withheld cells show « < 5 » with its explanation (the comparison above can fail)', async () => {
    const page = await admin.get('/pilotage?level=departement&code=44&breakdown=place');
    assert.equal(page.statusCode, 200, page.body);
    const { cards } = pageNumbers(page.body);
    assert.ok(Number((cards.get('vouchers_handed') ?? '0').replace(/\u202f/g, '')) >= 90, `chèques remis : ${cards.get('vouchers_handed')}`);
    assert.match(page.body, /<svg [^>]*role="img" aria-labelledby="entonnoir-titre entonnoir-desc"/);
    assert.match(page.body, /<svg [^>]*role="img" aria-labelledby="graphique-mois-titre graphique-mois-desc"/);
    assert.match(page.body, /id="confidentialite"/);
    assert.match(page.body, /&lt; 5 <a href="#confidentialite" class="fr-link fr-text--xs" title="moins de 5 personnes : valeur masquée">\(pourquoi \?\)<\/a>/);
    assert.match(page.body, /Définition, source, mise à jour/);
    assert.match(page.body, /href="\/pilotage\/indicateurs\.csv\?level=departement&amp;code=44&amp;from=/);
  });

  test('France drills down to régions, a région to départements, a département to communes', async () => {
    const france = await admin.get('/pilotage');
    assert.equal(france.statusCode, 200, france.body);
    assert.match(france.body, /<a href="\/pilotage\?level=region&amp;code=52&amp;from=[^"]*breakdown=territory">Pays de la Loire<\/a>/);
    // The breakdown says what it breaks down, once (not « France France par territoire »), and the chart says what it draws.
    assert.match(france.body, /<h2 class="fr-h4" id="ventilation-titre">Ventilation par territoire : France<\/h2>/);
    assert.match(france.body, /<figcaption class="fr-text--sm">Graphique : Chèques encaissés par territoire, France /);
    const region = await admin.get('/pilotage?level=region&code=52&breakdown=territory');
    assert.match(region.body, /<a href="\/pilotage\?level=departement&amp;code=44&amp;[^"]*">Loire-Atlantique/);
    const departement = await admin.get('/pilotage?level=departement&code=44&breakdown=territory');
    assert.match(departement.body, /<a href="\/pilotage\?level=commune&amp;code=44109&amp;[^"]*">Nantes/);
    const commune = await admin.get('/pilotage?level=commune&code=44109');
    assert.equal(commune.statusCode, 200, commune.body);
    assert.match(commune.body, /Revenir à la France/);
    // The shared territory field: a département typed by name replaces the level and the code.
    const typed = await admin.get('/pilotage?territoire=Loire-Atlantique');
    assert.equal(typed.statusCode, 200);
    assert.match(typed.body, /<option value="departement" selected>/);
  });

  test('each role sees its own scope; a foreign organisation, a helper and the public are refused', async () => {
    const funder = await api('/api/v1/pilotage/indicators', world.funder.token);
    assert.equal(funder.statusCode, 200, funder.body);
    assert.equal((funder.json() as Json).filter.funder, world.funder.organisationId, 'a funder sees its programmes');
    const funderPage = await (await pageClient(app, platform.db, world.funder.principal.userId)).get('/pilotage');
    assert.equal(funderPage.statusCode, 200);
    assert.match(funderPage.body, new RegExp(`name="funder" value="${world.funder.organisationId}"`));
    // The title says « France »: the page says the figures are the funder's programmes only.
    assert.match(funderPage.body, /<p class="fr-text--lead" id="perimetre">Périmètre : financeur «\u202f[^<]+\u202f»\.<\/p>/);
    assert.doesNotMatch((await admin.get('/pilotage')).body, /id="perimetre"/, 'the administration reads everything: no scope line');
    assert.equal((await api(`/api/v1/pilotage/indicators?funder=${world.funder.organisationId}`, world.otherFunder.token)).statusCode, 403);
    assert.equal((await api(`/api/v1/pilotage/indicators?place=${world.placeA}`, world.mediatorB.token)).statusCode, 403);
    assert.equal((await api(`/api/v1/pilotage/indicators?place=${world.placeA}`, world.mediatorA.token)).statusCode, 200);
    const helper = await makeActor(platform.db, 'Aidant', 'helper');
    assert.equal((await api('/api/v1/pilotage/indicators', helper.token)).statusCode, 403);
    assert.equal((await api('/api/v1/pilotage/indicators')).statusCode, 401);
    assert.equal((await app.inject({ url: '/pilotage' })).statusCode, 302);
    // The public variant: the open-data level, never an organisation's figures.
    const open = await api('/api/v1/pilotage/public/indicators?level=departement&code=44');
    assert.equal(open.statusCode, 200, open.body);
    assert.equal((open.json() as { audience: string }).audience, 'public');
    assert.doesNotMatch(open.body, /beneficiaries/);
    assert.equal((await api(`/api/v1/pilotage/public/indicators?funder=${world.funder.organisationId}`)).statusCode, 403);
    // A mediator with two places is asked to choose one (its own only).
    const mediator = await (await pageClient(app, platform.db, world.mediatorA.principal.userId)).get('/pilotage');
    assert.equal(mediator.statusCode, 200);
  });

  test('bad filters are refused with a French message (422, the filter schema’s « invalid »), never a 500 (property)', async () => {
    const expectations: [string, RegExp][] = [
      ['level=pays', /Le niveau doit être france, region, departement, hub ou commune/],
      ['level=departement', /Indiquez le code du territoire/],
      ['level=departement&code=999', /n’est pas un code de département valide/],
      ['from=2026-02-30', /La date de début doit être une date réelle/],
      ['from=2026-05-01&to=2026-04-01', /La date de fin doit suivre la date de début/],
      ['funder=abc', /Le financeur doit être un identifiant numérique/],
      ['breakdown=age', /Cette ventilation n’existe pas : choisissez « par territoire »/],
    ];
    for (const [query, message] of expectations) {
      for (const url of [`/api/v1/pilotage/indicators?${query}`, `/api/v1/pilotage/indicators.csv?${query}`]) {
        const response = await api(url, world.admin.token);
        assert.equal(response.statusCode, 422, url);
        assert.match((response.json() as { message: string }).message, message, url);
        assert.equal((response.json() as { error: string }).error, 'filtre_invalide', url);
      }
      for (const url of [`/pilotage?${query}`, `/pilotage/indicateurs.pdf?${query}`]) {
        const response = await admin.get(url);
        assert.equal(response.statusCode, 422, url);
        assert.match(unescape(response.body), message, url);
      }
    }
    const keys = ['level', 'code', 'from', 'to', 'funder', 'prescriber', 'place', 'programme', 'breakdown'];
    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.constantFrom(...keys), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('france', 'commune', '44', '2026-01-01', '0', '-1', '99999999999', 'month'))), async (query) => {
        const qs = new URLSearchParams(query).toString();
        const response = await api(`/api/v1/pilotage/indicators?${qs}`, world.admin.token);
        assert.ok([200, 400, 403, 404, 422].includes(response.statusCode), `${qs} → ${response.statusCode} ${response.body.slice(0, 200)}`);
        if (response.statusCode !== 200) assert.match((response.json() as { message: string }).message, /[a-zàâéèêîôûç]/);
        const page = await admin.get(`/pilotage?${qs}`);
        assert.ok(page.statusCode < 500, `page ${qs} → ${page.statusCode}`);
      }),
      { numRuns: 40 },
    );
  });

  test('every export is journaled with its format, filter and rows', async () => {
    const before = await platform.db.selectFrom('audit_events').select(({ fn }) => fn.countAll<string>().as('n')).where('action', '=', 'pilotage.exported').executeTakeFirstOrThrow();
    for (const format of ['csv', 'xlsx', 'pdf']) assert.equal((await admin.get(`/pilotage/indicateurs.${format}?level=departement&code=44`)).statusCode, 200);
    assert.equal((await api('/api/v1/pilotage/public/indicators.csv')).statusCode, 200);
    const rows = await platform.db.selectFrom('audit_events').select(['details', 'actor_user_id']).where('action', '=', 'pilotage.exported').orderBy('id', 'desc').limit(4).execute();
    assert.equal(rows.length, 4);
    const total = await platform.db.selectFrom('audit_events').select(({ fn }) => fn.countAll<string>().as('n')).where('action', '=', 'pilotage.exported').executeTakeFirstOrThrow();
    assert.equal(Number(total.n) - Number(before.n), 4);
    assert.deepEqual(rows.map((r) => (r.details as { format: string }).format), ['csv', 'pdf', 'xlsx', 'csv']);
    assert.ok(rows.slice(1).every((r) => r.actor_user_id === world.admin.principal.userId && /level=departement&code=44/.test((r.details as { filter: string }).filter)));
  });

  test('the funder report and the hub’s places show their dashboard’s key numbers and link to it; the menu has Pilotage', async () => {
    const funder = await pageClient(app, platform.db, world.funder.principal.userId);
    const report = await funder.get(`/financeurs/${world.funder.organisationId}/rapport`);
    assert.equal(report.statusCode, 200);
    assert.match(report.body, new RegExp(`href="/pilotage\\?funder=${world.funder.organisationId}"`));
    assert.match(report.body, /Chèques encaissés/);
    assert.match(report.body, /Tableau de bord : programmes de ce financeur/);
    assert.match(report.body, /<a class="fr-nav__link" href="\/pilotage">Pilotage<\/a>/);
    const hub = await makeActor(platform.db, 'Hub de l’Ouest', 'hub');
    await platform.db.insertInto('organisation_departements').values({ organisation_id: hub.organisationId, departement_code: '44' }).execute();
    const hubPage = await (await pageClient(app, platform.db, hub.principal.userId)).get('/lieux/territoire');
    assert.equal(hubPage.statusCode, 200);
    assert.match(hubPage.body, new RegExp(`href="/pilotage\\?level=hub&amp;code=${hub.organisationId}"`));
    // The hub's dashboard leads to its worst-served communes (otherwise no page links there).
    const hubDashboard = await (await pageClient(app, platform.db, hub.principal.userId)).get(`/pilotage?level=hub&code=${hub.organisationId}`);
    assert.match(hubDashboard.body, new RegExp(`href="/pilotage/couverture/hub/${hub.organisationId}">Communes les moins bien desservies du hub</a>`));
    const helper = await makeActor(platform.db, 'Aidant du menu', 'helper');
    assert.doesNotMatch((await (await pageClient(app, platform.db, helper.principal.userId)).get('/espace')).body, /href="\/pilotage"/);
  });
});
