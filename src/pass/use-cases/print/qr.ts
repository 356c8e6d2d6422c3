import QRCode from 'qrcode';

/**
 * How a QR code is written into the page. `image`: a 1-bit inline image mask (one byte per 8 modules, ~200 bytes a
 * code), which printers and poppler render module for module; `vector`: one filled rectangle per horizontal run of
 * dark modules (~7 kB of operators a code before compression). Both decode alike; the image is 4× smaller and
 * cheaper to compress (docs/BENCHMARKS.md, ADR 0008).
 */
export type QrStyle = 'image' | 'vector';

/** One code to draw: its text and the side of the square it may take, in points. */
export interface QrJob {
  text: string;
  size: number;
}

// Hundredths of a point are plenty; rounding beats toFixed, which dominated the drawing time.
const MODULE = 72 / 25;
const rowOverlap = (cell: number) => cell * 0.06;
const n = (value: number) => Math.round(value * 100) / 100;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

/**
 * A QR code as content-stream operators in a local frame: origin at its top-left corner, y downwards (pdfkit's user
 * space), so that the caller places it with one `cm`. Pure and position-free: worker threads compute these while the
 * main thread lays out the pages (print/qr-pool.ts).
 *
 * The library chooses the mask by the standard's penalty rules: a fixed mask was four times faster to encode, but zbar
 * missed 1 code in 150. One explicit byte segment: letting the library search the optimal segmentation costs twice.
 */
export function qrDrawing({ text, size }: QrJob, style: QrStyle): string {
  const { modules } = QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { errorCorrectionLevel: 'M' } as QRCode.QRCodeOptions);
  const count = modules.size;
  // Modules of 1/25 inch: a whole number of dots at 150, 200, 300 and 600 dpi, so no module is blurred in between.
  const cell = Math.max(MODULE, Math.floor(size / count / MODULE) * MODULE);
  if (style === 'image') {
    // An image mask paints where a sample is 0: dark modules are 0 bits, light ones (and the row padding) 1 bits.
    const rowBytes = Math.ceil(count / 8);
    let hex = '';
    for (let row = 0; row < count; row += 1) {
      for (let group = 0; group < rowBytes; group += 1) {
        let byte = 0;
        for (let bit = 0; bit < 8; bit += 1) {
          const column = group * 8 + bit;
          if (column >= count || modules.get(row, column) !== 1) byte |= 0x80 >> bit;
        }
        hex += HEX[byte];
      }
    }
    const side = n(count * cell);
    // The unit square, flipped back (pdfkit's space has y downwards): the image's first row at the top.
    return `${side} 0 0 ${-side} 0 ${side} cm\nBI /W ${count} /H ${count} /IM true /BPC 1 /F /AHx ID\n${hex}>\nEI`;
  }
  const overlap = rowOverlap(cell);
  const operators: string[] = [];
  for (let row = 0; row < count; row += 1) {
    let start = -1;
    for (let column = 0; column <= count; column += 1) {
      const dark = column < count && modules.get(row, column) === 1;
      if (dark && start < 0) start = column;
      if (!dark && start >= 0) {
        // Rows overlap by a hair: abutting rectangles leave anti-aliasing seams that readers take for light modules.
        operators.push(`${n(start * cell)} ${n(row * cell)} ${n((column - start) * cell)} ${n(cell + overlap)} re`);
        start = -1;
      }
    }
  }
  return `${operators.join('\n')}\nf`;
}

/** Raw content-stream access: one string per QR code instead of hundreds of calls (pdfkit's own rect() does this). */
interface RawContent {
  addContent(operators: string): unknown;
}

/** Places a drawing of `qrDrawing` with its top-left corner at (x, y), in black. */
export function placeQr(doc: PDFKit.PDFDocument, drawing: string, x: number, y: number): void {
  doc.fillColor('black');
  (doc as unknown as RawContent).addContent(`q 1 0 0 1 ${n(x)} ${n(y)} cm\n${drawing}\nQ`);
}
