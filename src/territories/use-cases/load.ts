import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { sql, type Insertable, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

import { fromRoot } from '../../shared/paths.js';
import { communeFromArrondissements, type ArrondissementRow, type CommuneFacts } from '../domain/arrondissements.js';
import { forgetTerritoryIndex } from './resolve.js';

const sourceDir = fromRoot('src', 'territories', 'data');

type CsvRow = Record<string, string>;
export type CommuneRow = CommuneFacts & {
  kind: 'commune' | 'arrondissement';
  parent_code: string | null;
};

/** Which départements' communes this database holds: « * » for all, else their codes (tests keep a few). */
const SCOPE_KEY = 'territories.departements';
/** What the loader last brought in; a higher version completes a database loaded before. */
const VERSION_KEY = 'territories.version';
/** 2: Paris, Lyon and Marseille as communes, their arrondissements, the départements' centres (migration 007). */
export const TERRITORIES_VERSION = '2';

function readCsv(name: string): CsvRow[] {
  return parse(fs.readFileSync(path.join(sourceDir, name)), { columns: true, skip_empty_lines: true }) as CsvRow[];
}

function toNumber(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

const KINDS: Record<string, CommuneRow['kind']> = { COM: 'commune', ARM: 'arrondissement' };

/**
 * Communes appear once per postal code: keep the communes (COM) and the arrondissements (ARM) and gather their postal
 * codes; Paris, Lyon and Marseille, which the file has only through their arrondissements, are rebuilt from them
 * and come first (an arrondissement's row refers to its commune's).
 */
export function groupCommunes(rows: CsvRow[]): CommuneRow[] {
  const byCode = new Map<string, CommuneRow>();
  for (const row of rows) {
    const kind = KINDS[row.commune_type ?? ''];
    if (!kind || !row.insee_com || !row.insee_dep) continue;
    const existing = byCode.get(row.insee_com);
    if (existing) {
      if (row.code_postal && !existing.postal_codes.includes(row.code_postal)) existing.postal_codes.push(row.code_postal);
      continue;
    }
    byCode.set(row.insee_com, {
      insee_code: row.insee_com,
      departement_code: row.insee_dep,
      name: row.commune_article || row.commune || row.insee_com,
      postal_codes: row.code_postal ? [row.code_postal] : [],
      lat: toNumber(row.lat),
      lng: toNumber(row.lng),
      population: toNumber(row.population_2021),
      kind,
      parent_code: kind === 'arrondissement' ? row.insee_parente || null : null,
    });
  }
  const arrondissements = new Map<string, ArrondissementRow[]>();
  for (const commune of byCode.values()) {
    if (commune.kind !== 'arrondissement' || !commune.parent_code) continue;
    arrondissements.set(commune.parent_code, [...(arrondissements.get(commune.parent_code) ?? []), commune as ArrondissementRow]);
  }
  const rebuilt: CommuneRow[] = [];
  for (const [parentCode, children] of arrondissements) {
    if (byCode.has(parentCode)) continue;
    rebuilt.push({ ...communeFromArrondissements(parentCode, children), kind: 'commune', parent_code: null });
  }
  return [...rebuilt, ...byCode.values()];
}

async function insertInChunks<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: Insertable<DB[T]>[]): Promise<void> {
  const chunkSize = 2000;
  for (let start = 0; start < rows.length; start += chunkSize) {
    await db.insertInto(table).values(rows.slice(start, start + chunkSize) as never).execute();
  }
}

/** Migration 007 applied: communes know their kind, départements their centre. */
async function hasCurrentSchema(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ current: boolean }>`select exists (select 1 from information_schema.columns
    where table_schema = current_schema() and table_name = 'communes' and column_name = 'kind') as current`.execute(db);
  return Boolean(rows[0]?.current);
}

async function writeSetting(db: Kysely<DB>, key: string, value: string): Promise<void> {
  await db.insertInto('app_settings').values({ key, value }).onConflict((oc) => oc.column('key').doUpdateSet({ value })).execute();
}

/** The copied files as rows: régions, départements with their centre, communes and arrondissements grouped. */
export function readReferential() {
  const regions = readCsv('regions.csv').map((row) => ({ code: row.insee_reg!, name: row.region! }));
  const regionCodes = new Set(regions.map((region) => region.code));
  const departements = readCsv('departements.csv')
    .filter((row) => regionCodes.has(row.insee_reg!))
    .map((row) => ({ code: row.insee_dep!, region_code: row.insee_reg!, name: row.departement!, lat: toNumber(row.lat), lng: toNumber(row.lng) }));
  const departementCodes = new Set(departements.map((departement) => departement.code));
  const communes = groupCommunes(readCsv('communes.csv')).filter((commune) => departementCodes.has(commune.departement_code));
  return { regions, departements, communes };
}

