import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { parse } from 'csv-parse/sync';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { allocateBooklets, handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { INDICATOR_IDS, INDICATORS, isIndicatorId, type IndicatorId } from '../../../src/pilotage/domain/indicators.js';
import { K_ANONYMITY } from '../../../src/pilotage/domain/privacy.js';
import { PILOTAGE_ROUTES } from '../../../src/pilotage/http/route-policies.js';
import { refreshPilotage } from '../../../src/pilotage/use-cases/refresh.js';
import { parisDay } from '../../../src/shared/dates.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet } from '../../support/world.js';

/**
 * The privacy scan (ADR 0011): a world with small cells (a commune where 3 people received a booklet, one with 12,
 * one with 7, one person in Vendée; 12 people redeeming at one place, 3 at another), then every pilotage and open-data
 * output listed in route-policies.ts that carries indicators — the JSON of the API, the CSV exports, the open-data
 * activity file — called for many levels and breakdowns, signed in as the national administration and anonymously.
 * Each published cell of a personal indicator is checked against the distinct beneficiaries counted here, from the
 * base tables, independently of the engine: 0 or at least 5. A new route must be scanned or exempted with its reason.
 */

/** Routes with nothing personal per cell, or rendered from the same lines as a scanned one. */
const EXEMPT: Record<string, string> = {
  'GET /api/v1/open-data': 'catalogue (Data Package): adresses et schémas, aucun nombre',
  'GET /api/v1/open-data/activite-communes.schema.json': 'Table Schema, aucun nombre',
  'GET /api/v1/open-data/lieux.csv': 'lieux au standard national : des organisations, pas des personnes',
  'GET /api/v1/open-data/lieux.schema.json': 'Table Schema, aucun nombre',
  'GET /api/v1/open-data/CHANGELOG.md': 'texte',
  'GET /api/v1/open-data/README.md': 'texte',
  'GET /pilotage/indicateurs.xlsx': 'mêmes lignes que le CSV (report-files.ts exportLines), scanné',
  'GET /pilotage/indicateurs.pdf': 'mêmes cartes que le rapport JSON, scanné',
  'GET /pilotage/couverture.csv': 'couverture : population, lieux, médiateurs, IFN ; aucun compte de personnes accompagnées',
  'GET /pilotage/couverture/:departement.csv': 'idem',
  'GET /api/v1/pilotage/coverage': 'idem',
  'GET /pilotage/dormants.csv': 'carnets dormants : la liste opérationnelle des carnets du prescripteur lui-même (pas un agrégat publié)',
  'GET /api/v1/pilotage/sleeping': 'idem, en JSON',
};

type Scanner = 'report-json' | 'indicators-csv' | 'activity-csv';
const scannerOf = (route: string): Scanner | null => {
  if (EXEMPT[route]) return null;
  if (route.endsWith('/activite-communes.csv')) return 'activity-csv';
  if (route.endsWith('indicators.csv') || route.endsWith('indicateurs.csv')) return 'indicators-csv';
  if (route.startsWith('GET /api/v1/pilotage/') && /indicators$/.test(route)) return 'report-json';
  return 'unknown' as Scanner;
};
/** Routes the scan must reach: the API of the pilotage and of the open data, and every CSV. */
const SCANNED_ROUTES = Object.keys(PILOTAGE_ROUTES).filter((r) => r.startsWith('GET ') && (r.startsWith('GET /api/v1/pilotage') || r.startsWith('GET /api/v1/open-data') || r.endsWith('.csv')));

/** An event of the base tables, with every dimension a cell may be cut by. */
interface Event { booklet: number; day: string; commune: string; departement: string; region: string; place: number | null; prescriber: number | null; programme: number }
interface Cell { level: string; code: string | null; from: string; to: string; by?: string; key?: string }

const TODAY = parisDay();

describe(`privacy scan of every pilotage output (${testDatabaseKind})`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let adminCookie: string;
  const handed: Event[] = [];
  const redeemed: Event[] = [];
  const firstUses: Event[] = [];
  let regionOf = new Map<string, string>();
  let departementOf = new Map<string, string>();
  const scanned = new Map<string, number>();

  before(async () => {
    platform = await openTestPlatform();
    const { db } = platform;
    world = await buildWorld(db, { bookletCount: 30 });
    const more = await allocateBooklets(db, world.funder.principal, { orderId: world.orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 23 });
    // Already one in Nantes (buildWorld): 2 more make 3 there; 12 in Saint-Nazaire, 7 in Rezé, 1 in La Roche-sur-Yon.
    const communes = [...Array(2).fill('44109'), ...Array(12).fill('44184'), ...Array(7).fill('44143'), '85191'];
    for (const [i, commune] of communes.entries()) await handBooklet(db, world.prescriber.principal, more[i]!, { ageBand: '40-59', communeCode: commune, situation: 'retiree', diagnosticLevel: 1 });
    const code = (serial: number) => makeVoucherCode(platform.secret, serial);
    // The 12 of Saint-Nazaire use a voucher in Nantes (place A), the 3 of Nantes one in Saint-Nazaire (place B).
    for (const number of more.slice(2, 14)) await redeemVoucher(platform, world.mediatorA.principal, code((await serialsOfBooklet(db, number))[0]!), world.placeA);
    for (const number of [world.handedBooklet, ...more.slice(0, 2)]) await redeemVoucher(platform, world.mediatorB.principal, code((await serialsOfBooklet(db, number))[0]!), world.placeB);
    await refreshPilotage(db);
    app = await buildApp(platform);
    adminCookie = `ni_session=${await createSession(db, world.admin.principal.userId)}`;

    // The truth, from the base tables only.
    const communeRows = await db.selectFrom('communes').innerJoin('departements', 'departements.code', 'communes.departement_code').select(['communes.insee_code', 'communes.departement_code', 'departements.region_code']).execute();
    departementOf = new Map(communeRows.map((c) => [c.insee_code, c.departement_code]));
    regionOf = new Map(communeRows.map((c) => [c.departement_code, c.region_code]));
    const booklets = await db.selectFrom('booklets').select(['id', 'handed_at', 'profile_commune_code', 'allocated_organisation_id', 'programme_id']).where('handed_at', 'is not', null).execute();
    const event = (booklet: number, at: Date, commune: string, place: number | null, prescriber: number | null, programme: number): Event => ({
      booklet, day: parisDay(at), commune, departement: departementOf.get(commune)!, region: regionOf.get(departementOf.get(commune)!)!, place, prescriber, programme,
    });
    for (const b of booklets) handed.push(event(b.id, b.handed_at!, b.profile_commune_code!, null, b.allocated_organisation_id, b.programme_id));
    const vouchers = await db
      .selectFrom('vouchers')
      .innerJoin('booklets', 'booklets.id', 'vouchers.booklet_id')
      .innerJoin('places', 'places.id', 'vouchers.redeemed_place_id')
      .select(['vouchers.booklet_id', 'vouchers.redeemed_at', 'vouchers.redeemed_place_id', 'places.commune_code', 'booklets.allocated_organisation_id', 'vouchers.programme_id'])
      .where('vouchers.status', '=', 'redeemed')
      .orderBy('vouchers.redeemed_at')
      .execute();
    for (const v of vouchers) {
      const e = event(v.booklet_id, v.redeemed_at!, v.commune_code, v.redeemed_place_id, v.allocated_organisation_id, v.programme_id);
      redeemed.push(e);
      if (!firstUses.some((f) => f.booklet === e.booklet)) firstUses.push(e);
    }
    assert.equal(handed.length, 23);
    assert.equal(firstUses.length, 15);
  });

  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  /** Distinct beneficiaries of an indicator in a cell, from the events above (0 for what this world never does). */
  function truth(id: IndicatorId, cell: Cell): number {
    const events = ['vouchers_handed', 'delay_allocation_to_handout'].includes(id) ? handed
      : id === 'vouchers_redeemed' ? redeemed
      : ['people_reached', 'delay_handout_to_first_use'].includes(id) ? firstUses
      : [];
    const inTerritory = (e: Event, level: string, code: string | null) =>
      level === 'france' || (level === 'region' && e.region === code) || (level === 'departement' && e.departement === code) || (level === 'commune' && e.commune === code);
    const matches = (e: Event) => {
      if (e.day < cell.from || e.day > cell.to || !inTerritory(e, cell.level, cell.code)) return false;
      if (!cell.by || cell.key === undefined) return true;
      const none = cell.key === 'non_renseigne';
      switch (cell.by) {
        case 'territory': return none ? false : inTerritory(e, cell.key.length === 5 ? 'commune' : cell.key.length === 2 && regionOf.has(cell.key) && cell.level === 'departement' ? 'commune' : cell.level === 'france' ? 'region' : 'departement', cell.key);
        case 'month': return e.day.slice(0, 7) === cell.key;
        case 'place': return none ? e.place === null : String(e.place) === cell.key;
        case 'prescriber': return none ? e.prescriber === null : String(e.prescriber) === cell.key;
        case 'programme': return String(e.programme) === cell.key;
        default: return true; // funder, theme: every event of the world (an upper bound)
      }
    };
    return new Set(events.filter(matches).map((e) => e.booklet)).size;
  }

  const failures: string[] = [];
  function check(where: string, id: string, value: unknown, cell: Cell) {
    if (!isIndicatorId(id) || !INDICATORS[id].personal) return;
    if (value === null || value === undefined || value === '') return;
    const b = truth(id, cell);
    if (b > 0 && b < K_ANONYMITY) failures.push(`${where} ${id}=${String(value)} for ${b} people (${JSON.stringify(cell)})`);
  }

  interface JsonValue { value: number | null; suppressed?: string | null }
  interface JsonReport { filter: { level: string; code: string | null; from: string; to: string }; values: Record<string, JsonValue>; breakdown: { by: string; rows: { key: string; values: Record<string, JsonValue> }[] } | null }
  function scanReport(where: string, body: string) {
    assert.ok(!body.includes('beneficiaries'), `${where}: the count of beneficiaries left the server`);
    const report = JSON.parse(body) as JsonReport;
    const base: Cell = { level: report.filter.level, code: report.filter.code, from: report.filter.from, to: report.filter.to };
    for (const [id, v] of Object.entries(report.values)) check(where, id, v.value, base);
    for (const row of report.breakdown?.rows ?? []) for (const [id, v] of Object.entries(row.values)) check(`${where} [${row.key}]`, id, v.value, { ...base, by: report.breakdown!.by, key: row.key });
  }
  function scanIndicatorsCsv(where: string, body: string, cell: Cell) {
    const rows = parse(body.replace(/^\uFEFF/, ''), { delimiter: ';', columns: true, skip_empty_lines: true }) as Record<string, string>[];
    assert.ok(rows.length > 0 && 'Identifiant' in rows[0]!, `${where}: an indicators CSV`);
    for (const row of rows) {
      const value = row.Valeur ?? '';
      const inBreakdown = row.Ventilation !== 'ensemble';
      check(`${where} [${row.Code}]`, row.Identifiant!, value, inBreakdown ? { ...cell, key: row.Code } : { ...cell, by: undefined });
    }
    return rows.length;
  }
  function scanActivityCsv(where: string, body: string) {
    const rows = parse(body, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
    const columns: Record<string, IndicatorId> = { cheques_remis: 'vouchers_handed', cheques_encaisses: 'vouchers_redeemed', personnes_accompagnees_pass: 'people_reached', participants_sans_cheque_estimation: 'anonymous_participants', accompagnements: 'accompaniments', heures_formation: 'training_hours' };
    for (const row of rows) {
      const [y, m] = row.mois!.split('-').map(Number) as [number, number];
      const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
      for (const [column, id] of Object.entries(columns)) if (column in row) check(`${where} [${row.mois} ${row.code_insee}]`, id, row[column], { level: 'commune', code: row.code_insee!, from: `${row.mois}-01`, to: last });
    }
    return rows.length;
  }

  const LEVELS: [string, string | null][] = [['france', null], ['region', '52'], ['departement', '44'], ['departement', '85'], ['commune', '44109'], ['commune', '44184'], ['commune', '44143']];
  const BREAKDOWN_CHOICES = [null, 'territory', 'month', 'place', 'prescriber', 'programme'];

  async function call(route: string, url: string, signedIn: boolean): Promise<{ status: number; body: string }> {
    const headers: Record<string, string> = {};
    if (signedIn) {
      headers.authorization = `Bearer ${world.admin.token}`;
      headers.cookie = adminCookie;
    }
    const response = await app.inject({ method: 'GET', url, headers });
    scanned.set(route, (scanned.get(route) ?? 0) + 1);
    return { status: response.statusCode, body: response.body };
  }

  test('every output route is scanned or exempted with its reason', () => {
    const unknown = SCANNED_ROUTES.filter((r) => scannerOf(r) === ('unknown' as Scanner));
    assert.deepEqual(unknown, [], 'a new output of the pilotage: teach the scan to read it, or exempt it with its reason');
    for (const route of Object.keys(EXEMPT)) assert.ok(route in PILOTAGE_ROUTES, `${route} is exempted but is not a route any more`);
    assert.ok(SCANNED_ROUTES.some((r) => scannerOf(r) === 'report-json'), 'the indicators API is scanned');
  });

  test('no published personal cell of any report, export or open-data file counts 1 to 4 people', async () => {
    for (const route of SCANNED_ROUTES) {
      const scanner = scannerOf(route);
      if (scanner === null) continue;
      const path = route.slice(4);
      const isPublic = PILOTAGE_ROUTES[route] !== 'pilotage.read';
      if (scanner === 'activity-csv') {
        const month = TODAY.slice(0, 7);
        const { status, body } = await call(route, `${path}?from=${month}&to=${month}`, false);
        assert.equal(status, 200, `${route}: ${body.slice(0, 300)}`);
        assert.ok(scanActivityCsv(route, body) > 0, `${route}: the file has this month's activity`);
        continue;
      }
      for (const [level, code] of LEVELS) {
        for (const by of BREAKDOWN_CHOICES) {
          const query = new URLSearchParams({ level, ...(code ? { code } : {}), ...(by ? { breakdown: by } : {}) });
          const { status, body } = await call(route, `${path}?${query}`, !isPublic);
          if (isPublic && ['place', 'prescriber', 'programme'].includes(by ?? '')) {
            assert.equal(status, 403, `${route} ${query}: no organisation breakdown in public`);
            continue;
          }
          if (by === 'territory' && level === 'commune' && status !== 200) continue;
          assert.equal(status, 200, `${route}?${query}: ${body.slice(0, 300)}`);
          if (scanner === 'report-json') scanReport(`${route}?${query}`, body);
          else {
            const from = new Date(Date.parse(`${TODAY}T00:00:00Z`));
            from.setUTCMonth(from.getUTCMonth() - 12);
            const start = new Date(from.getTime() + 86_400_000).toISOString().slice(0, 10);
            scanIndicatorsCsv(`${route}?${query}`, body, { level, code, from: start, to: TODAY, ...(by ? { by } : {}) });
          }
        }
      }
    }
    assert.deepEqual(failures, [], `published cells under ${K_ANONYMITY} people`);
    for (const route of SCANNED_ROUTES) if (scannerOf(route) !== null) assert.ok((scanned.get(route) ?? 0) > 0, `${route} was not scanned`);
  });

  test('every export was journaled: who, format, canonical filter, rows; public downloads without an actor', async () => {
    const rows = await platform.db.selectFrom('audit_events').select(['actor_user_id', 'details']).where('action', '=', 'pilotage.exported').execute();
    const details = rows.map((r) => ({ actor: r.actor_user_id, ...(r.details as { format: string; filter: string; rows: number; by?: string; dataset?: string }) }));
    const admin = details.find((d) => d.actor === world.admin.principal.userId && d.filter.startsWith('level=departement&code=44&from=') && d.filter.endsWith('breakdown=territory'));
    assert.ok(admin, 'the administration’s CSV export of Loire-Atlantique');
    assert.equal(admin.format, 'csv');
    assert.ok(admin.rows > 0);
    const anonymous = details.filter((d) => d.actor === null && d.by === 'public');
    assert.ok(anonymous.length > 0, 'public downloads are journaled, without an actor');
    assert.ok(anonymous.some((d) => d.dataset === 'opendata:activite-communes'));
  });

  test('the scan sees real numbers: the 12 of Saint-Nazaire are published, the 3 of Nantes are not', async () => {
    const shared = JSON.parse((await call('GET /api/v1/pilotage/indicators', '/api/v1/pilotage/indicators?level=departement&code=44&breakdown=territory', true)).body) as JsonReport;
    const row = (key: string) => shared.breakdown!.rows.find((r) => r.key === key)!;
    assert.equal(row('44184').values.vouchers_handed!.value, 120, 'Saint-Nazaire: 12 booklets of 10 vouchers');
    assert.equal(row('44109').values.vouchers_handed!.value, null, 'Nantes: 3 people');
    // People are placed where they use the pass: 12 at place A (Nantes), 3 at place B (Saint-Nazaire), which the 12 then hide.
    assert.deepEqual(row('44184').values.people_reached, { value: null, suppressed: 'small_cell' });
    assert.deepEqual(row('44109').values.people_reached, { value: null, suppressed: 'complementary' });
    assert.equal(shared.values.people_reached!.value, 15);
    assert.equal(shared.values.vouchers_handed!.value, 220, 'the département: 22 booklets');
    for (const id of INDICATOR_IDS) assert.ok(id in shared.values);
  });
});
