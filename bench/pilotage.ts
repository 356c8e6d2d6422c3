// Pilotage benchmark (`npm run bench -- pilotage`): national volume generated set-based (bench/pilotage-data.ts), at
// two sizes in the same database (1.5 M then 15 M vouchers by default), each figure next to its yardstick measured in
// the same run: readIndicators (the cube) against readIndicatorsFromBase (the naive GROUP BY over the base tables),
// the same through HTTP, the full rebuild against one naive query, freshness after refreshPilotage, redemption
// throughput with and without the dirty-day triggers, a concurrent load followed by the cube = base check, and
// CSV exports streamed with their memory high-water mark.
//
// BENCH_PILOTAGE_VOUCHERS=100000 (comma-separated sizes) for a quick try; BENCH_PILOTAGE_SCHEMA=name keeps the
// generated schema (re-used by the next run if it exists: generation is skipped for the sizes it already holds).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { sql, type Kysely } from 'kysely';
import { stringify } from 'csv-stringify';
import { readConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import type { DB } from '../src/db/schema.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadTerritoriesIfEmpty } from '../src/territories/use-cases/load.js';
import { SYSTEM_PRINCIPAL, type Principal } from '../src/accounts/domain/principal.js';
import { REDEEM_SQL } from '../src/pass/use-cases/redemption-sql.js';
import { newToken } from '../src/accounts/use-cases/credentials.js';
import { parsePilotageFilter, type IndicatorReport, type PilotageFilter } from '../src/pilotage/domain/filters.js';
import { INDICATORS, INDICATOR_IDS } from '../src/pilotage/domain/indicators.js';
import { parisDay } from '../src/shared/dates.js';
import { growPilotageData } from './pilotage-data.js';

const execFileAsync = promisify(execFile);
const SIZES = (process.env.BENCH_PILOTAGE_VOUCHERS ?? '1500000,15000000').split(',').map(Number);
/** 10 M participant rows for 15 M vouchers. */
const PARTICIPANTS_PER_VOUCHER = 2 / 3;
const RUNS = Number(process.env.BENCH_PILOTAGE_RUNS ?? 15);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const EXPORT_ROWS = Number(process.env.BENCH_PILOTAGE_EXPORT_ROWS ?? 1_000_000);

// The engine is written by another helper in parallel: loaded when present, so that the generator runs without it.
type ReadIndicators = (db: Kysely<DB>, principal: Principal | null, query: unknown, options?: { today?: string }) => Promise<IndicatorReport>;
type FromBase = (db: Kysely<DB>, filter: PilotageFilter) => Promise<unknown>;
interface Engine {
  rebuildPilotage: (db: Kysely<DB>) => Promise<unknown>;
  refreshPilotage: (db: Kysely<DB>) => Promise<unknown>;
  readIndicators: ReadIndicators;
  readIndicatorsFromBase: FromBase;
  /** The cube's report before the privacy rules: compared with the base's, which is unprotected too. */
  readIndicatorsFromCube?: FromBase;
}
async function optionalModule<T>(specifier: string): Promise<T | null> {
  try {
    return (await import(specifier)) as T;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return null;
    throw error;
  }
}
async function loadEngine(): Promise<Engine | null> {
  const refresh = await optionalModule<Partial<Engine>>('../src/pilotage/use-cases/refresh.js');
  const indicators = await optionalModule<Partial<Engine>>('../src/pilotage/use-cases/indicators.js');
  const engine = { ...refresh, ...indicators };
  return engine.rebuildPilotage && engine.refreshPilotage && engine.readIndicators && engine.readIndicatorsFromBase ? (engine as Engine) : null;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;
const fmt = (n: number) => n.toLocaleString('fr-FR').replace(/\u202f|\u00a0/g, ' ');
const load = () => os.loadavg().map((l) => l.toFixed(2)).join(' / ');

async function timeIt<T>(run: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await run();
  return { ms: performance.now() - started, result };
}

function summary(durations: number[]) {
  const sorted = [...durations].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted.at(-1)!, n: sorted.length };
}

interface Targets {
  dep: string;
  region: string;
  commune: string;
  hub: number;
  funder: number;
  prescriber: number;
  place: number;
  placeCommune: string;
  programme: number;
  bigDep: string;
}

/** The filters of the mix: every level, every organisation filter, a period starting mid-month, two breakdowns. */
function filterMix(t: Targets, today: string): { label: string; query: Record<string, string> }[] {
  const month = (offset: number, day: number) => {
    const d = new Date(`${today}T00:00:00Z`);
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() + offset);
    d.setUTCDate(day);
    return d.toISOString().slice(0, 10);
  };
  return [
    { label: 'France, 12 mois', query: {} },
    { label: `région ${t.region}`, query: { level: 'region', code: t.region } },
    { label: `département ${t.dep}`, query: { level: 'departement', code: t.dep } },
    { label: `hub ${t.hub} (3 départements)`, query: { level: 'hub', code: String(t.hub) } },
    { label: `commune ${t.commune}`, query: { level: 'commune', code: t.commune } },
    { label: `financeur ${t.funder}`, query: { funder: String(t.funder) } },
    { label: `prescripteur ${t.prescriber}`, query: { prescriber: String(t.prescriber) } },
    { label: `lieu ${t.place}`, query: { place: String(t.place) } },
    { label: `programme ${t.programme}`, query: { programme: String(t.programme) } },
    { label: `France ${month(-7, 15)} → ${month(-3, 20)}`, query: { from: month(-7, 15), to: month(-3, 20) } },
    { label: 'France par région', query: { breakdown: 'territory' } },
    { label: `département ${t.bigDep} par commune`, query: { level: 'departement', code: t.bigDep, breakdown: 'territory' } },
    { label: `département ${t.dep} par mois`, query: { level: 'departement', code: t.dep, breakdown: 'month' } },
    { label: `région ${t.region} par mois, financeur`, query: { level: 'region', code: t.region, funder: String(t.funder), breakdown: 'month' } },
  ];
}

