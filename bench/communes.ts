// Commune resolver benchmark: every keystroke of the autocomplete (names typed letter by letter, postal codes digit by
// digit), answered by the resolver's in-memory index, next to its yardstick measured in the same run: the prefix SQL
// query every commune input used before (searchCommunes), on the same keystrokes, on PostgreSQL and PGlite; then the
// API the combobox calls, through HTTP.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { readConfig } from '../src/config.js';
import { openDatabase, type Database } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { buildApp } from '../src/app.js';
import { findTerritories } from '../src/territories/domain/commune-resolver.js';
import { loadTerritoriesIfEmpty } from '../src/territories/use-cases/load.js';
import { searchCommunes } from '../src/territories/use-cases/queries.js';
import { forgetTerritoryIndex, territoryIndex } from '../src/territories/use-cases/resolve.js';

const TYPED = Number(process.env.BENCH_COMMUNES ?? 150);

/** A deterministic generator, so that every run types the same keystrokes. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function timed(keystrokes: string[], run: (query: string) => unknown) {
  const durations: number[] = [];
  for (const query of keystrokes) {
    const started = performance.now();
    await run(query);
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p99: percentile(durations, 99), total: durations.reduce((a, b) => a + b, 0) };
}

/**
 * What people type: communes drawn by population (half of them with accents dropped and « St » for « Saint »), each
 * from its second letter to its whole name; and postal codes, from their second digit to their fifth.
 */
async function keystrokesOf(database: Database) {
  const communes = await database.db.selectFrom('communes').select(['name', 'postal_codes', 'population']).where('kind', '=', 'commune').orderBy('insee_code').execute();
  const next = random(1789);
  const cumulative: number[] = [];
  let total = 0;
  for (const commune of communes) cumulative.push((total += Math.max(commune.population ?? 0, 50)));
  const draw = () => {
    const target = next() * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (cumulative[mid]! < target) low = mid + 1;
      else high = mid;
    }
    return communes[low]!;
  };
  const keystrokes: string[] = [];
  for (let i = 0; i < TYPED; i++) {
    const commune = draw();
    const name = i % 2 ? commune.name : commune.name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/^Saint-/, 'St ');
    for (let length = 2; length <= name.length; length++) keystrokes.push(name.slice(0, length));
    const postal = commune.postal_codes[0];
    if (postal && i % 3 === 0) for (let length = 2; length <= 5; length++) keystrokes.push(postal.slice(0, length));
  }
  return keystrokes;
}

async function benchOn(kind: 'postgresql' | 'pglite', report: (line: string) => void) {
  const url = process.env.DATABASE_URL!;
  const schema = `bench_communes_${randomBytes(4).toString('hex')}`;
  const admin = kind === 'postgresql' ? new pg.Client({ connectionString: url }) : null;
  await admin?.connect();
  await admin?.query(`create schema ${schema}`);
  const database = kind === 'postgresql' ? await openDatabase({ databaseUrl: url, searchPath: schema, poolSize: 4 }) : await openDatabase({ dataDir: 'memory://' });
  try {
    await migrateToLatest(database.db);
    await loadTerritoriesIfEmpty(database.db);
    const keystrokes = await keystrokesOf(database);
    forgetTerritoryIndex(database.db);
    const buildStarted = performance.now();
    const index = await territoryIndex(database.db);
    const buildMs = performance.now() - buildStarted;
    for (const query of keystrokes.slice(0, 200)) findTerritories(index, query);
    const resolver = await timed(keystrokes, (query) => findTerritories(index, query));
    await searchCommunes(database.db, 'Nantes');
    const yardstick = await timed(keystrokes, (query) => searchCommunes(database.db, query));
    report(
      `commune resolver ${kind === 'postgresql' ? 'PostgreSQL' : 'PGlite'}, ${index.size} communes, arrondissements and départements, ${keystrokes.length} keystrokes: `
      + `index built in ${buildMs.toFixed(0)} ms; per keystroke p50 ${resolver.p50.toFixed(3)} ms, p99 ${resolver.p99.toFixed(3)} ms `
      + `| previous prefix query (searchCommunes, SQL) on the same keystrokes p50 ${yardstick.p50.toFixed(3)} ms, p99 ${yardstick.p99.toFixed(3)} ms `
      + `| ratio of the totals ${(yardstick.total / resolver.total).toFixed(0)}× | target p99 < 5 ms`,
    );
    if (kind === 'postgresql') {
      const app = await buildApp({ db: database.db, pool: database.pool, kind: database.kind, secret: 'bench', config: { ...readConfig(), secureCookies: false } });
      await app.listen({ port: 0, host: '127.0.0.1' });
      const address = app.server.address();
      const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/communes?limit=8&q=`;
      const sample = keystrokes.filter((_, i) => i % 4 === 0);
      const http = await timed(sample, async (query) => {
        const response = await fetch(base + encodeURIComponent(query));
        if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
        await response.arrayBuffer();
      });
      report(`commune autocomplete through HTTP (GET /api/v1/communes, 8 candidates, JSON), ${sample.length} sequential requests: p50 ${http.p50.toFixed(2)} ms, p99 ${http.p99.toFixed(2)} ms | target p99 < 20 ms`);
      await app.close();
    }
  } finally {
    await database.close();
    await admin?.query(`drop schema ${schema} cascade`);
    await admin?.end();
  }
}

export async function benchCommunes(report: (line: string) => void) {
  await benchOn('postgresql', report);
  await benchOn('pglite', report);
}
