import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import type { IndicatorReport } from '../domain/filters.js';
import { journalExport } from './export-journal.js';
import { readIndicators } from './indicators.js';
import { indicatorsCsv, indicatorsPdf, indicatorsXlsx } from './report-files.js';

export const EXPORT_FORMATS = ['csv', 'xlsx', 'pdf'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pdf: 'application/pdf',
};

export interface IndicatorsExport {
  report: IndicatorReport;
  content: string | Buffer | Readable;
  contentType: string;
  filename: string;
}

/** The file name of an export: what it covers, readable in a downloads folder. */
export function exportFilename(report: IndicatorReport, format: ExportFormat): string {
  const f = report.filter;
  const parts = ['pilotage', f.level, f.code, f.funder !== null ? `financeur-${f.funder}` : null, f.programme !== null ? `programme-${f.programme}` : null, f.prescriber !== null ? `prescripteur-${f.prescriber}` : null, f.place !== null ? `lieu-${f.place}` : null, f.breakdown, f.from, f.to];
  return `${parts.filter(Boolean).join('-').replace(/[^A-Za-z0-9_.-]/g, '')}.${format}`;
}

/**
 * One export of the indicators: the report the principal may read for this query (readIndicators: the filter
 * parsed, scoped by the policies, protected by the privacy rules), written as CSV, XLSX or PDF, and journaled
 * (who exported what, how many rows).
 */
export async function exportIndicators(db: Kysely<DB>, principal: Principal | null, query: unknown, format: ExportFormat, options: { today?: string } = {}): Promise<IndicatorsExport> {
  const report = await readIndicators(db, principal, query, options);
  const file = format === 'csv' ? indicatorsCsv(report) : format === 'xlsx' ? await indicatorsXlsx(report) : indicatorsPdf(report);
  await journalExport(db, principal, { format, filter: report.filter, rows: file.rows });
  return { report, content: file.content, contentType: EXPORT_TYPES[format], filename: exportFilename(report, format) };
}
