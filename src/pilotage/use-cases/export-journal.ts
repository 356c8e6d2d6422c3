import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { filterQuery, type PilotageFilter } from '../domain/filters.js';

/** The journal's action of every export and download of the pilotage (CSV, XLSX, PDF, open data). */
export const EXPORT_ACTION = 'pilotage.exported';

export interface ExportEntry {
  /** csv, xlsx, pdf, json… */
  format: string;
  /** The filter the export was computed for (after the policies scoped it): journaled as its canonical query. */
  filter: PilotageFilter;
  /** Data rows written (without the header). */
  rows: number;
  /** Which file, when it is not the indicators' table: « opendata:lieux », « opendata:activite-communes »… */
  dataset?: string;
}

/**
 * Journals one export: who (null for the public, « système » for the command line), which format, which filter (its
 * canonical query string, `filterQuery`, so the same figures can be recomputed), how many rows. Every export of the
 * pilotage calls it once the file is produced (ADR 0011); the organisation recorded is the one whose figures were
 * exported (the filter's funder or prescriber), when it names one.
 */
export async function journalExport(db: Kysely<DB>, principal: Principal | null, entry: ExportEntry): Promise<void> {
  const rows = Number.isFinite(entry.rows) && entry.rows > 0 ? Math.floor(entry.rows) : 0;
  const details: Record<string, unknown> = { format: entry.format, filter: filterQuery(entry.filter), rows };
  if (entry.dataset) details.dataset = entry.dataset;
  // recordAudit marks a journal row without a user as the system's; a public download says so instead.
  if (principal === null) details.by = 'public';
  await recordAudit(db, {
    actorUserId: principal === null || principal.system ? null : principal.userId,
    organisationId: entry.filter.funder ?? entry.filter.prescriber ?? null,
    action: EXPORT_ACTION,
    placeId: entry.filter.place,
    details,
  });
}
