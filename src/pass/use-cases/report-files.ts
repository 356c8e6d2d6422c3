import { PassThrough, type Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { type CsvCell, euros, frenchCsv } from '../../shared/csv.js';
import { formatEuros } from '../../shared/money.js';
import { formatNumber, ofInstitution, plural } from '../../shared/french.js';
import type { FunderReport, ReachGroup } from './report.js';
import { frenchDay } from '../../shared/dates.js';

const percent = (bp: number) => `${(bp / 100).toLocaleString('fr-FR')} %`;
const count = (group: ReachGroup) => (group.booklets === null ? 'moins de 3' : group.booklets);

/** A mean level as a number of the spreadsheet (1,5), or why it is not shown. */
const decimal = (value: number | null): CsvCell => (value === null ? 'masqué' : value);

function progressCsv(report: FunderReport): string {
  const rows = report.progress.map((p) => [
    p.orderId, p.measured, p.overallBefore === null ? 'masqué' : p.progressed, decimal(p.overallBefore), decimal(p.overallAfter),
    ...p.topics.flatMap((t) => [decimal(t.before), decimal(t.after)]),
  ]);
  const topics = report.progress[0]?.topics.map((t) => t.topic) ?? [];
  return frenchCsv(['commande', 'carnets_mesures_deux_fois', 'en_progres', 'niveau_avant', 'niveau_apres', ...topics.flatMap((t) => [`${t}_avant`, `${t}_apres`])], rows).replace('\uFEFF', '');
}

/** One line per order, then the reach: for a French spreadsheet (UTF-8 with BOM, semicolons; names neutralised against formulas). */
export function reportCsv(report: FunderReport): string {
  const rows: CsvCell[][] = report.orders.map((o) => [
    o.orderId, o.programmeName, o.role === 'ordered' ? 'commanditaire' : 'cofinanceur', percent(o.shareBp),
    o.vouchers.issued, o.vouchers.allocated, o.vouchers.handed, o.vouchers.redeemed, o.vouchers.expired,
    euros(o.amountCents), euros(o.redeemedCents), euros(o.expiredCents), euros(o.refundCents),
  ]);
  const reach = [
    ...report.reach.ageBands.map((g) => ['âge', g.label, count(g)]),
    ...report.reach.situations.map((g) => ['situation', g.label, count(g)]),
    ...report.reach.communes.map((g) => ['commune', g.label, count(g)]),
  ];
  return frenchCsv(
    ['commande', 'programme', 'rôle', 'part', 'cheques_emis', 'cheques_attribues', 'cheques_remis', 'cheques_encaisses', 'cheques_expires', 'montant_commande_euros', 'encaisse_euros', 'expire_euros', 'rendu_au_financeur_euros'],
    rows,
  ) + frenchCsv(['public_atteint', 'groupe', 'carnets_remis'], reach).replace('\uFEFF', '') + progressCsv(report);
}

export function reportPdf(report: FunderReport): Readable {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Rapport financeur — ${report.funder.name}`, Author: 'Numérique inclusif' } });
  const out = new PassThrough();
  doc.pipe(out);
  doc.font('Helvetica-Bold').fontSize(16).text(`Pass numérique — rapport ${ofInstitution(report.funder.name)}`);
  doc.font('Helvetica').fontSize(10).moveDown(0.5).text(`Établi le ${frenchDay(new Date())}. Chiffres agrégés : aucune personne n’est identifiable (groupes de moins de 3 carnets masqués).`);
  for (const o of report.orders) {
    doc.moveDown().font('Helvetica-Bold').text(`Commande n° ${o.orderId} — ${o.programmeName} (${o.role === 'ordered' ? 'commanditaire' : 'cofinanceur'}, part ${percent(o.shareBp)})`);
    doc.font('Helvetica').text(`Chèques : ${o.vouchers.issued} émis, ${o.vouchers.allocated} attribués, ${o.vouchers.handed} remis, ${o.vouchers.redeemed} encaissés, ${o.vouchers.expired} expirés.`);
    doc.text(`Montant : ${formatEuros(o.amountCents)} ; encaissé ${formatEuros(o.redeemedCents)} ; expiré ${formatEuros(o.expiredCents)}, dont ${formatEuros(o.refundCents)} rendus à ce financeur.`);
    for (const s of o.refundSplit.filter(() => o.expiredCents > 0)) doc.text(`   ${s.organisationName} : part ${percent(s.shareBp)}, part exacte ${(s.exactCents / 100).toLocaleString('fr-FR', { maximumFractionDigits: 4 })} €, rendu ${formatEuros(s.bookedCents)}`);
  }
  doc.moveDown().font('Helvetica-Bold').text(`Public atteint (${plural(report.reach.handedBooklets, 'carnet remis', 'carnets remis')})`);
  doc.font('Helvetica');
  for (const [title, groups] of [['Âge', report.reach.ageBands], ['Situation', report.reach.situations], ['Commune', report.reach.communes]] as const) {
    doc.text(`${title} : ${groups.map((g) => `${g.label} ${count(g)}`).join(' · ') || '—'}`);
  }
  doc.moveDown().font('Helvetica-Bold').text('Progrès mesurés (diagnostic refait après les ateliers)');
  doc.font('Helvetica');
  for (const p of report.progress) {
    doc.text(p.overallBefore === null
      ? `Commande n° ${p.orderId} : ${plural(p.measured, 'carnet mesuré', 'carnets mesurés')} deux fois${p.measured ? ', moyennes masquées (moins de 3)' : ''}.`
      : `Commande n° ${p.orderId} : ${plural(p.measured, 'carnet mesuré', 'carnets mesurés')} deux fois, ${formatNumber(p.progressed)} en progrès ; niveau global moyen ${decimal(p.overallBefore)} → ${decimal(p.overallAfter)} ; ${p.topics.map((t) => `${t.label} ${decimal(t.before)} → ${decimal(t.after)}`).join(' · ')}.`);
  }
  doc.end();
  return out;
}
