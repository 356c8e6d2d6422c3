import { PassThrough, type Readable } from 'node:stream';
import { type CsvCell, euros, frenchCsv } from '../../shared/csv.js';
import { formatEuros, formatNumber, formatPercent, NBSP, ofInstitution, plural } from '../../shared/french.js';
import { createPdf, PDF_FONTS } from '../../shared/pdf.js';
import { zipFiles } from '../../shared/zip.js';
import type { FunderReport, ReachGroup } from './report.js';
import { frenchDay } from '../../shared/dates.js';

const count = (group: ReachGroup) => (group.booklets === null ? 'moins de 3' : group.booklets);
const countText = (group: ReachGroup) => (group.booklets === null ? 'moins de 3' : formatNumber(group.booklets));
const role = (o: FunderReport['orders'][number]) => (o.role === 'ordered' ? 'commanditaire' : 'cofinanceur');

/** A mean level as a number of the spreadsheet (1,5), or why it is not shown. */
const decimal = (value: number | null): CsvCell => (value === null ? 'masqué' : value);
/** The same in a sentence of the PDF: « 1,5 ». */
const level = (value: number | null) => (value === null ? 'masqué' : formatNumber(value, 2));
/** A share of the spreadsheet in percent, as a number: 2 500 basis points → 25, 3 333 → 33,33. */
const percentCell = (bp: number) => bp / 100;
/** Cents with their fraction (an exact share), as euros to four decimals: 1234,5678 cents → 12,3457 (a number). */
const exactEuros = (cents: number) => Math.round(cents * 100) / 10_000;

/**
 * One line per order. Every amount says whose it is: the whole order's (every co-funder together) or this funder's
 * own share, since a co-funder of 25 % reads both on the same line.
 */
function ordersCsv(report: FunderReport): string {
  return frenchCsv(
    [
      'Commande', 'Programme', 'Rôle du financeur', 'Part du financeur (%)',
      'Chèques émis (commande entière)', 'Chèques attribués (commande entière)', 'Chèques remis (commande entière)',
      'Chèques encaissés (commande entière)', 'Chèques expirés (commande entière)',
      'Montant de la commande (€, commande entière)', 'Engagement du financeur (€, sa part)',
      'Encaissé (€, commande entière)', 'Expiré (€, commande entière)', 'Rendu au financeur (€, sa part de l’expiré)',
    ],
    report.orders.map((o) => [
      o.orderId, o.programmeName, role(o), percentCell(o.shareBp),
      o.vouchers.issued, o.vouchers.allocated, o.vouchers.handed, o.vouchers.redeemed, o.vouchers.expired,
      euros(o.amountCents), euros(o.shareCents), euros(o.redeemedCents), euros(o.expiredCents), euros(o.refundCents),
    ]),
  );
}

/** How the expired value of each order went back to its co-funders, to the cent (largest remainder). */
function refundsCsv(report: FunderReport): string {
  return frenchCsv(
    ['Commande', 'Cofinanceur', 'Part du cofinanceur (%)', 'Expiré (€, commande entière)', 'Part exacte de l’expiré (€)', 'Rendu au cofinanceur (€)'],
    report.orders.filter((o) => o.expiredCents > 0).flatMap((o) =>
      o.refundSplit.map((s) => [o.orderId, s.organisationName, percentCell(s.shareBp), euros(o.expiredCents), exactEuros(s.exactCents), euros(s.bookedCents)]),
    ),
  );
}

/** The people reached, by group; a group of fewer than 3 booklets is written « moins de 3 ». */
function reachCsv(report: FunderReport): string {
  return frenchCsv(['Critère', 'Groupe', 'Carnets remis'], [
    ...report.reach.ageBands.map((g) => ['Âge', g.label, count(g)]),
    ...report.reach.situations.map((g) => ['Situation', g.label, count(g)]),
    ...report.reach.communes.map((g) => ['Commune', g.label, count(g)]),
  ]);
}

function progressCsv(report: FunderReport): string {
  const topics = report.progress[0]?.topics.map((t) => t.label) ?? [];
  return frenchCsv(
    ['Commande', 'Carnets mesurés deux fois', 'En progrès', 'Niveau global avant', 'Niveau global après', ...topics.flatMap((t) => [`${t} : niveau avant`, `${t} : niveau après`])],
    report.progress.map((p) => [
      p.orderId, p.measured, p.overallBefore === null ? 'masqué' : p.progressed, decimal(p.overallBefore), decimal(p.overallAfter),
      ...p.topics.flatMap((t) => [decimal(t.before), decimal(t.after)]),
    ]),
  );
}

