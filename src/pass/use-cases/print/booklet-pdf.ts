import { PassThrough, type Readable } from 'node:stream';
import { frenchDay } from '../../../shared/dates.js';
import { formatEuros, frenchList, plural } from '../../../shared/french.js';
import { createPdf, fitText, PDF_FONTS, wrapText } from '../../../shared/pdf.js';
import { formatBookletNumber } from '../../domain/booklet-number.js';
import { formatVoucherCode } from '../../domain/voucher-code.js';
import { defaultPrintWorkers, inThreadEncoder, workerEncoder, type QrEncoder } from './qr-pool.js';
import { placeQr, type QrJob, type QrStyle } from './qr.js';

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
  /** Every co-funder of the order, largest share first: all are printed, on the cover and on each voucher. */
  funderNames: string[];
  faceValueCents: number;
  vouchers: PrintableVoucher[];
}

const A4 = { width: 595.28, height: 841.89 };
const MARGIN = 24;
const COLUMNS = 2;
const ROWS = 5;
const CELL = { width: (A4.width - 2 * MARGIN) / COLUMNS, height: (A4.height - 2 * MARGIN) / ROWS };
const PAD = 12;
/**
 * 29 modules of 1/25 inch (83.5 pt), 12 pt below the top cut line and 20 pt left of the right one: a QR code needs
 * four modules (11.5 pt) of blank quiet zone around it.
 */
const VOUCHER_QR = 84;
const VOUCHER_QR_TOP = PAD;
const COVER_QR = 130;
/** Below the code and its quiet zone, texts take the whole width of the voucher. */
const FULL_WIDTH = CELL.width - 2 * PAD;
const BELOW_QR = VOUCHER_QR_TOP + VOUCHER_QR + 12;
const FOOTER_TOP = CELL.height - PAD;
/** Room for « Financé par … » between the programme line and the footer line. */
const FUNDERS_TOP = BELOW_QR + 10;
const FUNDERS_HEIGHT = FOOTER_TOP - FUNDERS_TOP - 1;

/** The address a voucher's QR code holds: the public page of the voucher, its code readable in the URL. */
export const voucherUrl = (publicUrl: string, code: string) => `${publicUrl.replace(/\/$/, '')}/c/${formatVoucherCode(code)}`;
const placesUrl = (publicUrl: string, booklet: PrintableBooklet) => `${publicUrl.replace(/\/$/, '')}/lieux?programme=${booklet.programmeId}`;

const fundersSentence = (booklet: PrintableBooklet) => (booklet.funderNames.length ? `Financé par ${frenchList(booklet.funderNames)}.` : '');

/**
 * Paragraphs broken into lines once per document (the same sentences open every booklet of an order) and drawn line
 * by line without pdfkit's line wrapper, which made the cover cost as much as its ten vouchers.
 */
type LineCache = Map<string, string[]>;

type Font = (typeof PDF_FONTS)[keyof typeof PDF_FONTS];

/** Draws `text` from (x, y) within `width` in `font` at `size`; returns the y below it. */
function paragraph(doc: PDFKit.PDFDocument, cache: LineCache, font: Font, size: number, text: string, x: number, y: number, width: number): number {
  doc.font(font).fontSize(size);
  const key = `${font} ${size} ${width} ${text}`;
  let lines = cache.get(key);
  if (!lines) cache.set(key, (lines = wrapText(doc, text, width)));
  const lineHeight = doc.currentLineHeight(true);
  for (const line of lines) {
    doc.text(line, x, y, { lineBreak: false });
    y += lineHeight;
  }
  return y;
}

