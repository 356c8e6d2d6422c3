import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

import { fromRoot } from '../../shared/paths.js';

const sourceDir = fromRoot('src', 'territories', 'data');

type CsvRow = Record<string, string>;

function readCsv(name: string): CsvRow[] {
  return parse(fs.readFileSync(path.join(sourceDir, name)), { columns: true, skip_empty_lines: true }) as CsvRow[];
}

function toNumber(value: string | undefined): number | null {
  if (value === undefined || value === '') return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Communes appear once per postal code: keep the COM rows and gather their postal codes. */
export function groupCommunes(rows: CsvRow[]): DB['communes'][] {
  const byCode = new Map<string, DB['communes']>();
  for (const row of rows) {
    if (row.commune_type !== 'COM' || !row.insee_com || !row.insee_dep) continue;
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
    });
  }
  return [...byCode.values()];
}

async function insertInChunks<T extends keyof DB & string>(db: Kysely<DB>, table: T, rows: DB[T][]): Promise<void> {
  const chunkSize = 2000;
  for (let start = 0; start < rows.length; start += chunkSize) {
    await db.insertInto(table).values(rows.slice(start, start + chunkSize) as never).execute();
  }
}

/** Loads the INSEE referential once; later starts find it and skip. Tests may keep a few départements' communes. */
export async function loadTerritoriesIfEmpty(db: Kysely<DB>, onlyDepartements?: string[]): Promise<boolean> {
  const existing = await db.selectFrom('communes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) return false;
  const regions = readCsv('regions.csv').map((row) => ({ code: row.insee_reg!, name: row.region! }));
  const regionCodes = new Set(regions.map((region) => region.code));
  const departements = readCsv('departements.csv')
    .filter((row) => regionCodes.has(row.insee_reg!))
    .map((row) => ({ code: row.insee_dep!, region_code: row.insee_reg!, name: row.departement! }));
  const departementCodes = new Set(departements.map((departement) => departement.code));
  const communes = groupCommunes(readCsv('communes.csv')).filter(
    (commune) => departementCodes.has(commune.departement_code) && (!onlyDepartements || onlyDepartements.includes(commune.departement_code)),
  );
  await db.transaction().execute(async (trx) => {
    await insertInChunks(trx, 'regions', regions);
    await insertInChunks(trx, 'departements', departements);
    await insertInChunks(trx, 'communes', communes);
  });
  return true;
}
