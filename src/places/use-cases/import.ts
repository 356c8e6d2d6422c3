import { sql, type Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { forbidden } from '../../shared/errors.js';
import { normaliseText } from '../domain/normalise.js';
import { canImportPlace, reviewScope } from '../domain/policies.js';
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
  /** The field that names the row's commune, where a refusal about its place is reported. */
  communeField: 'code_insee' | 'commune';
}

/** Why a row is refused outside the importer's territory (never said to the administration, which has none). */
function outsideTerritory(principal: Principal, what: string): string {
  const territory = [...(reviewScope(principal) ?? [])].sort();
  return `${what} : hors du territoire de votre hub (départements ${territory.join(', ')})`;
}

/** Reads, validates and locates every row; nothing touches the places yet. */
async function prepareRows(db: Kysely<DB>, principal: Principal, content: string, options: ImportOptions) {
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
    const communeField = verdict.place.code_insee ? 'code_insee' : 'commune';
    if ('field' in commune) errors.push({ line, ...commune });
    else if (!canImportPlace(principal, commune.departement_code)) {
      errors.push({ line, field: communeField, reason: outsideTerritory(principal, `la commune ${commune.name} (${commune.insee_code}) est dans le département ${commune.departement_code}`) });
    } else ready.push({ line, columns: placeColumns(verdict.place, commune), communeField });
  }
  return { format, rowCount: rows.length, errors, ready };
}

interface ExistingPlace {
  id: number;
  name: string;
  source: string | null;
  departement_code: string;
  content_hash: string | null;
}

/** Two sources are the same when they are written the same but for case, accents and punctuation. */
const sameSource = (a: string | null | undefined, b: string | null | undefined) => normaliseText(a ?? '') === normaliseText(b ?? '');

/**
 * Imports a file in the national standard, as `principal` (SYSTEM_PRINCIPAL for the command line). All or nothing:
 * a file with errors writes nothing unless validOnly. A hub imports only inside its territory: a row whose commune
 * is elsewhere, or that would update a place that is elsewhere, is refused like an invalid row.
 * Idempotent: rows match existing places by the standard's identifier, then by SIRET + address from the same
 * source; an unchanged row is not written again. A row with the SIRET and address of a place from another source
 * never overwrites it: it becomes a place of its own, and the pair goes to duplicate review with the other likely
 * duplicates, never merged.
 */