function cover(doc: PDFKit.PDFDocument, cache: LineCache, booklet: PrintableBooklet, publicUrl: string, qr: string) {
  const base = publicUrl.replace(/\/$/, '');
  const left = 60;
  const width = A4.width - 120;
  const { regular, bold } = PDF_FONTS;
  const say = (font: Font, size: number, text: string, y: number, textWidth = width) => paragraph(doc, cache, font, size, text, left, y, textWidth);
  /** `lines` blank lines of the current font and size, as pdfkit's moveDown. */
  const gap = (lines: number) => lines * doc.currentLineHeight(true);
  let y = say(bold, 30, 'Pass numérique', 70);
  doc.font(regular).fontSize(15);
  y = say(regular, 15, `Ce carnet contient ${plural(booklet.vouchers.length, 'chèque')} de ${formatEuros(booklet.faceValueCents)}.`, y + gap(0.5));
  y = say(regular, 15, 'Chaque chèque paie un atelier pour apprendre le numérique : utiliser un téléphone, un ordinateur, faire vos démarches en ligne.', y + gap(0.5));
  y = say(regular, 15, 'C’est gratuit pour vous.', y + gap(0.5));
  y = say(bold, 15, 'Où aller ?', y + gap(1));
  const qrTop = y;
  y = say(regular, 15, 'Dans un lieu de médiation numérique près de chez vous. Pour trouver un lieu, lisez ce code avec l’appareil photo d’un téléphone, ou demandez à la personne qui vous a donné le carnet.', y, width - COVER_QR - 20);
  placeQr(doc, qr, A4.width - 60 - COVER_QR, qrTop);
  y = say(regular, 15, `Sur internet : ${base}/lieux`, Math.max(y + gap(1), qrTop + COVER_QR + 12));
  y = say(bold, 15, 'Combien de chèques me reste-t-il ?', y + gap(1));
  y = say(regular, 15, `Allez sur ${base}/carnet et écrivez :`, y);
  y = say(bold, 19, `Numéro du carnet : ${formatBookletNumber(booklet.number)}`, y);
  y = say(bold, 19, booklet.pin === null ? 'Code secret : déjà remis à la personne (non réimprimé)' : `Code secret : ${booklet.pin}`, y);
  doc.font(regular).fontSize(12);
  y += gap(1);
  const expiresAt = booklet.vouchers[0]?.expiresAt;
  if (expiresAt) y = say(regular, 12, `Les chèques sont valables jusqu’au ${frenchDay(expiresAt)}.`, y);
  say(regular, 12, `Programme : ${booklet.programmeName}. ${fundersSentence(booklet)}`, y);
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

/** The texts of a booklet that every voucher repeats, broken into lines once per booklet. */
interface VoucherTexts {
  programme: string;
  funders: { size: number; lineHeight: number; lines: string[] };
}

/**
 * Every co-funder is named, however many and however long: the sentence wraps over the voucher's width and its size
 * goes down until it fits the room left (from 7 pt; below 5 pt it would not be read, so the last line is cut).
 */
function voucherTexts(doc: PDFKit.PDFDocument, booklet: PrintableBooklet): VoucherTexts {
  doc.font(PDF_FONTS.bold).fontSize(7.5);
  const programme = fitText(doc, booklet.programmeName, FULL_WIDTH);
  doc.font(PDF_FONTS.regular);
  const sentence = fundersSentence(booklet);
  for (const size of [7, 6.5, 6, 5.5, 5]) {
    const lineHeight = size * 1.2;
    doc.fontSize(size);
    const lines = wrapText(doc, sentence, FULL_WIDTH);
    if (lines.length * lineHeight <= FUNDERS_HEIGHT || size === 5) {
      const fit = Math.max(1, Math.floor(FUNDERS_HEIGHT / lineHeight));
      if (lines.length > fit) lines.splice(fit - 1, lines.length, fitText(doc, lines.slice(fit - 1).join(' '), FULL_WIDTH));
      return { programme, funders: { size, lineHeight, lines } };
    }
  }
  throw new Error('unreachable');
}

function voucher(doc: PDFKit.PDFDocument, booklet: PrintableBooklet, texts: VoucherTexts, item: PrintableVoucher, index: number, x: number, y: number, qr: string) {
  // Texts are placed without a box (lineBreak: false): measuring for line breaks is most of pdfkit's text cost. The
  // left column's texts (at most 125 pt wide) stop a quiet zone (4 modules, 11.5 pt) short of the code.
  doc.font(PDF_FONTS.bold).fontSize(9).text('PASS NUMÉRIQUE', x + PAD, y + PAD, { lineBreak: false });
  doc.fontSize(22).text(formatEuros(booklet.faceValueCents), x + PAD, y + PAD + 11, { lineBreak: false });
  doc.font(PDF_FONTS.regular).fontSize(7.5).text('Valable jusqu’au', x + PAD, y + PAD + 42, { lineBreak: false });
  doc.font(PDF_FONTS.bold).fontSize(9).text(frenchDay(item.expiresAt), x + PAD, y + PAD + 52, { lineBreak: false });
  doc.font(PDF_FONTS.mono).fontSize(12).text(formatVoucherCode(item.code), x + PAD, y + PAD + 72, { lineBreak: false });
  placeQr(doc, qr, x + CELL.width - 20 - VOUCHER_QR, y + VOUCHER_QR_TOP);
  doc.font(PDF_FONTS.bold).fontSize(7.5).text(texts.programme, x + PAD, y + BELOW_QR, { lineBreak: false });
  doc.font(PDF_FONTS.regular).fontSize(texts.funders.size);
  texts.funders.lines.forEach((line, i) => doc.text(line, x + PAD, y + FUNDERS_TOP + i * texts.funders.lineHeight, { lineBreak: false }));
  doc.fontSize(6.5).text(`Carnet ${formatBookletNumber(booklet.number)} · chèque ${index + 1} sur ${booklet.vouchers.length} · à remettre au lieu de médiation`, x + PAD, y + FOOTER_TOP, { lineBreak: false });
}

export interface PrintOptions {
  publicUrl: string;
  onBooklet?: (printed: number) => void;
  /**
   * Worker threads computing the QR codes while this thread lays out the pages; 0 computes everything on this thread.
   * By default, a few booklets are printed on this thread (one booklet is not worth starting a thread), then every core
   * but one joins in.
   */
  workers?: number;
  qrStyle?: QrStyle;
}

/** Booklets printed on the calling thread before worker threads are started (`workers` not given). */
const AUTO_WORKERS_AFTER = 4;

/** The QR codes of a booklet, cover first, then its vouchers in order. */
const qrJobs = (booklet: PrintableBooklet, publicUrl: string): QrJob[] => [
  { text: placesUrl(publicUrl, booklet), size: COVER_QR },
  ...booklet.vouchers.map((item) => ({ text: voucherUrl(publicUrl, item.code), size: VOUCHER_QR })),
];

/** Resolves when the reader has taken what was written (or went away): a slow download never piles up the order. */
const drained = (out: PassThrough) =>
  new Promise<void>((resolve) => {
    const done = () => {
      out.off('drain', done).off('close', done);
      resolve();
    };
    out.on('drain', done).on('close', done);
  });

/**
 * One booklet after another: its cover, then its vouchers ten to an A4 page with crop marks. Streamed: the booklets
 * are read page by page, and their QR codes are computed a few booklets ahead by worker threads (ADR 0008), each
 * booklet's awaited in turn so that the file keeps the order's order.
 */
export function bookletsPdf(booklets: AsyncIterable<PrintableBooklet>, options: PrintOptions): Readable {
  const doc = createPdf({ size: 'A4', margin: 0, autoFirstPage: false, info: { Title: 'Carnets du pass numérique', Author: 'Numérique inclusif' } });
  const out = new PassThrough();
  doc.pipe(out);
  const style = options.qrStyle ?? 'image';
  const encoders: QrEncoder[] = [];
  let encoder = inThreadEncoder(style);
  let ahead = 1;
  const useWorkers = (workers: number) => {
    if (workers <= 0) return;
    encoders.push((encoder = workerEncoder(workers, style)));
    ahead = workers * 4;
  };
  if (options.workers !== undefined) useWorkers(options.workers);
  (async () => {
    const source = booklets[Symbol.asyncIterator]();
    const queue: { booklet: PrintableBooklet; drawings: Promise<string[]> }[] = [];
    let exhausted = false;
    const textsCache = new Map<string, VoucherTexts>();
    const lineCache: LineCache = new Map();
    let printed = 0;
    let read = 0;
    try {
      for (;;) {
        while (!exhausted && queue.length < ahead) {
          const next = await source.next();
          if (next.done) exhausted = true;
          else {
            read += 1;
            if (options.workers === undefined && read === AUTO_WORKERS_AFTER + 1) useWorkers(defaultPrintWorkers());
            const drawings = encoder.encode(qrJobs(next.value, options.publicUrl));
            drawings.catch(() => undefined); // awaited below, in order; never an unhandled rejection meanwhile
            queue.push({ booklet: next.value, drawings });
          }
        }
        const head = queue.shift();
        if (!head || out.destroyed) break;
        const { booklet } = head;
        const [coverQr, ...voucherQrs] = await head.drawings;
        doc.addPage();
        cover(doc, lineCache, booklet, options.publicUrl, coverQr!);
        const key = `${booklet.programmeName}\u0000${booklet.funderNames.join('\u0000')}`;
        let texts = textsCache.get(key);
        if (!texts) textsCache.set(key, (texts = voucherTexts(doc, booklet)));
        booklet.vouchers.forEach((item, index) => {
          const slot = index % (COLUMNS * ROWS);
          if (slot === 0) {
            doc.addPage();
            cropMarks(doc);
          }
          voucher(doc, booklet, texts, item, index, MARGIN + (slot % COLUMNS) * CELL.width, MARGIN + Math.floor(slot / COLUMNS) * CELL.height, voucherQrs[index]!);
        });
        printed += 1;
        options.onBooklet?.(printed);
        // Let the stream flush between booklets, and wait for a slow reader: a whole order never sits in memory.
        if (out.writableNeedDrain) await drained(out);
        else await new Promise((resolve) => setImmediate(resolve));
      }
      if (!out.destroyed) doc.end();
    } finally {
      await Promise.all(encoders.map((e) => e.close()));
    }
  })().catch((error: unknown) => out.destroy(error as Error));
  return out;
}
