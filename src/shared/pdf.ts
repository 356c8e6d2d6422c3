import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { create, type Font } from 'fontkit';
import PDFDocument from 'pdfkit';

/**
 * Every PDF we produce (booklets, statements, funder reports, diagnostic summaries) starts here, with embedded fonts.
 * The PDF standard fonts (Helvetica, Courier) only know Windows-1252: the narrow no-break space that groups French
 * thousands (U+202F, « 2 000,00 € » from src/shared/french.ts) came out as « 2 /000,00 € ». DejaVu Sans has every
 * character we write (French letters, ’ « » € · → • and the no-break spaces); its licence (Bitstream Vera, DejaVu
 * changes in the public domain) allows embedding and redistribution, whoever operates the platform — unlike the DSFR's
 * Marianne, reserved to the State's own communication (and whose WOFF files fontkit does not read reliably).
 * Each document embeds only the glyphs it uses (a few kilobytes).
 */
export const PDF_FONTS = {
  /** Running text. */
  regular: 'Texte',
  /** Headings, amounts, labels. */
  bold: 'Texte-Gras',
  /** Voucher codes: fixed width, one glyph per character, easy to read aloud and to type. */
  mono: 'Code',
} as const;

const FILES: Record<keyof typeof PDF_FONTS, string> = {
  regular: 'DejaVuSans.ttf',
  bold: 'DejaVuSans-Bold.ttf',
  mono: 'DejaVuSansMono-Bold.ttf',
};

let parsed: Record<keyof typeof PDF_FONTS, Font> | undefined;

/**
 * Layout without OpenType shaping: one glyph per character (the font's cmap) and its advance width. French needs no
 * contextual forms; no ligature either, so the text copied from a PDF (or read by pdftotext) is the text written.
 * fontkit's shaper runs for every new word (pdfkit caches words per document only, and each line of a statement has
 * its own code and time): without it a 200-line statement takes 21 ms instead of 25, booklets print 5 % faster.
 * Kerning is left out, as it barely shows at these sizes.
 */
function withPlainLayout(font: Font): Font {
  font.layout = (text: string) => {
    const glyphs = font.glyphsForString(text);
    const positions = glyphs.map((glyph) => ({ xAdvance: glyph.advanceWidth, yAdvance: 0, xOffset: 0, yOffset: 0 }));
    return {
      glyphs,
      positions,
      // Read after pdfkit has scaled the positions to its units, as fontkit's own GlyphRun does.
      get advanceWidth() {
        return positions.reduce((sum, position) => sum + position.xAdvance, 0);
      },
    };
  };
  return font;
}

/**
 * The fonts, parsed once per process (or worker thread) and shared by every document: parsing the layout tables
 * costs ~12 ms per font, which each of the 5 000 statements of a national run would otherwise pay again.
 */
export function pdfFonts(): Record<keyof typeof PDF_FONTS, Font> {
  if (!parsed) {
    const require = createRequire(import.meta.url);
    const load = (file: string) => withPlainLayout(create(readFileSync(require.resolve(`dejavu-fonts-ttf/ttf/${file}`))));
    parsed = { regular: load(FILES.regular), bold: load(FILES.bold), mono: load(FILES.mono) };
  }
  return parsed;
}

/** A pdfkit document with our fonts registered (PDF_FONTS names) and the regular one selected. */
export function createPdf(options: PDFKit.PDFDocumentOptions): PDFKit.PDFDocument {
  const doc = new PDFDocument(options);
  const fonts = pdfFonts();
  // pdfkit takes an already parsed fontkit font (its PDFFontFactory checks for `layout`); its types only list files.
  for (const key of Object.keys(PDF_FONTS) as (keyof typeof PDF_FONTS)[]) doc.registerFont(PDF_FONTS[key], fonts[key] as unknown as Buffer);
  return doc.font(PDF_FONTS.regular);
}

/**
 * `text` cut to fit `width` at the current font and size, with « … » when it had to be cut: one line that never runs
 * into the next column (pdfkit's own ellipsis goes through its line wrapper, ten times slower per cell).
 */
export function fitText(doc: PDFKit.PDFDocument, text: string, width: number): string {
  if (doc.widthOfString(text) <= width) return text;
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (doc.widthOfString(`${text.slice(0, middle).trimEnd()}…`) <= width) low = middle;
    else high = middle - 1;
  }
  return `${text.slice(0, low).trimEnd()}…`;
}

/**
 * `text` broken into lines of at most `width` at the current font and size, between words (a word longer than a line
 * is cut): the caller draws each line where it wants, so a block of known height can be placed, or shrunk to fit.
 */
export function wrapText(doc: PDFKit.PDFDocument, text: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const candidate = line ? `${line} ${word}` : word;
    if (doc.widthOfString(candidate) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    let rest = word;
    while (doc.widthOfString(rest) > width && rest.length > 1) {
      let cut = rest.length - 1;
      while (cut > 1 && doc.widthOfString(rest.slice(0, cut)) > width) cut -= 1;
      lines.push(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
    line = rest;
  }
  if (line) lines.push(line);
  return lines;
}
