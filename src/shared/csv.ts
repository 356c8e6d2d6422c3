import { formatEurosForSpreadsheet } from './french.js';

/** An amount of money in a CSV cell: written as a decimal number (-12,50), never as text. */
export class Euros {
  constructor(readonly cents: number) {
    if (!Number.isInteger(cents)) throw new Error(`montant en centimes invalide : ${cents}`);
  }
}

/** 12,50 — a number a French spreadsheet reads as such. */
export const euros = (cents: number) => new Euros(cents);

/**
 * A cell of a file for people: text (anything a user typed, names, labels), a number we computed, or an amount.
 * Only text is neutralised against formulas, so that numbers stay numbers.
 */
export type CsvCell = string | number | Euros;

/**
 * OWASP "CSV injection": a spreadsheet evaluates a cell starting with one of these as a formula (=HYPERLINK(…),
 * +cmd|…, -2+3, @SUM(…), or after a tab or a carriage return).
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A text cell made inert: a leading quote, which spreadsheets read as "this is text" and do not show. */
export const neutraliseFormula = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);

const decimal = (value: number) => {
  if (!Number.isFinite(value)) throw new Error(`nombre invalide dans un fichier CSV : ${value}`);
  return String(value).replace('.', ',');
};

function cellText(value: CsvCell): string {
  if (value instanceof Euros) return formatEurosForSpreadsheet(value.cents);
  if (typeof value === 'number') return decimal(value);
  return neutraliseFormula(value);
}

/** One cell as written between the semicolons: neutralised if it is text, quoted where needed. */
export function frenchCsvCell(value: CsvCell): string {
  const text = cellText(value);
  return /[;"\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * For a French spreadsheet: UTF-8 with BOM, semicolons, decimal commas. Every file for people goes through here,
 * so no caller can forget the formula neutralisation; amounts are passed as `euros(cents)`, counts as numbers.
 */
export function frenchCsv(header: string[], rows: CsvCell[][]): string {
  return `\uFEFF${[header, ...rows].map((row) => row.map(frenchCsvCell).join(';')).join('\r\n')}\r\n`;
}
