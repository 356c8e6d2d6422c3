import { PassThrough, type Readable } from 'node:stream';
import ExcelJS from 'exceljs';
import { euros, frenchCsv, neutraliseFormula, type CsvCell } from '../../shared/csv.js';
import { frenchDateTime, frenchDay } from '../../shared/dates.js';
import { createPdf, fitText, PDF_FONTS } from '../../shared/pdf.js';
import { BREAKDOWN_LABELS, LEVEL_LABELS, type IndicatorReport, type IndicatorValue } from '../domain/filters.js';
import { DICTIONARY_VERSION, INDICATOR_IDS, INDICATORS, type IndicatorId } from '../domain/indicators.js';
import { breakdownTable, formatValue, reportCards, reportFunnel, reportSubtitle, updatedText, WITHHELD_REASON } from './presentation.js';

/**
 * The exports of one report (the same filter as the page): CSV for French spreadsheets, an XLSX workbook, a PDF of a
 * few pages. They only write what the report holds; a withheld value stays withheld (empty cell, its reason beside).
 */

/** The rows of the CSV: one per indicator of the whole territory, then one per breakdown row and indicator. */
export interface ExportLine {
  scope: string;
  key: string;
  label: string;
  id: IndicatorId;
  value: IndicatorValue | undefined;
  share: number | null;
}

export function exportLines(report: IndicatorReport): ExportLine[] {
  const total = INDICATOR_IDS.map((id) => ({ scope: 'ensemble', key: report.filter.code ?? 'FR', label: report.territoryLabel, id, value: report.values[id], share: null }));
  const b = report.breakdown;
  const rows = b
    ? b.rows.flatMap((row) => b.indicators.map((id) => ({ scope: BREAKDOWN_LABELS[b.by], key: row.key, label: row.label, id, value: row.values[id], share: row.shares?.[id] ?? null })))
    : [];
  return [...total, ...rows];
}

/** A number as the spreadsheet should store it: a count, a percentage, a number of days (null: withheld or none). */
export const exportNumber = (id: IndicatorId, v: IndicatorValue | undefined): number | null => {
  if (!v || v.value === null || v.suppressed || !Number.isFinite(v.value)) return null;
  return INDICATORS[id].unit === 'euros' ? (v.amountCents ?? v.value) / 100 : v.value;
};
const exportAmount = (id: IndicatorId, v: IndicatorValue | undefined): number | null =>
  INDICATORS[id].amount && INDICATORS[id].unit !== 'euros' && v && v.value !== null && !v.suppressed && typeof v.amountCents === 'number' ? v.amountCents : null;
const status = (id: IndicatorId, v: IndicatorValue | undefined): string => {
  const f = formatValue(id, v);
  if (f.withheld) return WITHHELD_REASON[f.withheld];
  return [f.estimate ? 'estimation' : '', f.rounded ? 'arrondi' : '', f.reason ?? ''].filter(Boolean).join(', ');
};

export const CSV_HEADER = ['Ventilation', 'Code', 'Libellé', 'Indicateur', 'Identifiant', 'Valeur', 'Unité', 'Montant (€)', 'Part de la colonne (%)', 'Remarque'];
const UNIT_LABELS: Record<string, string> = {
  vouchers: 'chèques', people: 'personnes', accompaniments: 'accompagnements', hours: 'heures', diagnostics: 'diagnostics', places: 'lieux',
  mediators: 'médiateurs', euros: 'euros', percent: '%', days: 'jours', ratio: 'rapport',
};

/** The report as a CSV for a French spreadsheet (shared/csv.ts: BOM, semicolons, decimal commas, formulas neutralised). */
export function indicatorsCsv(report: IndicatorReport): { content: string; rows: number } {
  const lines = exportLines(report);
  const rows: CsvCell[][] = lines.map((l) => {
    const n = exportNumber(l.id, l.value);
    const amount = exportAmount(l.id, l.value);
    return [l.scope, l.key, l.label, INDICATORS[l.id].label, l.id, n === null ? '' : n, UNIT_LABELS[INDICATORS[l.id].unit] ?? '', amount === null ? '' : euros(amount), l.share === null ? '' : l.share, status(l.id, l.value)];
  });
  return { content: frenchCsv(CSV_HEADER, rows), rows: rows.length };
}

