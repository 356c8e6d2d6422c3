import { PassThrough, type Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import { formatEuros } from '../../../shared/money.js';
import { plural } from '../../../shared/french.js';
import { formatBookletNumber } from '../../domain/booklet-number.js';
import { formatVoucherCode } from '../../domain/voucher-code.js';
import { drawQr } from './qr.js';
import { frenchDay } from '../../../shared/dates.js';

export interface PrintableVoucher {
  code: string;
  expiresAt: Date;
}

export interface PrintableBooklet {
  number: string;
  /** Null once the booklet is handed to a person: its PIN is theirs alone. */
  pin: string | null;
  programmeId: number;
  programmeName: string;
  funderNames: string[];
  faceValueCents: number;
  vouchers: PrintableVoucher[];
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 24;
const COLUMNS = 2;
const ROWS = 5;
const CELL = { width: (A4.width - 2 * MARGIN) / COLUMNS, height: (A4.height - 2 * MARGIN) / ROWS };

/** The address a voucher's QR code holds: the public page of the voucher, its code readable in the URL. */
export const voucherUrl = (publicUrl: string, code: string) => `${publicUrl.replace(/\/$/, '')}/c/${formatVoucherCode(code)}`;

function cover(doc: PDFKit.PDFDocument, booklet: PrintableBooklet, publicUrl: string) {
  const base = publicUrl.replace(/\/$/, '');
  const left = 60;
  const width = A4.width - 120;
  doc.font('Helvetica-Bold').fontSize(30).text('Pass numérique', left, 70, { width });
  doc.font('Helvetica').fontSize(16).moveDown(0.5);
  doc.text(`Ce carnet contient ${plural(booklet.vouchers.length, 'chèque')} de ${formatEuros(booklet.faceValueCents)}.`, { width });
  doc.moveDown(0.5).text('Chaque chèque paie un atelier pour apprendre le numérique : utiliser un téléphone, un ordinateur, faire vos démarches en ligne.', { width });
  doc.moveDown(0.5).text('C’est gratuit pour vous.', { width });
  doc.moveDown(1).font('Helvetica-Bold').text('Où aller ?', { width });
  doc.font('Helvetica').text('Dans un lieu de médiation numérique près de chez vous. Pour trouver un lieu, lisez ce code avec l’appareil photo d’un téléphone, ou demandez à la personne qui vous a donné le carnet.', { width: width - 150 });
  drawQr(doc, `${base}/lieux?programme=${booklet.programmeId}`, A4.width - 60 - 130, doc.y - 100, 130);
  doc.moveDown(2).text(`Sur internet : ${base}/lieux`, left, Math.max(doc.y, 470), { width });
  doc.moveDown(1).font('Helvetica-Bold').text('Combien de chèques me reste-t-il ?', { width });
  doc.font('Helvetica').text(`Allez sur ${base}/carnet et écrivez :`, { width });
  doc.font('Helvetica-Bold').fontSize(20).text(`Numéro du carnet : ${formatBookletNumber(booklet.number)}`, { width });
  doc.text(booklet.pin === null ? 'Code secret : déjà remis à la personne (non réimprimé)' : `Code secret : ${booklet.pin}`, { width });
  const expiresAt = booklet.vouchers[0]?.expiresAt;
  doc.font('Helvetica').fontSize(12).moveDown(1);
  if (expiresAt) doc.text(`Les chèques sont valables jusqu’au ${frenchDay(expiresAt)}.`, { width });
  doc.text(`Programme : ${booklet.programmeName}. Financé par : ${booklet.funderNames.join(', ')}.`, { width });
}

/** Crop marks at every corner of the grid, outside the vouchers, to guide the guillotine. */
function cropMarks(doc: PDFKit.PDFDocument) {
  doc.lineWidth(0.5).strokeColor('#555555');
  for (let column = 0; column <= COLUMNS; column += 1) {
    const x = MARGIN + column * CELL.width;
    doc.moveTo(x, 4).lineTo(x, MARGIN - 4).moveTo(x, A4.height - MARGIN + 4).lineTo(x, A4.height - 4);
  }
  for (let row = 0; row <= ROWS; row += 1) {
    const y = MARGIN + row * CELL.height;
    doc.moveTo(4, y).lineTo(MARGIN - 4, y).moveTo(A4.width - MARGIN + 4, y).lineTo(A4.width - 4, y);
  }
  doc.stroke();
  doc.dash(2, { space: 3 }).strokeColor('#BBBBBB');
  for (let column = 1; column < COLUMNS; column += 1) doc.moveTo(MARGIN + column * CELL.width, MARGIN).lineTo(MARGIN + column * CELL.width, A4.height - MARGIN);
  for (let row = 1; row < ROWS; row += 1) doc.moveTo(MARGIN, MARGIN + row * CELL.height).lineTo(A4.width - MARGIN, MARGIN + row * CELL.height);
  doc.stroke().undash().strokeColor('black');
}

function voucher(doc: PDFKit.PDFDocument, booklet: PrintableBooklet, item: PrintableVoucher, index: number, x: number, y: number, publicUrl: string) {
  const pad = 12;
  // 29 modules of 1/25 inch; the texts on the left stop a quiet zone (4 modules) short of it.
  const qr = 84;
  const textWidth = CELL.width - qr - 2 * pad - 20;
  // Texts that fit are placed without a box: measuring for line breaks is most of pdfkit's text cost.
  doc.font('Helvetica-Bold').fontSize(9).text('PASS NUMÉRIQUE', x + pad, y + pad, { lineBreak: false });
  doc.fontSize(22).text(formatEuros(booklet.faceValueCents), x + pad, y + pad + 11, { lineBreak: false });
  doc.font('Helvetica').fontSize(8).text(booklet.programmeName, x + pad, y + pad + 38, { width: textWidth, height: 10, ellipsis: true, lineBreak: false });
  doc.text(`Financé par ${booklet.funderNames.join(', ')}`, x + pad, y + pad + 49, { width: textWidth, height: 10, ellipsis: true, lineBreak: false });
  doc.font('Helvetica-Bold').fontSize(7.5).text(`Valable jusqu’au ${frenchDay(item.expiresAt)}`, x + pad, y + pad + 63, { lineBreak: false });
  doc.font('Courier-Bold').fontSize(13).text(formatVoucherCode(item.code), x + pad, y + pad + 84, { lineBreak: false });
  doc.font('Helvetica').fontSize(7).text(`Carnet ${formatBookletNumber(booklet.number)} · chèque ${index + 1}/${booklet.vouchers.length} · à remettre au lieu de médiation`, x + pad, y + CELL.height - pad - 10, { lineBreak: false });
  // 20 pt from the cut line: a QR code needs four modules (~13 pt) of blank quiet zone around it.
  drawQr(doc, voucherUrl(publicUrl, item.code), x + CELL.width - 20 - qr, y + pad + 8, qr);
}

export interface PrintOptions {
  publicUrl: string;
  onBooklet?: (printed: number) => void;
}

/** One booklet after another: its cover, then its vouchers ten to an A4 page with crop marks. Streamed. */
export function bookletsPdf(booklets: AsyncIterable<PrintableBooklet>, options: PrintOptions): Readable {
  const doc = new PDFDocument({ size: 'A4', margin: 0, autoFirstPage: false, info: { Title: 'Carnets du pass numérique', Author: 'Numérique inclusif' } });
  const out = new PassThrough();
  doc.pipe(out);
  (async () => {
    let printed = 0;
    for await (const booklet of booklets) {
      doc.addPage();
      cover(doc, booklet, options.publicUrl);
      booklet.vouchers.forEach((item, index) => {
        const slot = index % (COLUMNS * ROWS);
        if (slot === 0) {
          doc.addPage();
          cropMarks(doc);
        }
        voucher(doc, booklet, item, index, MARGIN + (slot % COLUMNS) * CELL.width, MARGIN + Math.floor(slot / COLUMNS) * CELL.height, options.publicUrl);
      });
      printed += 1;
      options.onBooklet?.(printed);
      // Let the stream flush between booklets: a whole order never sits in memory.
      await new Promise((resolve) => setImmediate(resolve));
    }
    doc.end();
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}
