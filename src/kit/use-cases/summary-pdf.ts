import { PassThrough, type Readable } from 'node:stream';
import { frenchDay } from '../../shared/dates.js';
import { createPdf, PDF_FONTS } from '../../shared/pdf.js';
import { formatBookletNumber } from '../../pass/domain/booklet-number.js';
import { formatDistance } from '../../places/domain/geo.js';
import { elide } from '../../shared/french.js';
import { LEVEL_WORDS } from '../domain/topics.js';
import { WHAT_TO_BRING, type DiagnosticSummary } from './summary.js';

/**
 * The one-page sheet the person takes home: large type, short sentences, the places to go from their commune (with
 * phone number and the week's hours, never « open now », meaningless on paper) and what to bring. Always in the
 * person's words, whoever filled the diagnostic in.
 */
export function summaryPdf(summary: DiagnosticSummary, serviceName: string): Readable {
  const outcome = summary.sheet ?? summary.view.outcome!;
  const doc = createPdf({ size: 'A4', margin: 44, info: { Title: 'Ma synthèse — diagnostic numérique', Author: serviceName } });
  const out = new PassThrough();
  doc.pipe(out);
  const heading = (text: string) => doc.moveDown(0.5).font(PDF_FONTS.bold).fontSize(13).text(text).font(PDF_FONTS.regular).fontSize(11);
  doc.font(PDF_FONTS.bold).fontSize(18).text('Ma synthèse : où j’en suis avec le numérique');
  doc.font(PDF_FONTS.regular).fontSize(10).text(`${serviceName} · ${frenchDay(summary.view.finishedAt!)}`);
  heading(`Mon niveau : ${LEVEL_WORDS[outcome.overall].short}`);
  doc.text(outcome.overallWords);
  doc.fontSize(10).text(outcome.levels.map((l) => `${l.label} : niveau ${l.level}`).join(' · ')).fontSize(11);
  if (summary.booklet) {
    heading('Mon carnet');
    doc.text(`Numéro ${formatBookletNumber(summary.booklet.number)}. Le code secret est sur la couverture du carnet.`);
  }
  heading('Ce que je vais faire');
  for (const advice of outcome.advice) doc.text(`• ${advice.text}`);
  const where = summary.orientation ? `Où aller, près ${elide('de', summary.orientation.origin.label)}` : 'Où aller';
  heading(where);
  if (summary.sheetPlaces.length) {
    for (const place of summary.sheetPlaces) {
      doc.moveDown(0.2).font(PDF_FONTS.bold).fontSize(11).text(`${place.name} (${formatDistance(place.distanceKm)})`).font(PDF_FONTS.regular).fontSize(10);
      doc.text(`${place.address}, ${place.postalCode} ${place.commune}${place.phone ? ` · Tél. ${place.phone}` : ' · pas de téléphone indiqué'}`);
      doc.text(place.hours.length ? `Horaires : ${place.hours.join(' ; ')}` : 'Horaires non renseignés : téléphonez avant de venir.');
    }
    doc.fontSize(11);
  } else if (summary.orientation) {
    doc.text('Aucun lieu trouvé à moins de 100 km. Demandez à la mairie ou à la structure qui vous accompagne.');
  } else {
    doc.text('Votre commune n’a pas été indiquée : demandez à la structure qui vous accompagne ou à votre mairie le lieu de médiation numérique le plus proche.');
  }
  heading('À apporter');
  for (const line of WHAT_TO_BRING) doc.text(`• ${line}`);
  doc.end();
  return out;
}