/** A description of the filter, for the files' « À propos ». */
export function filterDescription(report: IndicatorReport): [string, string][] {
  const f = report.filter;
  return [
    ['Territoire', `${LEVEL_LABELS[f.level]} — ${report.territoryLabel}`],
    ['Période', `du ${frenchDay(f.from)} au ${frenchDay(f.to)}`],
    ...(f.funder !== null ? [['Financeur (n°)', String(f.funder)] as [string, string]] : []),
    ...(f.programme !== null ? [['Programme (n°)', String(f.programme)] as [string, string]] : []),
    ...(f.prescriber !== null ? [['Structure prescriptrice (n°)', String(f.prescriber)] as [string, string]] : []),
    ...(f.place !== null ? [['Lieu (n°)', String(f.place)] as [string, string]] : []),
    ...(f.breakdown ? [['Ventilation', BREAKDOWN_LABELS[f.breakdown]] as [string, string]] : []),
    ['Données', updatedText(report)],
    ['Dictionnaire des indicateurs', `version ${DICTIONARY_VERSION} (docs/INDICATEURS.md)`],
    ['Confidentialité', 'les cases de moins de 5 personnes sont masquées, ainsi que celles qui permettraient de les recalculer'],
  ];
}

/** The report as an XLSX workbook: the indicators, the breakdown (one column per indicator), the filter. */
export async function indicatorsXlsx(report: IndicatorReport): Promise<{ content: Buffer; rows: number }> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = 'Numérique inclusif';
  workbook.created = new Date(report.updatedAt || Date.now());
  const text = (value: string) => neutraliseFormula(value);
  const sheet = workbook.addWorksheet('Indicateurs');
  sheet.columns = [
    { header: 'Groupe', key: 'group', width: 22 }, { header: 'Indicateur', key: 'label', width: 40 }, { header: 'Identifiant', key: 'id', width: 28 },
    { header: 'Valeur', key: 'value', width: 14 }, { header: 'Unité', key: 'unit', width: 14 }, { header: 'Montant (€)', key: 'amount', width: 16 },
    { header: 'Remarque', key: 'status', width: 40 }, { header: 'Définition', key: 'definition', width: 80 }, { header: 'Source', key: 'source', width: 50 },
  ];
  sheet.getRow(1).font = { bold: true };
  let rows = 0;
  for (const group of reportCards(report)) {
    for (const card of group.cards) {
      const v = report.values[card.id];
      const n = exportNumber(card.id, v);
      const amount = exportAmount(card.id, v);
      const row = sheet.addRow({ group: group.label, label: card.label, id: card.id, value: n, unit: UNIT_LABELS[INDICATORS[card.id].unit], amount: amount === null ? null : amount / 100, status: status(card.id, v), definition: text(card.definition), source: text(card.source) });
      row.getCell('amount').numFmt = '#,##0.00 "€"';
      rows += 1;
    }
  }
  const table = breakdownTable(report);
  if (table && report.breakdown) {
    const b = workbook.addWorksheet('Ventilation');
    b.columns = [{ header: 'Code', key: 'key', width: 12 }, { header: 'Libellé', key: 'label', width: 36 }, ...table.indicators.map((i) => ({ header: i.label, key: i.id, width: 18 }))];
    b.getRow(1).font = { bold: true };
    for (const row of report.breakdown.rows) {
      b.addRow({ key: text(row.key), label: text(table.rows.find((r) => r.key === row.key)?.label ?? row.label), ...Object.fromEntries(table.indicators.map((i) => [i.id, exportNumber(i.id, row.values[i.id])])) });
      rows += 1;
    }
  }
  const about = workbook.addWorksheet('À propos');
  about.columns = [{ header: 'Filtre', key: 'k', width: 30 }, { header: 'Valeur', key: 'v', width: 90 }];
  about.getRow(1).font = { bold: true };
  for (const [k, v] of filterDescription(report)) about.addRow({ k, v: text(v) });
  const content = Buffer.from(await workbook.xlsx.writeBuffer());
  return { content, rows };
}

