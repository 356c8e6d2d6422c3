import { Readable } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { STANDARD_FIELDS } from '../domain/standard.js';
import { standardFileRow, standardRecord } from './record.js';

const PAGE = 1000;

/** Active places in the standard's file layout, read page by page so that a national export stays small in memory. */
export async function* standardRows(db: Kysely<DB>) {
  let after = 0;
  for (;;) {
    const page = await db.selectFrom('places').selectAll().where('active', '=', true).where('id', '>', after).orderBy('id').limit(PAGE).execute();
    for (const row of page) yield standardFileRow(standardRecord(row));
    if (page.length < PAGE) return;
    after = page[page.length - 1]!.id;
  }
}

/**
 * CSV of the standard: UTF-8 without BOM, comma, header in the standard's order. A data exchange file, written
 * verbatim (no quote before a leading = + - @, unlike the files for people in shared/csv.ts): the standard's own
 * patterns require a leading + (telephone), and re-importing an export must change nothing.
 */
export function exportCsv(db: Kysely<DB>, rows: AsyncIterable<ReturnType<typeof standardFileRow>> = standardRows(db)): Readable {
  return Readable.from(rows).pipe(stringify({ header: true, columns: [...STANDARD_FIELDS], cast: { number: (n) => String(n) } }));
}

/** JSON of the standard: an array of objects with the same keys as the CSV, streamed. */
export function exportJson(db: Kysely<DB>): Readable {
  return Readable.from(
    (async function* () {
      let first = true;
      yield '[';
      for await (const row of standardRows(db)) {
        yield `${first ? '\n' : ',\n'}${JSON.stringify(row)}`;
        first = false;
      }
      yield '\n]\n';
    })(),
  );
}
