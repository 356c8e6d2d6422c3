import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatEuros, formatNumber, formatPercent, NARROW_NBSP, NBSP } from '../../../src/shared/french.js';
import { createPdf, fitText, pdfFonts, PDF_FONTS, wrapText } from '../../../src/shared/pdf.js';

/** Every character our documents write: French letters and typography, the two no-break spaces, the euro. */
const WRITTEN = `àâäçéèêëîïôöùûüÿœæÀÂÇÉÈÊËÎÏÔŒÆ’‘«»“”—–…·•→€°№${NARROW_NBSP}${NBSP}`;

test('the embedded fonts have a glyph for every character our documents write', () => {
  const fonts = pdfFonts();
  for (const key of ['regular', 'bold'] as const) {
    const missing = [...WRITTEN].filter((char) => !fonts[key].hasGlyphForCodePoint(char.codePointAt(0)!));
    assert.deepEqual(missing, [], key);
  }
  // Voucher codes: the code alphabet and the dash.
  const missing = [...'23456789ABCDEFGHJKMNPQRSTVWXYZ-'].filter((char) => !fonts.mono.hasGlyphForCodePoint(char.codePointAt(0)!));
  assert.deepEqual(missing, []);
});

test('amounts and numbers written with the French formatter read back from the PDF as written (pdftotext)', async () => {
  const doc = createPdf({ size: 'A4', margin: 50 });
  const lines = [formatEuros(200_000), formatEuros(123_456_789), formatNumber(12_345), formatPercent(3333), 'Réservé à l’État « pass » — œuvre · 3 €'];
  doc.font(PDF_FONTS.regular).fontSize(12);
  for (const line of lines) doc.text(line);
  doc.font(PDF_FONTS.bold).text(formatEuros(200_000));
  doc.end();
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pdf-')), 'montants.pdf');
  writeFileSync(file, await buffer(doc));
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', file, '-'], { encoding: 'utf8' });
  const read = text.split('\n').map((line) => line.trim()).filter(Boolean);
  // poppler writes every kind of space as a plain space: what matters is that nothing else stands in for them.
  const spaced = (line: string) => line.replace(/[\u00a0\u202f]/g, ' ');
  assert.deepEqual(read, [...lines, formatEuros(200_000)].map(spaced));
  assert.equal(read[0], '2 000,00 €');
  assert.doesNotMatch(text, /\//, 'no « 2 /000,00 € » (what the standard fonts drew for U+202F)');
  // Every font of the file is embedded (a subset), none of the 14 standard fonts is left.
  const fonts = execFileSync('pdffonts', [file], { encoding: 'utf8' }).split('\n').slice(2).filter(Boolean);
  assert.ok(fonts.length >= 2, fonts.join('\n'));
  for (const font of fonts) assert.match(font, /^[A-Z]{6}\+DejaVuSans(-Bold)?\s+CID TrueType\s+Identity-H\s+yes yes yes/, font);
});

test('fitText: one line never wider than asked, cut with « … » only when needed (property)', () => {
  const doc = createPdf({ size: 'A4' }).font(PDF_FONTS.regular).fontSize(9);
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(...'abcdéèà ÉŒœ’«»-_WMi'.split('')), maxLength: 80 }), fc.integer({ min: 20, max: 300 }), (text, width) => {
      const fitted = fitText(doc, text, width);
      if (doc.widthOfString(text) <= width) assert.equal(fitted, text);
      else {
        assert.ok(fitted.endsWith('…'), fitted);
        assert.ok(doc.widthOfString(fitted) <= width || fitted === '…', `${fitted} : ${doc.widthOfString(fitted)} > ${width}`);
        assert.ok(text.startsWith(fitted.slice(0, -1).trimEnd()));
      }
    }),
  );
});

test('wrapText: lines within the width, every word kept in order, a word longer than a line cut (property)', () => {
  const doc = createPdf({ size: 'A4' }).font(PDF_FONTS.regular).fontSize(7);
  const word = fc.string({ unit: fc.constantFrom(...'abcdeéèàÉŒœ’'.split('')), minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(fc.array(word, { minLength: 1, maxLength: 30 }), fc.integer({ min: 30, max: 250 }), (words, width) => {
      const text = words.join(' ');
      const lines = wrapText(doc, text, width);
      for (const line of lines) assert.ok(doc.widthOfString(line) <= width || [...line].length === 1, `« ${line} » : ${doc.widthOfString(line)} > ${width}`);
      assert.equal(lines.join('').replace(/\s/g, ''), text.replace(/\s/g, ''));
      if (words.every((w) => doc.widthOfString(w) <= width)) assert.equal(lines.join(' '), text);
    }),
  );
});

test('the fonts are parsed once per process: a document costs the glyphs it uses, not the fonts', async () => {
  assert.equal(pdfFonts(), pdfFonts());
  const doc = createPdf({ size: 'A4' });
  doc.text(`Relevé : ${formatEuros(100)}`);
  doc.end();
  const bytes = (await buffer(doc)).length;
  assert.ok(bytes < 40_000, `${bytes} octets pour une ligne de texte : les polices sont réduites aux glyphes utilisés`);
});
