/** For a French spreadsheet: UTF-8 with BOM, semicolons, decimal commas. */
export function frenchCsv(header: string[], rows: (string | number)[][]): string {
  const cell = (value: string | number) => {
    const text = String(value);
    return /[;"\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  return `\uFEFF${[header, ...rows].map((row) => row.map(cell).join(';')).join('\r\n')}\r\n`;
}

/** 12,50 — a number a French spreadsheet reads as such. */
export const decimalEuros = (cents: number) => (cents / 100).toFixed(2).replace('.', ',');
