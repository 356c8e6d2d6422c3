// Temporary helper (H1 perf): readIndicators mix of bench/pilotage.ts on a kept schema. LOG=1 logs the SQL.
import { sql, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { readIndicators, readIndicatorsFromBase } from '../src/pilotage/use-cases/indicators.js';
import { SYSTEM_PRINCIPAL } from '../src/accounts/domain/principal.js';
import { parsePilotageFilter } from '../src/pilotage/domain/filters.js';
import { parisDay } from '../src/shared/dates.js';
const url = 'postgres://postgres@127.0.0.1:55432/inclusif_bench';
const logged: string[] = [];
const pool = new pg.Pool({ connectionString: url, options: '-c search_path=h8_m', max: 8 });
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (e) => { if (e.level === 'query') logged.push(`${e.queryDurationMillis.toFixed(0)} ms | ${e.query.sql.replace(/\s+/g, ' ')} | ${JSON.stringify(e.query.parameters)}`); } });
const one = async (t: string) => (await sql.raw<any>(t).execute(db)).rows[0];
const today = parisDay();
const dep = '44';
const n = (await one(`select n from bench_dep where code = '${dep}'`)).n;
const place = await one(`select p.id from places p join vouchers v on v.redeemed_place_id = p.id where p.commune_code like '44%' group by p.id order by count(*) desc limit 1`);
const hub = await one(`select organisation_id as id from organisation_departements where departement_code = '${dep}' order by 1 limit 1`);
const t = { dep, region: '52', commune: '44109', hub: hub.id, funder: 1000 + n, prescriber: 10000 + n * 100 + 3, place: place.id, programme: n, bigDep: '59' };
const month = (offset: number, day: number) => { const d = new Date(`${today}T00:00:00Z`); d.setUTCDate(1); d.setUTCMonth(d.getUTCMonth() + offset); d.setUTCDate(day); return d.toISOString().slice(0, 10); };
const mix: { label: string; query: Record<string, string> }[] = [
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
const only = process.env.ONLY ? Number(process.env.ONLY) : null;
const runs = Number(process.env.RUNS ?? 5);
const selected = only === null ? mix : [mix[only]!];
const results = new Map<string, unknown>();
for (const { label, query } of selected) results.set(label, JSON.stringify(await readIndicators(db, SYSTEM_PRINCIPAL, query))); // warm-up
if (process.env.LOG) { for (const l of logged) console.log(l); }
if (process.env.DUMP) { const fs = await import('node:fs'); fs.writeFileSync(process.env.DUMP, JSON.stringify([...results].map(([k, v]) => [k, JSON.parse(v as string).values, JSON.parse(v as string).breakdown]), null, 1)); }
const per = new Map<string, number[]>();
for (let r = 0; r < runs; r += 1) for (const { label, query } of selected) {
  const s = performance.now(); await readIndicators(db, SYSTEM_PRINCIPAL, query); per.set(label, [...(per.get(label) ?? []), performance.now() - s]);
}
const q = (xs: number[], p: number) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!; };
const all: number[] = [];
for (const [label, xs] of per) { all.push(...xs); console.log(`${label}: p50 ${q(xs, 0.5).toFixed(0)} ms, p95 ${q(xs, 0.95).toFixed(0)} ms`); }
console.log(`mix: p50 ${q(all, 0.5).toFixed(0)}, p95 ${q(all, 0.95).toFixed(0)}, max ${Math.max(...all).toFixed(0)}`);
if (process.env.NAIVE) { const s = performance.now(); await readIndicatorsFromBase(db, parsePilotageFilter({}, today)); console.log(`naive France 12 months: ${(performance.now() - s).toFixed(0)} ms`); }
const fs = await import('node:fs'); const os = await import('node:os'); console.log(`load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`); void fs;
await db.destroy();