/**
 * The report's tables for a French spreadsheet, one CSV file each (UTF-8 with BOM, semicolons, decimal commas, French
 * headers; names neutralised against formulas), in the order of the page.
 */
export function reportTables(report: FunderReport): { name: string; content: string }[] {
  return [
    { name: 'commandes.csv', content: ordersCsv(report) },
    { name: 'valeur-expiree-rendue.csv', content: refundsCsv(report) },
    { name: 'public-atteint.csv', content: reachCsv(report) },
    { name: 'progres.csv', content: progressCsv(report) },
  ];
}

/** Every table of the report in one ZIP (one CSV file per table). */
export const reportZip = (report: FunderReport): Buffer => zipFiles(reportTables(report));

/** The orders' table alone, the first file of the ZIP. */
export const reportCsv = (report: FunderReport): string => ordersCsv(report);

/** The report a funder's officer prints or forwards: the same figures as the page, amounts said to be whose. */
export function reportPdf(report: FunderReport): Readable {
  const doc = createPdf({ size: 'A4', margin: 50, info: { Title: `Rapport financeur — ${report.funder.name}`, Author: 'Numérique inclusif' } });
  const out = new PassThrough();
  doc.pipe(out);
  const bold = () => doc.font(PDF_FONTS.bold);
  const regular = () => doc.font(PDF_FONTS.regular);
  bold().fontSize(16).text(`Pass numérique — rapport ${ofInstitution(report.funder.name)}`);
  regular().fontSize(10).moveDown(0.5).text(`Établi le ${frenchDay(new Date())}. Chiffres agrégés : aucune personne n’est identifiable (groupes de moins de 3 carnets masqués).`);
  doc.text(`Engagement de ce financeur (sa part de chaque commande) : ${formatEuros(report.totals.amountCents)} ; rendu à ce financeur sur la valeur expirée : ${formatEuros(report.totals.refundCents)}.`);
  for (const o of report.orders) {
    doc.moveDown();
    bold().text(`Commande n° ${o.orderId} — ${o.programmeName} (${role(o)}, part ${formatPercent(o.shareBp)})`);
    regular().text(`Chèques de la commande : ${formatNumber(o.vouchers.issued)} émis, ${formatNumber(o.vouchers.allocated)} attribués, ${formatNumber(o.vouchers.handed)} remis, ${formatNumber(o.vouchers.redeemed)} encaissés, ${formatNumber(o.vouchers.expired)} expirés.`);
    doc.text(`Montant de la commande entière : ${formatEuros(o.amountCents)} ; engagement de ce financeur (sa part) : ${formatEuros(o.shareCents)}.`);
    doc.text(`Commande entière : encaissé ${formatEuros(o.redeemedCents)} ; expiré ${formatEuros(o.expiredCents)}, dont ${formatEuros(o.refundCents)} rendus à ce financeur.`);
    if (o.expiredCents > 0) {
      for (const share of o.refundSplit) {
        doc.text(`${share.organisationName} : part ${formatPercent(share.shareBp)}, part exacte ${formatNumber(exactEuros(share.exactCents), 4)}${NBSP}€, rendu ${formatEuros(share.bookedCents)}`, { indent: 16 });
      }
    }
  }
  doc.moveDown();
  bold().text(`Public atteint (${plural(report.reach.handedBooklets, 'carnet remis', 'carnets remis')})`);
  regular();
  for (const [title, groups] of [['Âge', report.reach.ageBands], ['Situation', report.reach.situations], ['Commune', report.reach.communes]] as const) {
    doc.text(`${title} : ${groups.map((g) => `${g.label} ${countText(g)}`).join(' · ') || '—'}`);
  }
  doc.moveDown();
  bold().text('Progrès mesurés (diagnostic refait après les ateliers)');
  regular();
  for (const p of report.progress) {
    doc.text(p.overallBefore === null
      ? `Commande n° ${p.orderId} : ${plural(p.measured, 'carnet mesuré', 'carnets mesurés')} deux fois${p.measured ? ', moyennes masquées (moins de 3)' : ''}.`
      : `Commande n° ${p.orderId} : ${plural(p.measured, 'carnet mesuré', 'carnets mesurés')} deux fois, ${formatNumber(p.progressed)} en progrès ; niveau global moyen ${level(p.overallBefore)} → ${level(p.overallAfter)} ; ${p.topics.map((t) => `${t.label} ${level(t.before)} → ${level(t.after)}`).join(' · ')}.`);
  }
  doc.end();
  return out;
}