async function findTargets(db: Kysely<DB>): Promise<Targets> {
  const one = async <T>(text: string) => (await sql.raw<T>(text).execute(db)).rows[0]!;
  const dep = '44';
  const n = (await one<{ n: number }>(`select n from bench_dep where code = '${dep}'`)).n;
  const place = await one<{ id: number; commune_code: string }>(
    `select p.id, p.commune_code from places p join vouchers v on v.redeemed_place_id = p.id where p.commune_code like '44%' group by p.id order by count(*) desc limit 1`,
  );
  const hub = await one<{ id: number }>(`select organisation_id as id from organisation_departements where departement_code = '${dep}' order by 1 limit 1`);
  return {
    dep,
    region: '52',
    commune: '44109',
    hub: hub.id,
    funder: 1000 + n,
    prescriber: 10000 + n * 100 + 3,
    place: place.id,
    placeCommune: place.commune_code,
    programme: n,
    bigDep: '59',
  };
}

/** readIndicators over the mix, rounds interleaved (a neighbour's burst hits one round of each filter). */
async function measureMix(db: Kysely<DB>, engine: Engine, mix: ReturnType<typeof filterMix>, runs: number) {
  const per = new Map<string, number[]>();
  for (const { query } of mix) await engine.readIndicators(db, SYSTEM_PRINCIPAL, query); // warm-up
  for (let round = 0; round < runs; round += 1) {
    for (const { label, query } of mix) {
      const { ms: t } = await timeIt(() => engine.readIndicators(db, SYSTEM_PRINCIPAL, query));
      per.set(label, [...(per.get(label) ?? []), t]);
    }
  }
  return per;
}

/** A plain pg client on the bench schema (bulk statements, triggers). */
async function client(url: string, schema: string) {
  const c = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await c.connect();
  return c;
}

/** The pilotage triggers on the tables redemption writes (their function is named after the pilotage). */
async function pilotageTriggers(c: pg.Client) {
  const { rows } = await c.query<{ table: string; name: string; fn: string }>(
    `select c.relname as table, t.tgname as name, p.proname as fn from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_proc p on p.oid = t.tgfoid
     where not t.tgisinternal and c.relnamespace = current_schema()::regnamespace order by 1, 2`,
  );
  return rows;
}

/** pgbench running the redemption statement (the endpoint's own SQL), each transaction a different handed voucher. */
function pgbenchScript(queueStart: number, rolledBack = false) {
  const statement = REDEEM_SQL.replace(/\$(\d)/g, (_, n: string) =>
    ({ '1': ':serial', '2': ':user_id', '3': ':place_id', '4': `array[:org_id]`, '5': `('user:' || :user_id)`, '6': `('pgb-' || :serial)`, '7': "'f'" })[n]!,
  );
  const file = path.join(os.tmpdir(), `inclusif-pilotage-redeem-${process.pid}-${queueStart}.sql`);
  // rolledBack: each redemption in a transaction rolled back (its triggers have run), the queue read in a loop, so that
  // a small size's few handed vouchers serve every run; the commit's WAL flush is then left out of both sides.
  const pick = rolledBack
    ? `select serial, place_id, user_id, org_id from bench_redeem_queue where n = (select nextval('bench_redeem_seq') % (select count(*) from bench_redeem_queue) + 1) \\gset\nbegin;\n${statement.trim()};\nrollback;\n`
    : `select serial, place_id, user_id, org_id from bench_redeem_queue where n = (select nextval('bench_redeem_seq')) \\gset\n${statement.trim()};\n`;
  fs.writeFileSync(file, pick);
  return file;
}

