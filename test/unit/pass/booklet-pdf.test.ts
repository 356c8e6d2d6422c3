import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { before, describe, test } from 'node:test';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { bookletsPdf, voucherUrl, type PrintableBooklet, type PrintOptions } from '../../../src/pass/use-cases/print/booklet-pdf.js';

const SECRET = 'secret-de-test-des-carnets';
const PUBLIC_URL = 'https://pass.example.fr';
const FUNDERS = [
  'Département de Loire-Atlantique',
  'État — Agence nationale de la cohésion des territoires',
  'Caisse d’allocations familiales de Loire-Atlantique',
  'Communauté de communes de Châteaubriant-Derval',
  'Intercommunalitéextraordinairementlonguesansaucunespace',
];
const PROGRAMME = 'Pass numérique Loire-Atlantique 2026 pour les habitants des quartiers prioritaires et des communes rurales';

/** A whole order without a database: `count` booklets of ten vouchers. */
async function* order(count: number, funderNames = FUNDERS): AsyncGenerator<PrintableBooklet> {
  for (let b = 0; b < count; b += 1) {
    yield {
      number: String(500_000_001 + b), pin: '4821', programmeId: 7, programmeName: PROGRAMME, funderNames, faceValueCents: 1000,
      vouchers: Array.from({ length: 10 }, (_, i) => ({ code: makeVoucherCode(SECRET, b * 10 + i + 1), expiresAt: new Date('2027-12-31T12:00:00Z') })),
    };
  }
}

let dir: string;
async function print(name: string, count: number, options: Partial<PrintOptions> = {}, funderNames = FUNDERS): Promise<string> {
  const file = path.join(dir, name);
  await pipeline(bookletsPdf(order(count, funderNames), { publicUrl: PUBLIC_URL, ...options }), createWriteStream(file));
  return file;
}

const pages = (file: string) => Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);

/** Renders one page with poppler and decodes every QR code on it with zbar. */
function decodePage(file: string, page: number, dpi: number): string[] {
  const prefix = path.join(dir, `${path.basename(file)}-${page}-${dpi}`);
  execFileSync('pdftoppm', ['-r', String(dpi), '-f', String(page), '-l', String(page), '-png', '-singlefile', file, prefix]);
  const output = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', `${prefix}.png`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return output.split('\n').filter(Boolean).sort();
}