/** How many breakdown rows the PDF prints (the CSV and the workbook have them all). */
export const PDF_BREAKDOWN_ROWS = 40;
const PDF_COLUMNS: IndicatorId[] = ['vouchers_handed', 'vouchers_redeemed', 'people_reached', 'accompaniments'];

/** The report a reader prints or forwards: the cards, the funnel, the breakdown's first rows. */
export function indicatorsPdf(report: IndicatorReport): { content: Readable; rows: number } {
  const doc = createPdf({ size: 'A4', margin: 40, info: { Title: `Pilotage — ${report.territoryLabel}`, Author: 'Numérique inclusif' } });
  const out = new PassThrough();
  doc.pipe(out);
  const bold = () => doc.font(PDF_FONTS.bold);
  const regular = () => doc.font(PDF_FONTS.regular);
  const width = doc.page.width - 80;
  bold().fontSize(15).text(`Tableau de bord du pilotage — ${report.territoryLabel}`);
  regular().fontSize(9).moveDown(0.3).text(`${reportSubtitle(report)} ; ${updatedText(report)}. Établi le ${frenchDateTime(new Date())}. Dictionnaire des indicateurs, version ${DICTIONARY_VERSION}.`);
  doc.text('Confidentialité : les cases de moins de 5 personnes sont écrites « < 5 », celles qui permettraient de les recalculer « masqué ».');
  let rows = 0;
  for (const group of reportCards(report)) {
    doc.moveDown(0.6);
    bold().fontSize(11).text(group.label);
    regular().fontSize(9);
    for (const card of group.cards) {
      const v = card.value;
      doc.text(`${card.label} : ${v.text}${v.amount ? ` (${v.amount})` : ''}${v.estimate ? ' — estimation' : ''}`);
      rows += 1;
    }
  }
  doc.moveDown(0.6);
  bold().fontSize(11).text('Parcours des chèques');
  regular().fontSize(9);
  for (const step of reportFunnel(report)) {
    const extra = [step.rate ? `${step.rate.label.toLowerCase()} ${step.rate.value.text}` : '', ...step.delays.map((d) => `${d.label.toLowerCase()} ${d.value.text}`)].filter(Boolean).join(' ; ');
    doc.text(`${step.label} : ${step.value.text}${extra ? ` — ${extra}` : ''}`);
  }
  const table = breakdownTable(report);
  if (table && table.rows.length > 0) {
    doc.moveDown(0.6);
    bold().fontSize(11).text(`Ventilation ${BREAKDOWN_LABELS[report.breakdown!.by]}`);
    const columns = PDF_COLUMNS.filter((id) => table.indicators.some((i) => i.id === id));
    const shown = columns.length ? columns : table.indicators.slice(0, 4).map((i) => i.id);
    const labelWidth = width * 0.4;
    const cellWidth = (width - labelWidth) / Math.max(1, shown.length);
    const line = (cells: string[], font: () => unknown) => {
      font();
      if (doc.y > doc.page.height - 60) doc.addPage();
      const y = doc.y;
      cells.forEach((cell, i) => doc.text(fitText(doc, cell, (i === 0 ? labelWidth : cellWidth) - 4), 40 + (i === 0 ? 0 : labelWidth + (i - 1) * cellWidth), y, { lineBreak: false }));
      doc.x = 40;
      doc.y = y + 12;
    };
    doc.fontSize(8);
    line(['', ...shown.map((id) => INDICATORS[id].label)], bold);
    for (const row of table.rows.slice(0, PDF_BREAKDOWN_ROWS)) {
      line([row.label, ...shown.map((id) => formatValue(id, report.breakdown!.rows.find((r) => r.key === row.key)?.values[id]).text)], regular);
      rows += 1;
    }
    if (table.rows.length > PDF_BREAKDOWN_ROWS) regular().text(`… et ${table.rows.length - PDF_BREAKDOWN_ROWS} autres lignes dans les exports CSV et tableur.`, 40);
  }
  doc.end();
  return { content: out, rows };
}
