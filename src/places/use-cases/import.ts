import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { validateStandardRow, type FieldError, type ValidationOptions } from '../domain/validation.js';
import { detectDuplicates } from './duplicates.js';
import { detectFormat, readStandardFile, type FileFormat } from './file-format.js';
import { placeColumns, type PlaceColumns } from './record.js';
import { loadAllCommunes, resolveCommune } from './communes.js';

export interface RowError extends FieldError {
  line: number;
}

export interface ImportOptions extends ValidationOptions {
  /** Write the valid rows of a file that has errors (otherwise nothing is written). */
  validOnly?: boolean;
  fileName?: string;
  onProgress?: (done: number, total: number) => void;
}

export interface ImportReport {
  format: FileFormat;
  rows: number;
  validRows: number;
  errors: RowError[];
  written: boolean;
  created: number;
  updated: number;
  unchanged: number;
  duplicateCandidates: number;
}

const BATCH = 500;

interface ReadyRow {
  line: number;
  columns: PlaceColumns;
}

/** Reads, validates and locates every row; nothing touches the places yet. */
async function prepareRows(db: Kysely<DB>, content: string, options: ImportOptions) {
  const format = detectFormat(content, options.fileName);
  const rows = readStandardFile(content, format);
  const communes = await loadAllCommunes(db);
  const errors: RowError[] = [];
  const ready: ReadyRow[] = [];
  const firstLineOfId = new Map<string, number>();
  for (const { line, raw } of rows) {
    const verdict = validateStandardRow(raw, options);
    if (!verdict.ok) {
      errors.push(...verdict.errors.map((error) => ({ line, ...error })));
      continue;
    }
    const earlier = firstLineOfId.get(verdict.place.id);
    if (earlier !== undefined) {
      errors.push({ line, field: 'id', reason: `identifiant « ${verdict.place.id} » déjà utilisé ligne ${earlier}` });
      continue;
    }
    firstLineOfId.set(verdict.place.id, line);
    const commune = resolveCommune(verdict.place, communes);
    if ('field' in commune) errors.push({ line, ...commune });
    else ready.push({ line, columns: placeColumns(verdict.place, commune) });
  }
  return { format, rowCount: rows.length, errors, ready };
}

interface ExistingPlace {
  id: number;
  content_hash: string | null;
}

/**
 * Imports a file in the national standard. All or nothing: a file with errors writes nothing unless validOnly.
 * Idempotent: rows match existing places by the standard's identifier, then by SIRET + address; an unchanged row
 * is not written again. Likely duplicates from other sources are listed for review, never merged.
 */
export async function importPlaces(db: Kysely<DB>, actorUserId: number | null, content: string, options: ImportOptions = {}): Promise<ImportReport> {
  const { format, rowCount, errors, ready } = await prepareRows(db, content, options);
  const report: ImportReport = { format, rows: rowCount, validRows: ready.length, errors, written: false, created: 0, updated: 0, unchanged: 0, duplicateCandidates: 0 };
  if ((errors.length && !options.validOnly) || ready.length === 0) return report;

  return db.transaction().execute(async (trx) => {
    // Two imports at once would both insert the same new identifiers: one waits for the other.
    await sql`select pg_advisory_xact_lock(hashtext('places-import'))`.execute(trx);
    const existing = await trx.selectFrom('places').select(['id', 'standard_id', 'pivot', 'address_key', 'content_hash']).execute();
    const byStandardId = new Map<string, ExistingPlace>(existing.map((p) => [p.standard_id, p]));
    const bySiretAddress = new Map<string, ExistingPlace>(existing.filter((p) => p.pivot).map((p) => [`${p.pivot}|${p.address_key}`, p]));
    const organisations = new Map((await trx.selectFrom('organisations').select(['id', 'siret']).where('siret', 'is not', null).execute()).map((o) => [o.siret!, o.id]));

    const inserts: PlaceColumns[] = [];
    const touched: number[] = [];
    for (const { columns } of ready) {
      const match = byStandardId.get(columns.standard_id!) ?? (columns.pivot ? bySiretAddress.get(`${columns.pivot}|${columns.address_key}`) : undefined);
      if (!match) inserts.push(columns);
      else if (match.content_hash === columns.content_hash) report.unchanged += 1;
      else {
        // A place found by SIRET + address keeps the identifier it already has, so both sources stay stable.
        const { standard_id: _keep, ...changes } = columns;
        await trx.updateTable('places').set({ ...changes, updated_at: new Date() }).where('id', '=', match.id).execute();
        match.content_hash = columns.content_hash ?? null;
        touched.push(match.id);
        report.updated += 1;
      }
      options.onProgress?.(report.unchanged + report.updated, ready.length);
    }
    for (let start = 0; start < inserts.length; start += BATCH) {
      const batch = inserts.slice(start, start + BATCH).map((columns) => ({ ...columns, organisation_id: (columns.pivot && organisations.get(columns.pivot)) || null }));
      const created = await trx.insertInto('places').values(batch).returning('id').execute();
      touched.push(...created.map((row) => row.id));
      report.created += created.length;
      options.onProgress?.(report.unchanged + report.updated + report.created, ready.length);
    }
    report.duplicateCandidates = await detectDuplicates(trx, touched);
    report.written = true;
    await recordAudit(trx, {
      actorUserId,
      action: 'places.imported',
      details: { fileName: options.fileName ?? null, format, rows: rowCount, rejectedRows: new Set(errors.map((e) => e.line)).size, created: report.created, updated: report.updated, unchanged: report.unchanged },
    });
    return report;
  });
}
