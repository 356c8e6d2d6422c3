// Places benchmark: import of a national-size file, then proximity search with two filters, at the database and
// through HTTP, each next to its yardstick measured in the same run (the same query by full scan).
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { sql } from 'kysely';
import { stringify } from 'csv-stringify/sync';
import { readConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { migrateToLatest } from '../src/db/migrate.js';
import { loadTerritoriesIfEmpty } from '../src/territories/use-cases/load.js';
import { SYSTEM_PRINCIPAL } from '../src/accounts/domain/principal.js';
import { importPlaces } from '../src/places/use-cases/import.js';
import { nearestCandidates, searchByFullScan, type SearchFilters } from '../src/places/use-cases/search.js';
import { COSTS, SERVICES, STANDARD_FIELDS, SUPPORT_MODES } from '../src/places/domain/standard.js';
import { buildApp } from '../src/app.js';

const PLACE_COUNT = Number(process.env.BENCH_PLACES ?? 20_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 1000);
const FILTERS: SearchFilters = { services: ['Aide aux démarches administratives'], cost: 'free' };
const RADIUS_KM = 30;

/** A deterministic generator, so that every run searches the same places. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 4294967296;
    return state / 4294967296;
  };
}

interface Commune {
  insee_code: string;
  name: string;
  postal_codes: string[];
  lat: number | null;
  lng: number | null;
  population: number | null;
}

/** Draws communes in proportion to their population: places are where people live. */
function populationSampler(communes: Commune[], next: () => number) {
  const cumulative: number[] = [];
  let total = 0;
  for (const commune of communes) cumulative.push((total += Math.max(commune.population ?? 0, 50)));
  return () => {
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
}

const DAYS = ['Mo-Fr', 'Tu-Sa', 'Mo-Sa', 'Mo,We,Fr', 'Tu-Th', 'Mo-Th', 'We,Sa'];
const time = (hour: number, quarter: number) => `${String(hour).padStart(2, '0')}:${String(quarter * 15).padStart(2, '0')}`;

/** Varied hours (a few thousand distinct values, a quarter of places without hours), as in the national data. */
function openingHours(next: () => number): string {
  if (next() < 0.25) return '';
  const q = () => Math.floor(next() * 4);
  const days = DAYS[Math.floor(next() * DAYS.length)];
  const morning = `${time(8 + Math.floor(next() * 2), q())}-${time(11 + Math.floor(next() * 2), q())}`;
  const afternoon = `${time(13 + Math.floor(next() * 2), q())}-${time(16 + Math.floor(next() * 3), q())}`;
  const saturday = next() < 0.3 ? `; Sa ${time(9, q())}-12:00` : '';
  return `${days} ${morning},${afternoon}${saturday}${next() < 0.3 ? '; PH off' : ''}`;
}

export function generateFile(communes: Commune[], count: number) {
  const next = random(2018);
  const draw = populationSampler(communes, next);
  const pick = <T>(values: readonly T[], min: number) => values.filter(() => next() < 0.45).concat(values.slice(0, min)).filter((v, i, a) => a.indexOf(v) === i);
  const rows = [];
  for (let i = 1; i <= count; i += 1) {
    const commune = draw();
    rows.push({
      id: `bench-${i}`,
      pivot: '00000000000000',
      nom: `Lieu de médiation ${i}`,
      commune: commune.name,
      code_postal: commune.postal_codes[0],
      code_insee: commune.insee_code,
      adresse: `${1 + (i % 120)} rue de la République`,
      latitude: Number(((commune.lat ?? 46.5) + (next() - 0.5) * 0.04).toFixed(5)),
      longitude: Number(((commune.lng ?? 2.5) + (next() - 0.5) * 0.06).toFixed(5)),
      horaires: openingHours(next),
      date_maj: '2026-10-01',
      services: pick(SERVICES, 0).join('|') || SERVICES[1],
      frais_a_charge: pick(COSTS, 0).join('|') || 'Gratuit',
      modalites_accompagnement: pick(SUPPORT_MODES, 1).join('|'),
      source: 'Benchmark',
    });
  }
  return { csv: stringify(rows, { header: true, columns: [...STANDARD_FIELDS] }), distinctHours: new Set(rows.map((row) => row.horaires)).size };
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function timed(count: number, run: (i: number) => Promise<unknown>) {
  const durations: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const started = performance.now();
    await run(i);
    durations.push(performance.now() - started);
  }
  durations.sort((a, b) => a - b);
  return { p50: percentile(durations, 50), p95: percentile(durations, 95) };
}

export async function benchPlaces(report: (line: string) => void) {
  const url = process.env.DATABASE_URL!;
  const schema = `bench_places_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  const database = await openDatabase({ databaseUrl: url, searchPath: schema, poolSize: 4 });
  try {
    await migrateToLatest(database.db);
    await loadTerritoriesIfEmpty(database.db);
    const communes = await database.db.selectFrom('communes').select(['insee_code', 'name', 'postal_codes', 'lat', 'lng', 'population']).where('lat', 'is not', null).where('kind', '=', 'commune').orderBy('insee_code').execute();
    const { csv: file, distinctHours } = generateFile(communes, PLACE_COUNT);
    // Kept under .bench/ so that the CLI import (with its progress bar) can be tried on a national-size file.
    fs.mkdirSync('.bench', { recursive: true });
    const filePath = path.join('.bench', `places-${PLACE_COUNT}.csv`);
    fs.writeFileSync(filePath, file);

    const started = performance.now();
    const imported = await importPlaces(database.db, SYSTEM_PRINCIPAL, fs.readFileSync(filePath, 'utf8'), { fileName: filePath });
    const importSeconds = (performance.now() - started) / 1000;
    const againStarted = performance.now();
    const again = await importPlaces(database.db, SYSTEM_PRINCIPAL, file, { fileName: filePath });
    const againSeconds = (performance.now() - againStarted) / 1000;
    report(`places import PostgreSQL, ${PLACE_COUNT} places (${(file.length / 1e6).toFixed(1)} MB CSV, ${distinctHours} distinct opening hours): ${importSeconds.toFixed(2)} s, created ${imported.created}, errors ${imported.errors.length} | same file again ${againSeconds.toFixed(2)} s, unchanged ${again.unchanged} | target < 20 s`);
    await sql`analyze`.execute(database.db);

    // Origins: centres of communes drawn by population, as people search from where they live.
    const draw = populationSampler(communes, random(1789));
    const origins = Array.from({ length: QUERIES }, () => draw());
    // The API's query for 20 results reads 60 candidates from the index (see searchAround).
    const nearest = (origin: Commune) => nearestCandidates(database.db, { lat: origin.lat!, lon: origin.lng! }, FILTERS, RADIUS_KM, 60);
    await nearest(origins[0]!);
    let mismatches = 0;
    const indexed = await timed(QUERIES, (i) => nearest(origins[i]!));
    const scan = await timed(QUERIES, (i) => searchByFullScan(database.db, { lat: origins[i]!.lat!, lon: origins[i]!.lng! }, FILTERS, RADIUS_KM, 20));
    for (const origin of origins.slice(0, 100)) {
      const a = (await nearest(origin)).slice(0, 20).map((r) => r.id);
      const b = (await searchByFullScan(database.db, { lat: origin.lat!, lon: origin.lng! }, FILTERS, RADIUS_KM, 20)).map((r) => r.id);
      if (a.join() !== b.join()) mismatches += 1;
    }
    report(`places search at the database, ${PLACE_COUNT} places, 2 filters (service + free), ${QUERIES} queries: p50 ${indexed.p50.toFixed(2)} ms, p95 ${indexed.p95.toFixed(2)} ms | full scan of the same query p50 ${scan.p50.toFixed(2)} ms, p95 ${scan.p95.toFixed(2)} ms | target p95 < 10 ms | answers differing from the full scan: ${mismatches}/100`);

    const app = await buildApp({ db: database.db, pool: database.pool, kind: database.kind, secret: 'bench', config: { ...readConfig(), secureCookies: false } });
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/v1/places`;
    const query = (origin: Commune) => `${base}?near=${origin.postal_codes[0]}&service=${encodeURIComponent(FILTERS.services![0]!)}&cost=free&radiusKm=${RADIUS_KM}`;
    const http = await timed(QUERIES, async (i) => {
      const response = await fetch(query(origins[i]!));
      if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${await response.text()}`);
      await response.arrayBuffer();
    });
    const httpScan = await timed(QUERIES, async (i) => {
      await searchByFullScan(database.db, { lat: origins[i]!.lat!, lon: origins[i]!.lng! }, FILTERS, RADIUS_KM, 20);
    });
    report(`places search through HTTP (postal code resolved, JSON), ${QUERIES} sequential requests: p50 ${http.p50.toFixed(2)} ms, p95 ${http.p95.toFixed(2)} ms | full scan at the database p95 ${httpScan.p95.toFixed(2)} ms | target p95 < 30 ms`);
    await app.close();
  } finally {
    await database.close();
    await admin.query(`drop schema ${schema} cascade`);
    await admin.end();
  }
}
