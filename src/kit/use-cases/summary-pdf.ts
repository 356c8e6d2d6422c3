import { PassThrough, type Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { formatBookletNumber } from '../../pass/domain/booklet-number.js';
import { formatDistance } from '../../places/domain/geo.js';
import { LEVEL_WORDS } from '../domain/topics.js';
import { WHAT_TO_BRING, type DiagnosticSummary } from './summary.js';

/** The one-page sheet the person takes home: large type, short sentences, the places and what to bring. */
export function summaryPdf(summary: DiagnosticSummary, serviceName: string): Readable {
  const outcome = summary.view.outcome!;
  const doc = new PDFDocument({ size: 'A4', margin: 48, info: { Title: 'Ma synthèse — diagnostic numérique', Author: serviceName } });
  const out = new PassThrough();
  doc.pipe(out);
  const heading = (text: string) => doc.moveDown(0.6).font('Helvetica-Bold').fontSize(14).text(text).font('Helvetica').fontSize(12);
  doc.font('Helvetica-Bold').fontSize(20).text('Ma synthèse : où j’en suis avec le numérique');
  doc.font('Helvetica').fontSize(11).text(`${serviceName} · ${new Date(summary.view.finishedAt!).toLocaleDateString('fr-FR', { timeZone: 'Europe/Paris' })}`);
  heading(`Mon niveau : ${LEVEL_WORDS[outcome.overall].short}`);
  doc.text(outcome.overallWords);
  doc.fontSize(11).text(outcome.levels.map((l) => `${l.label} : niveau ${l.level}`).join(' · '));
  if (summary.booklet) {
    heading('Mon carnet');
    doc.text(`Numéro ${formatBookletNumber(summary.booklet.number)}. Le code secret est sur la couverture du carnet.`);
  }
  heading('Ce que je vais faire');
  for (const advice of outcome.recommendation.advice) doc.text(`• ${advice}`);
  const places = summary.orientation ? [...summary.orientation.workshopPlaces.slice(0, 3), ...summary.orientation.helpPlaces.slice(0, 2)] : [];
  if (places.length) {
    heading(`Où aller, près de ${summary.orientation!.origin.label}`);
    for (const place of places) {
      doc.font('Helvetica-Bold').text(`${place.name} (${formatDistance(place.distanceKm)})`).font('Helvetica');
      doc.fontSize(11).text(`${place.address}, ${place.postalCode} ${place.commune}${place.opening ? ` · ${place.opening}` : ''}`).fontSize(12);
    }
  }
  heading('À apporter');
  for (const line of WHAT_TO_BRING) doc.text(`• ${line}`);
  doc.end();
  return out;
}
