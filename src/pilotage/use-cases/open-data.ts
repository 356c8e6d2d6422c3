import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { pipeline as pipelineCallback, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { exportCsv, standardRows } from '../../places/use-cases/export.js';
import { parisDay } from '../../shared/dates.js';
import type { IndicatorReport, PilotageFilter } from '../domain/filters.js';
import { activityColumns, activityRecord, activitySchema, dataPackage, hasActivity, monthDays, monthsBetween, parseOpenDataPeriod, placesSchema, renderChangelog, renderReadme, type OpenDataPeriod } from '../domain/open-data.js';
import { journalExport } from './export-journal.js';
import { readIndicators } from './indicators.js';

/**
 * The open data's files, streamed: the places (the national standard's export, places/use-cases/export.ts) and the
 * activity per commune and month. The activity is read through the pilotage engine for the public audience
 * (`readIndicators(db, null, …)`: the privacy rules of privacy.ts already applied), one département and one month at a
 * time (the widest query whose breakdown is per commune), so a national file of a million rows never sits in memory:
 * one report of one département is held at a time, and the CSV stream pulls the next one only when it has room.
 */

export type ReadIndicators = (db: Kysely<DB>, principal: Principal | null, query: unknown, options?: { today?: string }) => Promise<IndicatorReport>;

export interface ActivityOptions {
  today?: string;
  /** The engine (tests may count its calls); readIndicators of the pilotage by default. */
  read?: ReadIndicators;
  /** Called once the last row is out, with the number of rows written. */
  onEnd?: (rows: number) => Promise<void> | void;
}

async function communeNames(db: Kysely<DB>, departement: string): Promise<Map<string, string>> {
  const rows = await db.selectFrom('communes').select(['insee_code', 'name']).where('departement_code', '=', departement).execute();
  return new Map(rows.map((row) => [row.insee_code, row.name]));
}

/** The filter journaled for an export of the open data: France, the whole period, per territory. */
export function openDataFilter(period: OpenDataPeriod): PilotageFilter {
  return { level: 'france', code: null, from: monthDays(period.from).from, to: monthDays(period.to).to, funder: null, prescriber: null, place: null, programme: null, breakdown: 'territory' };
}

const byKey = (a: { key: string }, b: { key: string }) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The rows of the activity CSV, month by month, then by commune code; only communes with activity that month. Each
 * month is read from the top: France per région, each région with activity per département, each département with
 * activity per commune, so a month where few départements are active costs few queries (a withheld value counts as
 * activity: it means « a few »).
 */
export async function* activityRows(db: Kysely<DB>, period: OpenDataPeriod, options: ActivityOptions = {}): AsyncGenerator<Record<string, string | number | null>> {
  const today = options.today ?? parisDay();
  const read = options.read ?? readIndicators;
  const names = new Map<string, Map<string, string>>();
  for (const month of monthsBetween(period.from, period.to)) {
    const days = monthDays(month);
    const span = { from: days.from, to: days.to > today ? today : days.to, breakdown: 'territory' };
    const active = async (query: Record<string, string>) => ((await read(db, null, { ...span, ...query }, { today })).breakdown?.rows ?? []).filter(hasActivity);
    const departements: string[] = [];
    for (const region of await active({ level: 'france' })) for (const departement of await active({ level: 'region', code: region.key })) departements.push(departement.key);
    for (const departement of departements.sort()) {
      const rows = (await active({ level: 'departement', code: departement })).sort(byKey);
      if (rows.length === 0) continue;
      if (!names.has(departement)) names.set(departement, await communeNames(db, departement));
      const known = names.get(departement)!;
      for (const row of rows) yield activityRecord(month, departement, known.get(row.key) ?? row.label, row);
    }
  }
}

/** The activity CSV: UTF-8 without BOM, comma, point decimal, header in the schema's order; an empty cell is withheld. */
export function activityCsv(db: Kysely<DB>, period: OpenDataPeriod, options: ActivityOptions = {}): Readable {
  const counted = async function* () {
    let rows = 0;
    for await (const row of activityRows(db, period, options)) {
      rows += 1;
      yield row;
    }
    await options.onEnd?.(rows);
  };
  const csv = stringify({ header: true, columns: activityColumns(), cast: { number: (n) => String(n) } });
  // pipeline, not pipe: an engine's failure half-way destroys the CSV stream with it, so the file or the answer fails.
  pipelineCallback(Readable.from(counted()), csv, () => {});
  return csv;
}

/** The places at the national standard (the places' own export, re-importable unchanged), counted for the journal. */
export function placesCsv(db: Kysely<DB>, onEnd?: (rows: number) => Promise<void> | void): Readable {
  if (!onEnd) return exportCsv(db);
  return exportCsv(
    db,
    (async function* () {
      let rows = 0;
      for await (const row of standardRows(db)) {
        rows += 1;
        yield row;
      }
      await onEnd(rows);
    })(),
  );
}

export { parseOpenDataPeriod };

/** Journals a download or an export of an open-data file (who, which file, which period, how many rows). */
export async function journalOpenData(db: Kysely<DB>, principal: Principal | null, dataset: 'lieux' | 'activite-communes', period: OpenDataPeriod, rows: number): Promise<void> {
  await journalExport(db, principal, { format: 'csv', filter: openDataFilter(period), rows, dataset: `opendata:${dataset}` });
}

export interface OpenDataExport {
  directory: string;
  period: OpenDataPeriod;
  places: number;
  activityRows: number;
  files: string[];
}

/**
 * Writes the whole open data into `directory`, atomically: every file is written into a new sibling directory, which
 * then takes the place of `directory` (a previous export there is replaced only once the new one is complete; a
 * failure leaves it as it was and removes the half-written one). Each file is journaled with its rows.
 */
export async function writeOpenDataDirectory(db: Kysely<DB>, principal: Principal | null, directory: string, input: { from?: string; to?: string }, options: { today?: string; read?: ReadIndicators } = {}): Promise<OpenDataExport> {
  const today = options.today ?? parisDay();
  const period = parseOpenDataPeriod(input, today);
  const target = resolve(directory);
  const temporary = `${target}.partiel-${randomBytes(4).toString('hex')}`;
  await mkdir(dirname(target), { recursive: true });
  await mkdir(temporary);
  try {
    let places = 0;
    let activity = 0;
    await pipeline(placesCsv(db, (rows) => void (places = rows)), createWriteStream(join(temporary, 'lieux.csv')));
    await pipeline(activityCsv(db, period, { ...options, today, onEnd: (rows) => void (activity = rows) }), createWriteStream(join(temporary, 'activite-communes.csv')));
    const texts = staticFiles(period);
    for (const [name, content] of Object.entries(texts)) await writeFile(join(temporary, name), content);
    await journalOpenData(db, principal, 'lieux', period, places);
    await journalOpenData(db, principal, 'activite-communes', period, activity);
    const previous = `${target}.ancien-${randomBytes(4).toString('hex')}`;
    const existed = await stat(target).then(() => true, () => false);
    if (existed) await rename(target, previous);
    await rename(temporary, target);
    if (existed) await rm(previous, { recursive: true, force: true });
    return { directory: target, period, places, activityRows: activity, files: ['lieux.csv', 'activite-communes.csv', ...Object.keys(texts)].sort() };
  } catch (error) {
    await rm(temporary, { recursive: true, force: true });
    throw error;
  }
}

/** The files of an export besides the CSVs: schemas, data package, changelog, README. */
export function staticFiles(period: OpenDataPeriod): Record<string, string> {
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  return {
    'lieux.schema.json': json(placesSchema()),
    'activite-communes.schema.json': json(activitySchema()),
    'datapackage.json': json(dataPackage({ from: period.from, to: period.to })),
    'CHANGELOG.md': renderChangelog(),
    'README.md': renderReadme(),
  };
}
