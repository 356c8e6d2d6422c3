import { parse } from 'csv-parse/sync';
import { DomainError } from '../../shared/errors.js';
import { REQUIRED_FIELDS } from '../domain/standard.js';

export interface SourceRow {
  /** Line in a CSV file (the header is line 1), position in a JSON array (from 1). */
  line: number;
  raw: Record<string, unknown>;
}

export type FileFormat = 'csv' | 'json';

function unreadable(reason: string): DomainError {
  return new DomainError('invalid', 'fichier_illisible', `Le fichier ne peut pas être lu : ${reason}`);
}

export function detectFormat(content: string, fileName?: string): FileFormat {
  if (fileName?.toLowerCase().endsWith('.json')) return 'json';
  if (fileName?.toLowerCase().endsWith('.csv')) return 'csv';
  return /^\s*[[{]/.test(content) ? 'json' : 'csv';
}

function readJson(content: string): SourceRow[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw unreadable(`JSON invalide (${(error as Error).message}).`);
  }
  if (!Array.isArray(parsed)) throw unreadable('le JSON du standard est un tableau de lieux, [ { "id": …, "nom": … }, … ].');
  return parsed.map((raw, index) => {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw unreadable(`l’élément ${index + 1} n’est pas un objet.`);
    return { line: index + 1, raw: raw as Record<string, unknown> };
  });
}

function readCsv(content: string): SourceRow[] {
  const firstLine = content.slice(0, content.indexOf('\n') >>> 0);
  const delimiter = !firstLine.includes(',') && firstLine.includes(';') ? ';' : ',';
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(content, { columns: true, bom: true, delimiter, skip_empty_lines: true, info: true, relax_quotes: false, trim: false });
  } catch (error) {
    throw unreadable(`CSV invalide (${(error as Error).message}).`);
  }
  const header = Object.keys(records[0]?.record ?? {});
  const missing = REQUIRED_FIELDS.filter((field) => records.length > 0 && !header.includes(field));
  if (missing.length) throw unreadable(`colonnes obligatoires absentes de l’en-tête : ${missing.join(', ')}.`);
  return records.map(({ record, info }) => ({ line: info.lines, raw: record }));
}

/** Rows of a file in the standard, CSV (comma or semicolon, UTF-8, BOM tolerated) or JSON. */
export function readStandardFile(content: string, format: FileFormat): SourceRow[] {
  const rows = format === 'json' ? readJson(content) : readCsv(content);
  if (rows.length === 0) throw unreadable('il ne contient aucun lieu.');
  return rows;
}
