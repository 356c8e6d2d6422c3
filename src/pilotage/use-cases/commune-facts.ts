import fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { fromRoot } from '../../shared/paths.js';
import { weightedMean } from '../domain/coverage.js';

/** The copied IFN file (src/pilotage/data/README.md) and the territories' INSEE file (working-age population). */
const IFN_FILE = fromRoot('src', 'pilotage', 'data', 'ifn-communes.csv');
const COMMUNES_FILE = fromRoot('src', 'territories', 'data', 'communes.csv');

const SCORES = ['no_thd_coverage_rate', 'no_4g_coverage_rate', 'poverty_rate', 'older_65_rate', 'nscol15p_rate', 'total'] as const;
type Scores = Record<(typeof SCORES)[number], number | null>;

const number = (value: string | undefined): number | null => {
  if (value === undefined || value.trim() === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
};

/**
 * The lines of a CSV file whose key is wanted, parsed: the files hold every commune of France, a test platform a
 * few départements, so the lines are picked before the (slower) CSV parsing.
 */
function readLines(file: string, key: (line: string) => string | undefined, wanted: Set<string>): Record<string, string>[] {
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  const kept = [lines[0]!, ...lines.slice(1).filter((line) => {
    const code = key(line);
    return code !== undefined && wanted.has(code);
  })];
  return parse(kept.join('\n'), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

const IFN_CODE = /^(?:"[^"]*"|[^,]*),[^,]*,([0-9AB]{5}),/;

/**
 * Writes the IFN and the working-age population of every commune and arrondissement of the referential that has no
 * row yet, at every start (platform.ts): nothing is read when every commune has its row; a referential widened
 * later (tests adding a département) is completed. Paris, Lyon and Marseille, which the IFN file gives through
 * their arrondissements (Marseille's own row is empty), take their arrondissements' scores weighted by population
 * (`ifn_derived`) and the sum of their working-age population. Idempotent and safe for concurrent starts.
 */
export async function loadCommuneFactsIfMissing(db: Kysely<DB>): Promise<number> {
  const { rows: missing } = await sql<{ insee_code: string; kind: string }>`
    select c.insee_code, c.kind from communes c
    where not exists (select 1 from commune_facts f where f.insee_code = c.insee_code)`.execute(db);
  if (missing.length === 0) return 0;
  const codes = new Set(missing.map((row) => row.insee_code));
  const { rows: arrondissements } = await sql<{ insee_code: string; parent_code: string; population: number | null }>`
    select insee_code, parent_code, population from communes where kind = 'arrondissement'`.execute(db);
  const childrenOf = new Map<string, typeof arrondissements>();
  for (const child of arrondissements) {
    if (!codes.has(child.parent_code)) continue;
    childrenOf.set(child.parent_code, [...(childrenOf.get(child.parent_code) ?? []), child]);
    codes.add(child.insee_code);
  }
  const ifn = new Map<string, Scores>();
  for (const row of readLines(IFN_FILE, (line) => IFN_CODE.exec(line)?.[1], codes)) {
    ifn.set(row.code!, Object.fromEntries(SCORES.map((s) => [s, number(row[s])])) as Scores);
  }
  const workingAge = new Map<string, number | null>();
  for (const row of readLines(COMMUNES_FILE, (line) => line.slice(0, 5), codes)) {
    if (row.commune_type === 'COM' || row.commune_type === 'ARM') workingAge.set(row.insee_com!, number(row.pop_15_64_totale_2021));
  }
  const facts = missing.map(({ insee_code: code }) => {
    let scores = ifn.get(code);
    let derived = false;
    const children = childrenOf.get(code) ?? [];
    if ((!scores || scores.total === null) && children.length > 0) {
      const mean = (s: (typeof SCORES)[number]) => weightedMean(children.map((c) => ({ value: ifn.get(c.insee_code)?.[s] ?? null, weight: c.population ?? 0 })));
      scores = Object.fromEntries(SCORES.map((s) => [s, mean(s)])) as Scores;
      derived = scores.total !== null;
    }
    const childWorkingAge = children.map((c) => workingAge.get(c.insee_code) ?? null);
    const working = workingAge.get(code) ?? (children.length > 0 && childWorkingAge.every((n) => n !== null) ? childWorkingAge.reduce<number>((a, b) => a + (b ?? 0), 0) : null);
    return {
      insee_code: code,
      ifn_no_thd: scores?.no_thd_coverage_rate ?? null,
      ifn_no_4g: scores?.no_4g_coverage_rate ?? null,
      ifn_poverty: scores?.poverty_rate ?? null,
      ifn_older_65: scores?.older_65_rate ?? null,
      ifn_low_diploma: scores?.nscol15p_rate ?? null,
      ifn_total: scores?.total ?? null,
      ifn_derived: derived,
      working_age_population: working === null ? null : Math.round(working),
    };
  });
  for (let start = 0; start < facts.length; start += 2000) {
    await db.insertInto('commune_facts').values(facts.slice(start, start + 2000)).onConflict((oc) => oc.column('insee_code').doNothing()).execute();
  }
  return facts.length;
}
