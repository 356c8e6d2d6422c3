import { parse } from 'csv-parse/sync';
import { Ajv } from 'ajv';

/**
 * An independent Table Schema validator for the tests (frictionless specs, the subset our schemas and the places
 * standard use): it knows nothing of the platform's code, only the schema file and the CSV text. The header must be
 * the schema's field names in order; each cell is read with its field's type (string, integer, number, date,
 * yearmonth), a cell equal to one of `missingValues` is missing; every row is then checked by ajv against a JSON
 * Schema made of the fields' constraints (required, pattern, minimum, maximum, minLength, maxLength, enum), and the
 * `unique` fields and the primary key are checked across rows.
 */
interface Field {
  name: string;
  type: string;
  constraints?: { required?: boolean; unique?: boolean; pattern?: string; minimum?: number; maximum?: number; minLength?: number; maxLength?: number; enum?: unknown[] };
}
export interface TableSchemaFile {
  fields: Field[];
  missingValues?: string[];
  primaryKey?: string | string[];
}

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const YEARMONTH = /^\d{4}-(0[1-9]|1[0-2])$/;
const realDate = (value: string) => DATE.test(value) && new Date(`${value}T00:00:00Z`).toISOString().startsWith(value);

function cast(type: string, raw: string): unknown {
  if (type === 'integer') return INTEGER.test(raw) ? Number(raw) : raw;
  if (type === 'number') return NUMBER.test(raw) ? Number(raw) : raw;
  return raw;
}

function jsonSchemaOf(schema: TableSchemaFile) {
  const properties: Record<string, Record<string, unknown>> = {};
  const required: string[] = [];
  for (const field of schema.fields) {
    const c = field.constraints ?? {};
    const p: Record<string, unknown> = { type: field.type === 'integer' ? 'integer' : field.type === 'number' ? 'number' : 'string' };
    if (c.pattern !== undefined) p.pattern = c.pattern;
    if (c.minimum !== undefined) p.minimum = c.minimum;
    if (c.maximum !== undefined) p.maximum = c.maximum;
    if (c.minLength !== undefined) p.minLength = c.minLength;
    if (c.maxLength !== undefined) p.maxLength = c.maxLength;
    if (c.enum !== undefined) p.enum = c.enum;
    properties[field.name] = p;
    if (c.required) required.push(field.name);
  }
  return { type: 'object', properties, required, additionalProperties: false };
}

/** Every problem found, in « line N, field: message » form; an empty list means the file is valid. */
export function validateCsv(csvText: string, schema: TableSchemaFile): string[] {
  const errors: string[] = [];
  const rows = parse(csvText, { bom: false, relax_column_count: true }) as string[][];
  const header = rows[0] ?? [];
  const names = schema.fields.map((f) => f.name);
  if (JSON.stringify(header) !== JSON.stringify(names)) errors.push(`en-tête : ${JSON.stringify(header)} au lieu de ${JSON.stringify(names)}`);
  const missing = new Set(schema.missingValues ?? ['']);
  const validate = new Ajv({ allErrors: true, strict: false, unicodeRegExp: true }).compile(jsonSchemaOf(schema));
  const seen = new Map<string, Set<string>>();
  const keys = new Set<string>();
  const primaryKey = schema.primaryKey === undefined ? [] : ([] as string[]).concat(schema.primaryKey);
  rows.slice(1).forEach((cells, index) => {
    const line = index + 2;
    if (cells.length !== names.length) errors.push(`ligne ${line} : ${cells.length} cellules au lieu de ${names.length}`);
    const record: Record<string, unknown> = {};
    schema.fields.forEach((field, i) => {
      const raw = cells[i] ?? '';
      if (missing.has(raw)) return;
      if (field.type === 'date' && !realDate(raw)) errors.push(`ligne ${line}, ${field.name} : « ${raw} » n’est pas une date`);
      if (field.type === 'yearmonth' && !YEARMONTH.test(raw)) errors.push(`ligne ${line}, ${field.name} : « ${raw} » n’est pas un mois`);
      record[field.name] = cast(field.type, raw);
      if (field.constraints?.unique) {
        const values = seen.get(field.name) ?? new Set<string>();
        if (values.has(raw)) errors.push(`ligne ${line}, ${field.name} : « ${raw} » n’est pas unique`);
        values.add(raw);
        seen.set(field.name, values);
      }
    });
    if (!validate(record)) for (const e of validate.errors ?? []) errors.push(`ligne ${line}, ${e.instancePath.slice(1) || (e.params as { missingProperty?: string }).missingProperty || ''} : ${e.message}`);
    if (primaryKey.length) {
      const key = JSON.stringify(primaryKey.map((name) => record[name]));
      if (keys.has(key)) errors.push(`ligne ${line} : clé primaire ${key} en double`);
      keys.add(key);
    }
  });
  return errors;
}
