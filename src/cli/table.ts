/**
 * The CLI's human output of a list: French column headings, values already in French (dates, statuses, roles), columns
 * aligned with spaces. `console.table` is not used: it adds an English « (index) » column and quotes strings. The JSON
 * output (--json) stays machine-readable and is not built here.
 */
export interface Column<Row> {
  heading: string;
  value: (row: Row) => string | number | null | undefined;
}

const cell = (value: string | number | null | undefined) => (value === null || value === undefined || value === '' ? '—' : String(value));

export function formatTable<Row>(rows: Row[], columns: Column<Row>[], empty = 'Aucun résultat.'): string {
  if (rows.length === 0) return empty;
  const cells = rows.map((row) => columns.map((column) => cell(column.value(row)).replace(/[\r\n\t]+/g, ' ')));
  const widths = columns.map((column, i) => Math.max(column.heading.length, ...cells.map((line) => line[i]!.length)));
  const line = (values: string[]) => values.map((value, i) => (i === values.length - 1 ? value : value.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(columns.map((c) => c.heading)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}