interface Word {
  page: number;
  text: string;
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** Every word poppler finds, with its box in points (origin top-left, as pdfkit places things). */
function words(file: string): Word[] {
  const html = execFileSync('pdftotext', ['-bbox', file, '-'], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const found: Word[] = [];
  html.split('<page ').slice(1).forEach((page, index) => {
    for (const m of page.matchAll(/<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)<\/word>/g)) {
      found.push({ page: index + 1, text: m[5]!.replace(/&amp;/g, '&'), xMin: Number(m[1]), yMin: Number(m[2]), xMax: Number(m[3]), yMax: Number(m[4]) });
    }
  });
  return found;
}

const CELL = { width: (595.28 - 48) / 2, height: (841.89 - 48) / 5 };
const QUIET = (4 * 72) / 25;

describe('printed booklets (pdfkit, poppler and zbar, no database)', () => {
  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'carnets-mise-en-page-'));
  });

  test('every co-funder is printed on the cover and on each voucher; long names wrap inside the voucher, clear of the QR code', async () => {
    const file = await print('longs.pdf', 2, { workers: 0 });
    assert.equal(pages(file), 4);
    const all = words(file);
    const cover = all.filter((w) => w.page === 1).map((w) => w.text).join(' ');
    assert.ok(cover.replace(/\s+/g, ' ').includes(`Financé par ${FUNDERS.slice(0, -1).join(', ')} et ${FUNDERS.at(-1)}.`), cover);
    assert.ok(cover.includes(PROGRAMME.split(' ').slice(-3).join(' ')), 'the cover names the whole programme');
    for (const page of [2, 4]) {
      const cells = new Map<string, Word[]>();
      for (const word of all.filter((w) => w.page === page)) {
        const column = Math.floor((word.xMin - 24) / CELL.width);
        const row = Math.floor((word.yMin - 24) / CELL.height);
        const left = 24 + column * CELL.width;
        const top = 24 + row * CELL.height;
        // Inside its voucher, 12 pt from the cut lines: nothing runs into the neighbour or off the guillotine.
        assert.ok(word.xMin >= left + 11.5 && word.xMax <= left + CELL.width - 11.5, `« ${word.text} » déborde de son chèque (x ${word.xMin}–${word.xMax})`);
        assert.ok(word.yMax <= top + CELL.height - 2, `« ${word.text} » déborde en bas (y ${word.yMax})`);
        // Never inside the QR code or its quiet zone (83.5 pt square, 20 pt from the right cut line, 12 pt from the top).
        const qr = { xMin: left + CELL.width - 20 - 83.52 - QUIET, xMax: left + CELL.width - 20 + QUIET, yMin: top + 12 - QUIET, yMax: top + 12 + 83.52 + QUIET };
        const overlaps = word.xMax > qr.xMin && word.xMin < qr.xMax && word.yMax > qr.yMin && word.yMin < qr.yMax;
        assert.ok(!overlaps, `« ${word.text} » touche le QR code ou sa marge (${word.xMin},${word.yMin})`);
        const key = `${column}-${row}`;
        cells.set(key, [...(cells.get(key) ?? []), word]);
      }
      assert.equal(cells.size, 10, `page ${page} : dix chèques`);
      for (const [key, cell] of cells) {
        const text = cell.map((w) => w.text).join('');
        for (const name of FUNDERS) assert.ok(text.includes(name.replace(/\s/g, '')), `chèque ${key} de la page ${page} : « ${name} » manque`);
        assert.ok(text.includes('PASSNUMÉRIQUE') && text.includes('10,00€') && text.includes('31décembre2027'), text);
      }
    }
  });

  test('a short list of co-funders keeps its normal size on one line; the code is printed under the amount', async () => {
    const file = await print('courts.pdf', 1, { workers: 0 }, ['Département de Loire-Atlantique', 'État']);
    const text = execFileSync('pdftotext', ['-layout', '-f', '2', '-l', '2', file, '-'], { encoding: 'utf8' });
    assert.equal(text.match(/Financé par Département de Loire-Atlantique et État\./g)?.length, 10, text);
    const codes = [...text.matchAll(/[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}/g)].map((m) => m[0]).sort();
    assert.deepEqual(codes, Array.from({ length: 10 }, (_, i) => formatVoucherCode(makeVoucherCode(SECRET, i + 1))).sort());
  });

  test('printed on worker threads, an order gives the same pages as on one core, each QR code on its own voucher, decoded at 150, 200 and 300 dpi', async () => {
    const oneCore = await print('un-coeur.pdf', 30, { workers: 0 });
    const parallel = await print('parallele.pdf', 30, { workers: 2 });
    assert.equal(pages(parallel), 60);
    assert.equal(execFileSync('pdftotext', ['-layout', parallel, '-'], { encoding: 'utf8' }), execFileSync('pdftotext', ['-layout', oneCore, '-'], { encoding: 'utf8' }));
    const urls = (booklet: number) => Array.from({ length: 10 }, (_, i) => voucherUrl(PUBLIC_URL, makeVoucherCode(SECRET, booklet * 10 + i + 1))).sort();
    for (let booklet = 0; booklet < 30; booklet += 1) {
      assert.deepEqual(decodePage(parallel, 2 * booklet + 2, 150), urls(booklet), `carnet ${booklet + 1}, 150 dpi`);
    }
    for (const booklet of [0, 17, 29]) assert.deepEqual(decodePage(parallel, 2 * booklet + 1, 150), [`${PUBLIC_URL}/lieux?programme=7`], `couverture ${booklet + 1}`);
    for (const booklet of [0, 29]) {
      for (const dpi of [200, 300]) assert.deepEqual(decodePage(parallel, 2 * booklet + 2, dpi), urls(booklet), `carnet ${booklet + 1}, ${dpi} dpi`);
    }
    // Voucher by voucher: the QR code in a cell holds the code printed in that cell.
    for (const page of [8, 60]) {
      for (let slot = 0; slot < 10; slot += 1) {
        const crop = { x: 24 + (slot % 2) * CELL.width, y: 24 + Math.floor(slot / 2) * CELL.height };
        const printed = execFileSync('pdftotext', ['-f', String(page), '-l', String(page), '-x', String(Math.floor(crop.x)), '-y', String(Math.floor(crop.y)), '-W', String(Math.floor(CELL.width)), '-H', String(Math.floor(CELL.height)), parallel, '-'], { encoding: 'utf8' });
        const code = /[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}/.exec(printed)![0];
        const scale = 150 / 72;
        const prefix = path.join(dir, `cellule-${page}-${slot}`);
        execFileSync('pdftoppm', ['-r', '150', '-f', String(page), '-l', String(page), '-x', String(Math.floor(crop.x * scale)), '-y', String(Math.floor(crop.y * scale)), '-W', String(Math.floor(CELL.width * scale)), '-H', String(Math.floor(CELL.height * scale)), '-png', '-singlefile', parallel, prefix]);
        const decoded = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', `${prefix}.png`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        assert.equal(decoded, `${PUBLIC_URL}/c/${code}`, `page ${page}, chèque ${slot + 1}`);
      }
    }
  });

  test('the QR codes drawn as vector rectangles (the measured alternative) decode too', async () => {
    const file = await print('vectoriel.pdf', 1, { workers: 0, qrStyle: 'vector' });
    const expected = Array.from({ length: 10 }, (_, i) => voucherUrl(PUBLIC_URL, makeVoucherCode(SECRET, i + 1))).sort();
    assert.deepEqual(decodePage(file, 2, 200), expected);
  });
});