async function pgbench(url: string, schema: string, script: string, clients: number, seconds: number) {
  const { stdout } = await execFileAsync('pgbench', ['-n', '-M', 'prepared', '-c', String(clients), '-j', '2', '-T', String(seconds), '-f', script, url], {
    env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` },
  });
  return { tps: Number(/tps = ([0-9.]+)/.exec(stdout)?.[1]), latency: Number(/latency average = ([0-9.]+) ms/.exec(stdout)?.[1]), transactions: Number(/number of transactions actually processed: (\d+)/.exec(stdout)?.[1]) };
}

/** Counts bytes and throws them away. */
const sink = () => {
  let bytes = 0;
  return { stream: new Writable({ write: (chunk, _e, done) => ((bytes += chunk.length), done()) }), bytes: () => bytes };
};

/** Samples the process's resident memory while `run` runs: its high-water mark above the start. */
async function withMemory<T>(run: () => Promise<T>) {
  const base = process.memoryUsage();
  let rss = base.rss;
  let heap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    rss = Math.max(rss, m.rss);
    heap = Math.max(heap, m.heapUsed);
  }, 10);
  try {
    const { ms: t, result } = await timeIt(run);
    return { ms: t, result, rssPeakMb: rss / 1e6, rssGrowthMb: (rss - base.rss) / 1e6, heapPeakMb: heap / 1e6 };
  } finally {
    clearInterval(timer);
  }
}

/** Flow totals of a report, for the cube = base check. */
function flowValues(report: unknown): Map<string, number | null> {
  const values = (report as { values?: Record<string, { value: number | null; amountCents?: number | null } | number> }).values ?? {};
  const out = new Map<string, number | null>();
  for (const id of INDICATOR_IDS) {
    if (INDICATORS[id].kind === 'rate') continue;
    const v = values[id];
    if (v === undefined) continue;
    out.set(id, typeof v === 'number' ? v : v.value);
    if (typeof v === 'object' && v.amountCents !== undefined) out.set(`${id}.amountCents`, v.amountCents ?? null);
  }
  return out;
}

export async function benchPilotage(report: (line: string) => void) {
  const url = process.env.DATABASE_URL!;
  const keep = process.env.BENCH_PILOTAGE_SCHEMA;
  const schema = keep ?? `bench_pilotage_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const exists = (await admin.query(`select 1 from pg_namespace where nspname = $1`, [schema])).rowCount! > 0;
  if (!exists) await admin.query(`create schema ${schema}`);
  const database: Database = await openDatabase({ databaseUrl: url, searchPath: schema, poolSize: 8 });
  const db = database.db;
  const clock = { now: new Date() };
  report(`pilotage: ${os.cpus().length} cores shared with other work (load average at start ${load()}), PostgreSQL ${(await admin.query('show server_version')).rows[0].server_version}, shared_buffers ${(await admin.query('show shared_buffers')).rows[0].shared_buffers}`);
  try {
    if (!exists) {
      await migrateToLatest(db);
      const territories = await timeIt(() => loadTerritoriesIfEmpty(db));
      const counts = (await sql<{ d: number; c: number }>`select (select count(*) from departements)::int as d, (select count(*) from communes)::int as c`.execute(db)).rows[0]!;
      report(`pilotage referential: ${counts.d} départements, ${fmt(counts.c)} communes and arrondissements loaded in ${(territories.ms / 1000).toFixed(1)} s`);
    } else await migrateToLatest(db);
    const engine = await loadEngine();
    if (!engine) report('pilotage: the engine (src/pilotage/use-cases/refresh.ts, indicators.ts) is not there yet: generation only');

    let booklets = Number((await sql<{ n: number }>`select coalesce(max(id), 0)::bigint as n from booklets`.execute(db)).rows[0]!.n);
    let participants = Number((await sql<{ n: number }>`select count(*)::bigint as n from accompaniment_participants`.execute(db)).rows[0]!.n);
    let targets: Targets | null = null;
    let mix: ReturnType<typeof filterMix> = [];
    const today = parisDay();
    for (const [index, size] of SIZES.entries()) {
      const wanted = size / 10;
      // Orders round each département's share: a size is reached within a few per cent.
      if (booklets < wanted * 0.95) {
        const grown = await growPilotageData(url, schema, {
          batch: index + 1,
          firstBooklet: booklets + 1,
          booklets: wanted - booklets,
          participants: Math.max(0, Math.round(size * PARTICIPANTS_PER_VOUCHER) - participants),
          clock,
          log: (line) => console.log(line),
        });
        booklets = Number((await sql<{ n: number }>`select coalesce(max(id), 0)::bigint as n from booklets`.execute(db)).rows[0]!.n);
        participants = grown.participants;
        report(`pilotage generation to ${fmt(grown.vouchers)} vouchers, ${fmt(grown.participants)} participants: ${grown.seconds.toFixed(1)} s (${grown.steps.join(', ')})`);
      }
      const volume = (await sql<Record<string, number>>`select
          (select count(*) from vouchers)::bigint as vouchers, (select count(*) from vouchers where status = 'redeemed')::bigint as redeemed,
          (select count(*) from vouchers where status = 'expired')::bigint as expired, (select count(*) from statement_lines)::bigint as reimbursed,
          (select count(*) from booklets where handed_at is not null)::bigint as handed_booklets, (select count(*) from accompaniments)::bigint as sessions,
          (select count(*) from accompaniment_participants)::bigint as participants, (select count(*) from places)::bigint as places,
          (select count(*) from memberships where role = 'mediator')::bigint as mediators, (select count(*) from orders)::bigint as orders,
          (select pg_size_pretty(pg_database_size(current_database()))) as size`.execute(db)).rows[0]!;
      report(`pilotage volume ${fmt(size)}: ${Object.entries(volume).map(([k, v]) => `${k} ${typeof v === 'number' ? fmt(Number(v)) : v}`).join(', ')}`);
      const broken = (await sql<Record<string, number>>`select
          (select count(*) from vouchers v join booklets b on b.id = v.booklet_id where v.status = 'redeemed' and (v.redeemed_at <= b.handed_at or v.redeemed_at >= v.expires_at or v.redeemed_at > now()))::int as bad_redemption_dates,
          (select count(*) from vouchers where status = 'expired' and expires_at > now())::int as bad_expiry,
          (select count(*) from booklets where handed_at < allocated_at or handed_at > now())::int as bad_handout,
          (select count(*) from vouchers v where v.status = 'redeemed' and not exists (select 1 from place_programmes pp where pp.place_id = v.redeemed_place_id and pp.programme_id = v.programme_id))::int as redeemed_at_non_accepting_place,
          (select count(*) from statement_lines l join statements s on s.id = l.statement_id join reimbursement_runs r on r.id = s.run_id join vouchers v on v.serial = l.voucher_serial where v.redeemed_at >= r.until)::int as reimbursed_before_redeemed`.execute(db)).rows[0]!;
      report(`pilotage invariants ${fmt(size)} (all 0 expected): ${Object.entries(broken).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (!engine) continue;
      // BENCH_PILOTAGE_FINAL_ONLY=1 (a kept schema whose cube is built): only freshness, redemption, concurrency, export.
      if (process.env.BENCH_PILOTAGE_FINAL_ONLY === '1') {
        targets ??= await findTargets(db);
        continue;
      }

      // Full rebuild, next to one naive GROUP BY over the base tables (France, 12 months).
      // BENCH_PILOTAGE_SKIP_REBUILD=1 resumes on a kept schema whose cube is already built (the figure is not re-measured).
      const skipRebuild = process.env.BENCH_PILOTAGE_SKIP_REBUILD === '1';
      const rebuild = skipRebuild ? { ms: NaN } : await timeIt(() => engine.rebuildPilotage(db));
      await sql`analyze`.execute(db);
      targets ??= await findTargets(db);
      mix = filterMix(targets, today);
      const france = parsePilotageFilter({}, today);
      const naiveOnce = await timeIt(() => engine.readIndicatorsFromBase(db, france));
      report(`pilotage rebuild ${fmt(size)}: ${(rebuild.ms / 1000).toFixed(1)} s | one naive GROUP BY over the base tables (France, 12 months) ${(naiveOnce.ms / 1000).toFixed(2)} s | ratio ${(rebuild.ms / naiveOnce.ms).toFixed(1)}×`);

      const per = await measureMix(db, engine, mix, RUNS);
      const all = summary([...per.values()].flat());
      for (const { label } of mix) {
        const s = summary(per.get(label)!);
        report(`  readIndicators ${fmt(size)} ${label}: p50 ${ms(s.p50)}, p95 ${ms(s.p95)} (n ${s.n})`);
      }
      // The yardstick on a few of the same filters (slow at 15 M: fewer runs).
      // The naive GROUP BY takes minutes at these volumes on a loaded machine: one run per filter beyond 1 M vouchers.
      const baseRuns = size >= 1_000_000 ? 1 : 3;
      const yardFilters = [mix[0]!, mix[2]!, mix[7]!, mix[11]!];
      const yard: number[] = [];
      const cubeSame: number[] = [];
      for (const { label, query } of yardFilters) {
        const filter = parsePilotageFilter(query, today);
        const runs: number[] = [];
        for (let i = 0; i < baseRuns; i += 1) runs.push((await timeIt(() => engine.readIndicatorsFromBase(db, filter))).ms);
        yard.push(...runs);
        cubeSame.push(...per.get(label)!);
        const s = summary(runs);
        report(`  readIndicatorsFromBase ${fmt(size)} ${label}: p50 ${ms(s.p50)}, max ${ms(s.max)} (n ${s.n}) | cube p50 ${ms(summary(per.get(label)!).p50)} | ratio ${(s.p50 / summary(per.get(label)!).p50).toFixed(0)}×`);
      }
      const y = summary(yard);
      report(`pilotage readIndicators ${fmt(size)}, mix of ${mix.length} filters × ${RUNS}: p50 ${ms(all.p50)}, p95 ${ms(all.p95)}, max ${ms(all.max)} | naive GROUP BY on 4 of them p50 ${ms(y.p50)}, p95 ${ms(y.p95)} (cube on the same 4: p95 ${ms(summary(cubeSame).p95)}) | target p95 < 100 ms | load ${load()}`);

      // Through HTTP: the API route with an administrator's token, sequential, then wrk with 8 connections.
      await measureHttp(database, engine, mix, report, size);
    }
    if (!engine || !targets) return;
    const size = SIZES.at(-1)!;
    if (process.env.BENCH_PILOTAGE_SKIP_CONCURRENT !== '1') await measureFreshness(url, schema, db, engine, report, size);
    await measureRedemption(url, schema, db, engine, report, size);
    await measureExports(db, engine, report, today);
  } finally {
    await database.close();
    if (!keep) await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}

async function measureHttp(database: Database, engine: Engine, mix: ReturnType<typeof filterMix>, report: (line: string) => void, size: number) {
  // Loaded here: the app imports the pilotage routes, which need the engine.
  const { buildApp } = await import('../src/app.js');
  const app = await buildApp({ db: database.db, pool: database.pool, kind: database.kind, secret: 'bench', config: { ...readConfig(), secureCookies: false } });
  const route = app.printRoutes().includes('indicators');
  if (!route) {
    report('pilotage HTTP: GET /api/v1/pilotage/indicators is not registered yet: use case only');
    await app.close();
    return;
  }
  const { token, hash } = newToken('ni');
  await database.db.insertInto('api_tokens').values({ user_id: 300000, name: 'bench', token_hash: hash, token_prefix: token.slice(0, 10) }).execute();
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const paths = mix.map(({ query }) => `/api/v1/pilotage/indicators?${new URLSearchParams(query).toString()}`);
  try {
    const get = async (p: string) => {
      const response = await fetch(`http://127.0.0.1:${port}${p}`, { headers: { authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`HTTP ${response.status} ${p}: ${(await response.text()).slice(0, 300)}`);
      await response.arrayBuffer();
    };
    for (const p of paths) await get(p);
    const http: number[] = [];
    const useCase: number[] = [];
    const runs = Math.max(2, Math.round(RUNS / 3));
    for (let round = 0; round < runs; round += 1) {
      for (const [i, p] of paths.entries()) {
        http.push((await timeIt(() => get(p))).ms);
        useCase.push((await timeIt(() => engine.readIndicators(database.db, SYSTEM_PRINCIPAL, mix[i]!.query))).ms);
      }
    }
    const h = summary(http);
    const u = summary(useCase);
    report(`pilotage HTTP ${fmt(size)} GET /api/v1/pilotage/indicators, sequential, ${h.n} requests over the mix: p50 ${ms(h.p50)}, p95 ${ms(h.p95)} | the use case alone, same run: p50 ${ms(u.p50)}, p95 ${ms(u.p95)} | target p95 < 100 ms`);
    const list = path.join(os.tmpdir(), `inclusif-pilotage-paths-${process.pid}.txt`);
    fs.writeFileSync(list, paths.join('\n'));
    const { stdout } = await execFileAsync('wrk', ['-t', '2', '-c', '8', '-d', `${SECONDS}s`, '--latency', '-s', fileURLToPath(new URL('./pilotage.lua', import.meta.url)), `http://127.0.0.1:${port}`, '--', list, token]);
    fs.rmSync(list);
    const wrkMs = (label: string) => {
      const match = new RegExp(`${label}%\\s+([0-9.]+)(us|ms|s)`).exec(stdout);
      if (!match) return NaN;
      const v = Number(match[1]);
      return match[2] === 'us' ? v / 1000 : match[2] === 's' ? v * 1000 : v;
    };
    report(`pilotage HTTP ${fmt(size)} wrk 8 connections ${SECONDS} s over the mix: ${Number(/Requests\/sec:\s+([0-9.]+)/.exec(stdout)?.[1]).toFixed(0)} req/s, p50 ${ms(wrkMs('50'))}, p99 ${ms(wrkMs('99'))}, non-2xx ${/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0}`);
  } finally {
    await app.close();
  }
}

/** From a redemption's commit to its visibility in readIndicators after one refreshPilotage (one dirty day). */
async function measureFreshness(url: string, schema: string, db: Kysely<DB>, engine: Engine, report: (line: string) => void, size: number) {
  const c = await client(url, schema);
  try {
    // A small size may have no handed voucher left (a previous run on a kept schema): mark paid ones handed, without
    // trigger (a voucher's status between paid and handed changes no fact of the cube).
    if ((await c.query(`select 1 from vouchers where status = 'handed' and expires_at > now() + interval '1 day' limit 1000`)).rowCount! < 1000) {
      await c.query(`set session_replication_role = replica`);
      await c.query(`update vouchers set status = 'handed' where status in ('activated', 'allocated') and expires_at > now() + interval '1 day'`);
      await c.query(`set session_replication_role = origin`);
    }
    const clean = await timeIt(() => engine.refreshPilotage(db));
    const idle = await timeIt(() => engine.refreshPilotage(db));
    const today = parisDay();
    const candidate = (
      await c.query<{ serial: number; place_id: number; organisation_id: number; commune_code: string }>(
        `select v.serial, p.id as place_id, p.organisation_id, p.commune_code from vouchers v join booklets b on b.id = v.booklet_id
         join bench_orders_1 o on o.id = v.order_id join bench_dep_places dp on dp.dep = o.dep and dp.k = (b.id * 2654435761) % 1024
         join places p on p.id = dp.place_id where v.status = 'handed' and v.expires_at > now() + interval '1 day' limit 1`,
      )
    ).rows[0]!;
    const query = { level: 'commune', code: candidate.commune_code, from: today, to: today };
    // The cube's values before the privacy rules: one redemption in a commune is a cell under 5, withheld by readIndicators.
    const filter = parsePilotageFilter(query, today);
    const read = () => (engine.readIndicatorsFromCube ? engine.readIndicatorsFromCube(db, filter) : engine.readIndicators(db, SYSTEM_PRINCIPAL, query));
    const value = async (id: 'vouchers_redeemed' | 'accompaniments') => ((await read()) as IndicatorReport).values[id].value ?? 0;
    const before = await value('vouchers_redeemed');
    const beforeAcc = await value('accompaniments');
    const statement = REDEEM_SQL;
    const started = performance.now();
    const redeemed = await c.query(statement, [candidate.serial, candidate.organisation_id, candidate.place_id, [candidate.organisation_id], `user:${candidate.organisation_id}`, null, 'f']);
    await c.query(
      `with a as (insert into accompaniments (kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by) values ('workshop', $1, $2, $3, 60, array['internet'], $2) returning id)
       insert into accompaniment_participants (accompaniment_id) select id from a cross join generate_series(1, 6)`,
      [candidate.place_id, candidate.organisation_id, today],
    );
    const committed = performance.now();
    const refresh = await timeIt(() => engine.refreshPilotage(db));
    const after = await value('vouchers_redeemed');
    const afterAcc = await value('accompaniments');
    const visible = performance.now();
    report(
      `pilotage freshness ${fmt(size)}: redemption (${redeemed.rowCount} row) and a workshop of 6 committed, refreshPilotage (one dirty day) ${ms(refresh.ms)}, visible in readIndicators after ${ms(visible - committed)} from commit (commune ${candidate.commune_code} today: redeemed ${before} → ${after}, accompaniments ${beforeAcc} → ${afterAcc}) | refresh with nothing dirty ${ms(idle.ms)}; first refresh after the rebuild ${ms(clean.ms)} | target < 60 s`,
    );
    void started;
  } finally {
    await c.end();
  }
}

/** Redemption throughput with the pilotage triggers and without them, then 16 clients redeeming while the cube refreshes. */
async function measureRedemption(url: string, schema: string, db: Kysely<DB>, engine: Engine, report: (line: string) => void, size: number) {
  const c = await client(url, schema);
  try {
    // A queue of handed, live vouchers, each with a place of its département that accepts it and that place's mediator.
    const makeQueue = async () => {
    await c.query(`drop table if exists bench_redeem_queue; drop sequence if exists bench_redeem_seq`);
    await c.query(`create table bench_redeem_queue as
      select row_number() over (order by v.serial) as n, v.serial, dp.place_id, dp.organisation_id as user_id, dp.organisation_id as org_id
      from vouchers v join booklets b on b.id = v.booklet_id join orders o on o.id = v.order_id join programmes pr on pr.id = o.programme_id
      join bench_dep d on d.n = pr.id join bench_dep_places dp on dp.dep = d.code and dp.k = (b.id * 2654435761) % 1024
      where v.status = 'handed' and v.expires_at > now() + interval '1 day' limit 400000`);
    await c.query(`create unique index on bench_redeem_queue (n); create sequence bench_redeem_seq; analyze bench_redeem_queue`);
    };
    await makeQueue();
    const triggers = await pilotageTriggers(c);
    const ours = triggers.filter((tr) => /pilotage|dirty/i.test(tr.fn) || /pilotage|dirty/i.test(tr.name));
    report(`pilotage triggers found: ${ours.length} (on vouchers: ${ours.filter((tr) => tr.table === 'vouchers').map((tr) => tr.name).join(', ') || 'none'})`);
    const setTriggers = async (enabled: boolean) => {
      for (const tr of ours) await c.query(`alter table ${tr.table} ${enabled ? 'enable' : 'disable'} trigger ${tr.name}`);
    };
    const script = pgbenchScript(0);
    // BENCH_PILOTAGE_SKIP_CONCURRENT=1: throughput and export only (a kept schema already checked).
    if (process.env.BENCH_PILOTAGE_SKIP_CONCURRENT !== '1') {
    // 16 clients redeeming while refreshPilotage runs in a loop; then one last refresh and cube = base.
    const load = pgbench(url, schema, script, 16, 2 * SECONDS);
    let refreshes = 0;
    let done = false;
    void load.finally(() => (done = true));
    const refreshTimes: number[] = [];
    while (!done) {
      refreshTimes.push((await timeIt(() => engine.refreshPilotage(db))).ms);
      refreshes += 1;
    }
    const concurrent = await load;
    const last = await timeIt(() => engine.refreshPilotage(db));
    const today = parisDay();
    const from = new Date(Date.now() - 400 * 86_400_000).toISOString().slice(0, 10);
    const filter = parsePilotageFilter({ from, to: today }, today);
    const fromCube = (f: PilotageFilter, q: Record<string, string>) => (engine.readIndicatorsFromCube ? engine.readIndicatorsFromCube(db, f) : engine.readIndicators(db, SYSTEM_PRINCIPAL, q));
    const cube = flowValues(await fromCube(filter, { from, to: today }));
    const base = flowValues(await engine.readIndicatorsFromBase(db, filter));
    const differences = [...cube.keys()].filter((k) => base.has(k) && cube.get(k) !== base.get(k)).map((k) => `${k} cube ${cube.get(k)} base ${base.get(k)}`);
    const todayFilter = parsePilotageFilter({ from: today, to: today }, today);
    const cubeToday = flowValues(await fromCube(todayFilter, { from: today, to: today }));
    const baseToday = flowValues(await engine.readIndicatorsFromBase(db, todayFilter));
    const todayDiff = [...cubeToday.keys()].filter((k) => baseToday.has(k) && cubeToday.get(k) !== baseToday.get(k)).map((k) => `${k} cube ${cubeToday.get(k)} base ${baseToday.get(k)}`);
    const r = summary(refreshTimes);
    report(
      `pilotage concurrent ${fmt(size)}: 16 clients redeeming ${2 * SECONDS} s (${concurrent.tps.toFixed(0)} tps, ${fmt(concurrent.transactions)} redemptions) while refreshPilotage ran ${refreshes} times (p50 ${ms(r.p50)}, max ${ms(r.max)}), last refresh ${ms(last.ms)} | cube = base on France ${from} → ${today}: ${differences.length === 0 ? `equal on ${[...cube.keys()].filter((k) => base.has(k)).length} values` : `DIFFERENT: ${differences.join('; ')}`}; today only: ${todayDiff.length === 0 ? `equal (redeemed today ${cubeToday.get('vouchers_redeemed')})` : `DIFFERENT: ${todayDiff.join('; ')}`}`,
    );
    }
    // Throughput last: the runs without triggers leave the cube stale (nothing reads it afterwards but the export's timing).
    // Small sizes run out of handed vouchers: the paid, not yet handed ones are marked handed (no trigger: nothing
    // measured afterwards reads the cube's values).
    await c.query(`set session_replication_role = replica`);
    await c.query(`update vouchers set status = 'handed' where status in ('activated', 'allocated') and expires_at > now() + interval '1 day'
                     and serial in (select serial from vouchers where status in ('activated', 'allocated') limit 200000)`);
    await c.query(`set session_replication_role = origin`);
    await makeQueue();
    const runs: { on: boolean; tps: number; latency: number }[] = [];
    const redeemedCount = async () => Number((await c.query(`select count(*) from vouchers where status = 'redeemed'`)).rows[0].count);
    let refused = 0;
    const queued = Number((await c.query(`select count(*) from bench_redeem_queue`)).rows[0].count);
    const rolledBack = queued < 4 * 1500 * SECONDS;
    const throughputScript = rolledBack ? pgbenchScript(1, true) : script;
    for (const on of [true, false, true, false]) {
      await setTriggers(on);
      const before = await redeemedCount();
      const r = await pgbench(url, schema, throughputScript, 16, SECONDS);
      if (!rolledBack) refused += r.transactions - ((await redeemedCount()) - before);
      runs.push({ on, tps: r.tps, latency: r.latency });
    }
    await setTriggers(true);
    const avg = (on: boolean) => runs.filter((r) => r.on === on).reduce((s, r) => s + r.tps, 0) / 2;
    report(
      `pilotage redemption ${fmt(size)}, pgbench 16 clients × ${SECONDS} s, the endpoint's statement: with the dirty-day triggers ${runs.filter((r) => r.on).map((r) => `${r.tps.toFixed(0)} tps (avg ${r.latency} ms)`).join(', ')} | triggers disabled ${runs.filter((r) => !r.on).map((r) => `${r.tps.toFixed(0)} tps (avg ${r.latency} ms)`).join(', ')} | ratio ${((100 * avg(true)) / avg(false)).toFixed(0)} % | ${rolledBack ? `each redemption rolled back (${fmt(queued)} handed vouchers only)` : `refused ${refused}`}`,
    );
  } finally {
    await c.end();
  }
}

/** CSV exports streamed: the open-data activity per commune and month (if written), and 1 M cube rows through csv-stringify. */
export async function measureExports(db: Kysely<DB>, engine: Engine, report: (line: string) => void, today: string) {
  const openData = await optionalModule<{ activityCsv?: (db: Kysely<DB>, period: { from: string; to: string }, options?: { today?: string; onEnd?: (rows: number) => void }) => Readable }>('../src/pilotage/use-cases/open-data.js');
  if (openData?.activityCsv && Number(process.env.BENCH_PILOTAGE_OPENDATA_MONTHS ?? 1) > 0) {
    const to = today.slice(0, 7);
    const d = new Date(`${today}T00:00:00Z`);
    // One readIndicators per département and month: BENCH_PILOTAGE_OPENDATA_MONTHS (1 by default) bounds the run.
    d.setUTCMonth(d.getUTCMonth() - (Number(process.env.BENCH_PILOTAGE_OPENDATA_MONTHS ?? 1) - 1));
    const from = d.toISOString().slice(0, 7);
    let rows = 0;
    const out = sink();
    const m = await withMemory(() => pipeline(openData.activityCsv!(db, { from, to }, { today, onEnd: (n) => void (rows = n) }), out.stream));
    report(`pilotage open-data activity CSV (per commune and month, ${from} → ${to}, one readIndicators per département and month): ${fmt(rows)} rows, ${(out.bytes() / 1e6).toFixed(1)} MB in ${(m.ms / 1000).toFixed(1)} s | RSS high-water ${m.rssPeakMb.toFixed(0)} MB (+${m.rssGrowthMb.toFixed(0)} MB), heap peak ${m.heapPeakMb.toFixed(0)} MB`);
  }
  // 1 M rows of the cube's largest table, read by a server-side cursor in batches and streamed through csv-stringify.
  const largest = (
    await sql<{ name: string; rows: number }>`select c.relname as name, c.reltuples::bigint as rows from pg_class c
      where c.relnamespace = current_schema()::regnamespace and c.relkind = 'r' and c.relname like 'pilotage%' order by c.reltuples desc limit 1`.execute(db)
  ).rows[0];
  const table = largest && largest.rows >= EXPORT_ROWS ? largest.name : 'vouchers';
  const copyStart = performance.now();
  execFileSync('psql', [process.env.DATABASE_URL!, '-q', '-c', `set search_path = ${(await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]!.s}`, '-c', `\\copy (select * from ${table} limit ${EXPORT_ROWS}) to '/dev/null' with (format csv, header)`]);
  const copyMs = performance.now() - copyStart;
  const out = sink();
  const m = await withMemory(async () => {
    // A dedicated pooled connection holds the cursor for the whole stream.
    let rows = 0;
    await db.connection().execute(async (conn) => {
      await sql`begin`.execute(conn);
      await sql.raw(`declare bench_export no scroll cursor for select * from ${table} limit ${EXPORT_ROWS}`).execute(conn);
      const source = Readable.from(
        (async function* () {
          for (;;) {
            const { rows: batch } = await sql.raw<Record<string, unknown>>(`fetch 5000 from bench_export`).execute(conn);
            if (batch.length === 0) return;
            rows += batch.length;
            yield* batch;
          }
        })(),
      );
      await pipeline(source, stringify({ header: true, cast: { date: (d) => d.toISOString(), object: (o) => JSON.stringify(o) } }), out.stream);
      await sql`commit`.execute(conn);
    });
    return rows;
  });
  report(`pilotage CSV export streamed, ${fmt(m.result)} rows of ${table} (server-side cursor, batches of 5 000, csv-stringify): ${(out.bytes() / 1e6).toFixed(0)} MB in ${(m.ms / 1000).toFixed(1)} s | RSS high-water ${m.rssPeakMb.toFixed(0)} MB (+${m.rssGrowthMb.toFixed(0)} MB), heap peak ${m.heapPeakMb.toFixed(0)} MB | psql \\copy of the same rows to /dev/null ${(copyMs / 1000).toFixed(1)} s | ratio ${(m.ms / copyMs).toFixed(1)}×`);
  void engine;
}
