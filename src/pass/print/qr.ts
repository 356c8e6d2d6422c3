import QRCode from 'qrcode';

/** Raw content-stream access: one string per QR code instead of hundreds of calls (pdfkit's own rect() does this). */
interface RawContent {
  addContent(operators: string): unknown;
}

// Hundredths of a point are plenty; rounding beats toFixed, which dominated the drawing time.
const n = (value: number) => Math.round(value * 100) / 100;

/**
 * A QR code as filled rectangles, one per horizontal run of dark modules. The mask pattern is fixed: choosing the
 * "best" of eight costs most of the encoding time, and any mask is valid for every reader (ISO/IEC 18004).
 */
export function drawQr(doc: PDFKit.PDFDocument, text: string, x: number, y: number, size: number): void {
  // One explicit byte segment: letting the library search the optimal segmentation costs twice the encoding.
  const { modules } = QRCode.create([{ data: Buffer.from(text), mode: 'byte' }], { errorCorrectionLevel: 'M', maskPattern: 2 } as QRCode.QRCodeOptions);
  const count = modules.size;
  const cell = size / count;
  const operators: string[] = [];
  for (let row = 0; row < count; row += 1) {
    let start = -1;
    for (let column = 0; column <= count; column += 1) {
      const dark = column < count && modules.get(row, column) === 1;
      if (dark && start < 0) start = column;
      if (!dark && start >= 0) {
        operators.push(`${n(x + start * cell)} ${n(y + row * cell)} ${n((column - start) * cell)} ${n(cell)} re`);
        start = -1;
      }
    }
  }
  doc.fillColor('black');
  (doc as unknown as RawContent).addContent(`${operators.join('\n')}\nf`);
}
