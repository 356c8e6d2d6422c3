import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { euros, frenchCsv, frenchCsvCell } from '../../../src/shared/csv.js';

/** OWASP "CSV injection": a spreadsheet reads a cell starting with one of these as a formula. */
const DANGEROUS = ['=', '+', '-', '@', '\t', '\r'];
const neutralised = (text: string) => (DANGEROUS.some((c) => text.startsWith(c)) ? `'${text}` : text);
const readBack = (csv: string) => parse(csv, { delimiter: ';', bom: true, relax_column_count: true }) as string[][];

test('CSV injection: a text cell starting with = + - @ tab or carriage return is written with a leading quote', () => {
  const texts = ['=HYPERLINK("http://evil","x")', '+cmd', '-2+3', '@SUM(A1)', '\t=1', '\r=1'];
  const csv = frenchCsv(['programme'], texts.map((t) => [t]));
  assert.deepEqual(readBack(csv).slice(1).map((row) => row[0]), texts.map((t) => `'${t}`));
  assert.ok(csv.includes('\r\n"\'=HYPERLINK(""http://evil"",""x"")"\r\n'), csv);
  assert.ok(csv.includes("\r\n'+cmd\r\n"), csv);
});

test('CSV injection: the header is written by the same rule', () => {
  assert.ok(frenchCsv(['=1+1', 'b'], []).startsWith("\uFEFF'=1+1;b\r\n"));
});

test('CSV: other text cells are unchanged apart from quoting', () => {
  const csv = frenchCsv(['a', 'b', 'c'], [["Programme d'été", 'x;y', 'dit "oui"'], ["'déjà cité", ' =espace', 'ligne\r\nsuivante']]);
  assert.equal(csv, '\uFEFFa;b;c\r\nProgramme d\'été;"x;y";"dit ""oui"""\r\n\'déjà cité; =espace;"ligne\r\nsuivante"\r\n');
});

const textCell = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: fc.constantFrom(...DANGEROUS, '\n', ';', '"', "'", ',', ' ', 'a', 'é', '1'), maxLength: 12 }),
  fc.tuple(fc.constantFrom(...DANGEROUS), fc.string({ maxLength: 20 })).map(([first, rest]) => first + rest),
);

test('property: a text starting with a dangerous character comes out starting with a quote, any other text unchanged', () => {
  fc.assert(
    fc.property(fc.array(textCell, { minLength: 1, maxLength: 5 }), (cells) => {
      const csv = frenchCsv(cells.map((_, i) => `c${i}`), [cells]);
      const line = csv.slice(csv.indexOf('\r\n') + 2);
      const written = cells.map(neutralised);
      // Unquoted, each cell is exactly the neutralised text; quoted, it starts with the quote of the CSV.
      const first = written[0]!;
      if (/[;"\r\n]/.test(first)) assert.ok(line.startsWith(`"${first.replace(/"/g, '""')}`), JSON.stringify(line));
      else assert.ok(line.startsWith(first), JSON.stringify(line));
      assert.deepEqual(readBack(csv)[1], written);
    }),
    { numRuns: 500 },
  );
});

test('property: the cell function, alone, gives what the file holds and parses back to the neutralised text', () => {
  fc.assert(
    fc.property(textCell, (text) => {
      const cell = frenchCsvCell(text);
      assert.equal(frenchCsv(['x'], [[text]]), `\uFEFFx\r\n${cell}\r\n`);
      assert.equal(/^"?'/.test(cell), DANGEROUS.some((c) => text.startsWith(c)) || text.startsWith("'"));
      assert.deepEqual(readBack(`${cell}\r\n`)[0], [neutralised(text)]);
    }),
    { numRuns: 500 },
  );
});

test('amounts and numbers we compute stay numbers: -12,50 is not neutralised, decimals take a comma', () => {
  assert.equal(frenchCsv(['montant', 'nombre', 'niveau'], [[euros(-1250), -3, 1.5], [euros(5), 0, 2]]), '\uFEFFmontant;nombre;niveau\r\n-12,50;-3;1,5\r\n0,05;0;2\r\n');
  assert.throws(() => euros(12.5));
  assert.throws(() => frenchCsv(['n'], [[Number.NaN]]));
});

test('property: any amount in cents is written as a French decimal and read back to the cent', () => {
  fc.assert(
    fc.property(fc.integer({ min: -99_999_999_999, max: 99_999_999_999 }), (cents) => {
      const cell = frenchCsvCell(euros(cents));
      assert.match(cell, /^-?\d+,\d{2}$/);
      assert.equal(Math.round(Number(cell.replace(',', '.')) * 100), cents);
    }),
  );
});