const inScope = (scope: string, departementCode: string) => scope === '*' || scope.split(',').includes(departementCode);

/**
 * Loads the INSEE referential once; later starts find it and only complete it (completeTerritories). Tests may keep
 * a few départements' communes. A schema older than migration 007 (a migration's own test) gets the communes as
 * before it, completed once the migration has run.
 */
export async function loadTerritoriesIfEmpty(db: Kysely<DB>, onlyDepartements?: string[]): Promise<boolean> {
  const existing = await db.selectFrom('communes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) {
    await completeTerritories(db);
    return false;
  }
  const current = await hasCurrentSchema(db);
  const scope = onlyDepartements ? onlyDepartements.join(',') : '*';
  const { regions, departements, communes } = readReferential();
  // Before migration 007: the communes as the loader then wrote them, without Paris, Lyon, Marseille and arrondissements.
  const rebuilt = new Set(communes.map((commune) => commune.parent_code).filter(Boolean));
  const kept = communes.filter((commune) => inScope(scope, commune.departement_code) && (current || (commune.kind === 'commune' && !rebuilt.has(commune.insee_code))));
  await db.transaction().execute(async (trx) => {
    await insertInChunks(trx, 'regions', regions);
    await insertInChunks(trx, 'departements', current ? departements : departements.map(({ lat: _lat, lng: _lng, ...rest }) => rest));
    await insertInChunks(trx, 'communes', current ? kept : kept.map(({ kind: _kind, parent_code: _parent, ...rest }) => rest));
    await writeSetting(trx, SCOPE_KEY, scope);
    if (current) await writeSetting(trx, VERSION_KEY, TERRITORIES_VERSION);
  });
  forgetTerritoryIndex(db);
  return true;
}

/**
 * Adds what the referential has and the database misses, idempotently: a database loaded before migration 007 gets
 * Paris, Lyon and Marseille, their arrondissements and the départements' centres at its next start; nothing is
 * read when the version is already there. `addDepartements` widens a partial load (tests needing Paris).
 */
export async function completeTerritories(db: Kysely<DB>, options: { addDepartements?: string[] } = {}): Promise<{ added: number; updated: number }> {
  const nothing = { added: 0, updated: 0 };
  if (!(await hasCurrentSchema(db))) return nothing;
  const settings = await db.selectFrom('app_settings').select(['key', 'value']).where('key', 'in', [SCOPE_KEY, VERSION_KEY]).execute();
  const setting = (key: string) => settings.find((s) => s.key === key)?.value;
  const extra = options.addDepartements ?? [];
  // A database without a recorded scope was loaded whole: only the tests load part of the referential.
  let scope = setting(SCOPE_KEY) ?? '*';
  if (setting(VERSION_KEY) === TERRITORIES_VERSION && extra.every((code) => inScope(scope, code))) return nothing;
  if (scope !== '*') scope = [...new Set([...scope.split(','), ...extra])].join(',');
  const { departements, communes } = readReferential();
  const present = new Map((await db.selectFrom('communes').select(['insee_code', 'kind', 'parent_code']).execute()).map((c) => [c.insee_code, c]));
  const missing = communes.filter((c) => !present.has(c.insee_code) && inScope(scope, c.departement_code));
  const mislabelled = communes.filter((c) => {
    const row = present.get(c.insee_code);
    return row !== undefined && (row.kind !== c.kind || row.parent_code !== c.parent_code);
  });
  await db.transaction().execute(async (trx) => {
    await sql`update departements d set lat = v.lat, lng = v.lng
      from unnest(${departements.map((d) => d.code)}::text[], ${departements.map((d) => d.lat)}::float8[], ${departements.map((d) => d.lng)}::float8[]) as v(code, lat, lng)
      where d.code = v.code and (d.lat is distinct from v.lat or d.lng is distinct from v.lng)`.execute(trx);
    await insertInChunks(trx, 'communes', missing);
    for (const commune of mislabelled) {
      await trx.updateTable('communes').set({ kind: commune.kind, parent_code: commune.parent_code }).where('insee_code', '=', commune.insee_code).execute();
    }
    await writeSetting(trx, SCOPE_KEY, scope);
    await writeSetting(trx, VERSION_KEY, TERRITORIES_VERSION);
  });
  forgetTerritoryIndex(db);
  return { added: missing.length, updated: mislabelled.length };
}