export async function importPlaces(db: Kysely<DB>, principal: Principal, content: string, options: ImportOptions = {}): Promise<ImportReport> {
  const territory = reviewScope(principal);
  if (territory !== null && territory.length === 0) throw forbidden('L’import de lieux est réservé aux hubs et à l’administration nationale.');
  const { format, rowCount, errors, ready } = await prepareRows(db, principal, content, options);
  const report: ImportReport = { format, rows: rowCount, validRows: ready.length, errors, written: false, created: 0, updated: 0, unchanged: 0, duplicateCandidates: 0 };
  if (ready.length === 0) return report;

  return db.transaction().execute(async (trx) => {
    // Two imports at once would both insert the same new identifiers: one waits for the other.
    await sql`select pg_advisory_xact_lock(hashtext('places-import'))`.execute(trx);
    const existing = await trx
      .selectFrom('places as p')
      .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
      .select(['p.id', 'p.name', 'p.source', 'p.standard_id', 'p.pivot', 'p.address_key', 'p.content_hash', 'c.departement_code'])
      .execute();
    const byStandardId = new Map<string, ExistingPlace>(existing.map((p) => [p.standard_id, p]));
    const bySiretAddress = new Map<string, ExistingPlace>(existing.filter((p) => p.pivot).map((p) => [`${p.pivot}|${p.address_key}`, p]));

    // First every row's fate, so that a refused row stops the whole file before anything is written.
    const inserts: { columns: PlaceColumns; sameSiretAs?: ExistingPlace }[] = [];
    const updates: { id: number; columns: PlaceColumns }[] = [];
    const refusedLines = new Set<number>();
    for (const { line, columns, communeField } of ready) {
      const byId = byStandardId.get(columns.standard_id!);
      const bySiret = byId ? undefined : columns.pivot ? bySiretAddress.get(`${columns.pivot}|${columns.address_key}`) : undefined;
      if (bySiret && !sameSource(bySiret.source, columns.source)) {
        // Another source's record of what may be the same place: the existing record (possibly labelled) is left
        // as it is; the reviewer decides.
        inserts.push({ columns, sameSiretAs: bySiret });
        continue;
      }
      const match = byId ?? bySiret;
      if (!match) inserts.push({ columns });
      else if (!canImportPlace(principal, match.departement_code)) {
        refusedLines.add(line);
        errors.push({ line, field: communeField, reason: outsideTerritory(principal, `cette ligne modifierait le lieu « ${match.name} » (n° ${match.id}), qui est dans le département ${match.departement_code}`) });
      } else if (match.content_hash === columns.content_hash) report.unchanged += 1;
      else {
        updates.push({ id: match.id, columns });
        match.content_hash = columns.content_hash ?? null;
      }
    }
    errors.sort((a, b) => a.line - b.line);
    report.validRows = ready.length - refusedLines.size;
    if ((errors.length && !options.validOnly) || report.validRows === 0) {
      report.unchanged = 0;
      return report;
    }

    const organisations = new Map((await trx.selectFrom('organisations').select(['id', 'siret']).where('siret', 'is not', null).execute()).map((o) => [o.siret!, o.id]));
    const touched: number[] = [];
    options.onProgress?.(report.unchanged, report.validRows);
    for (const { id, columns } of updates) {
      // A place found by SIRET + address keeps the identifier it already has, so both files stay stable.
      const { standard_id: _keep, ...changes } = columns;
      await trx.updateTable('places').set({ ...changes, updated_at: new Date() }).where('id', '=', id).execute();
      touched.push(id);
      report.updated += 1;
      options.onProgress?.(report.unchanged + report.updated, report.validRows);
    }
    const pairs: { place_id: number; other_place_id: number; reason: 'same_siret' }[] = [];
    for (let start = 0; start < inserts.length; start += BATCH) {
      const slice = inserts.slice(start, start + BATCH);
      const batch = slice.map(({ columns }) => ({ ...columns, organisation_id: (columns.pivot && organisations.get(columns.pivot)) || null }));
      const created = await trx.insertInto('places').values(batch).returning(['id', 'standard_id']).execute();
      const idOf = new Map(created.map((row) => [row.standard_id, row.id]));
      for (const { columns, sameSiretAs } of slice) {
        const id = idOf.get(columns.standard_id!)!;
        touched.push(id);
        if (sameSiretAs) pairs.push({ place_id: Math.min(id, sameSiretAs.id), other_place_id: Math.max(id, sameSiretAs.id), reason: 'same_siret' });
      }
      report.created += created.length;
      options.onProgress?.(report.unchanged + report.updated + report.created, report.validRows);
    }
    if (pairs.length) {
      const recorded = await trx.insertInto('place_duplicates').values(pairs).onConflict((oc) => oc.columns(['place_id', 'other_place_id']).doNothing()).executeTakeFirst();
      report.duplicateCandidates += Number(recorded.numInsertedOrUpdatedRows ?? 0);
    }
    report.duplicateCandidates += await detectDuplicates(trx, touched);
    report.written = true;
    await recordAudit(trx, {
      actorUserId: principal.system ? null : principal.userId,
      action: 'places.imported',
      details: {
        ...(principal.system ? { by: 'system' } : {}),
        fileName: options.fileName ?? null, format, rows: rowCount, rejectedRows: new Set(errors.map((e) => e.line)).size,
        created: report.created, updated: report.updated, unchanged: report.unchanged, sameSiretOtherSource: pairs.length,
      },
    });
    return report;
  });
}
