import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { verifyVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { bookletsPdf } from '../../../src/pass/use-cases/print/booklet-pdf.js';
import { printableBooklets } from '../../../src/pass/use-cases/print/printable.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet } from '../../support/world.js';

/** Renders one page with poppler and decodes every QR code on it with zbar: two tools independent of ours. */
function decodePage(pdf: string, page: number): string[] {
  const prefix = path.join(path.dirname(pdf), `page-${page}`);
  execFileSync('pdftoppm', ['-r', '200', '-f', String(page), '-l', String(page), '-png', '-singlefile', pdf, prefix]);
  const output = execFileSync('zbarimg', ['--quiet', '--raw', '-Sdisable', '-Sqrcode.enable', `${prefix}.png`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return output.split('\n').filter(Boolean);
}

describe(`printed booklets on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let dir: string;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    dir = mkdtempSync(path.join(os.tmpdir(), 'carnets-'));
  });
  after(() => platform.dispose());

  test('every QR code of a printed booklet is found by an independent decoder, and every code is authentic', async () => {
    const file = path.join(dir, 'carnet.pdf');
    await pipeline(bookletsPdf(printableBooklets(platform.db, platform.secret, { bookletNumber: world.handedBooklet }), { publicUrl: 'https://pass.example.fr' }), createWriteStream(file));
    const cover = decodePage(file, 1);
    assert.equal(cover.length, 1);
    assert.equal(cover[0], `https://pass.example.fr/lieux?programme=${world.programmeId}`);
    const decoded = decodePage(file, 2);
    assert.equal(decoded.length, 10, `10 QR codes sur la page, ${decoded.length} lus`);
    const serials = decoded.map((url) => {
      const match = /^https:\/\/pass\.example\.fr\/c\/([2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5})$/.exec(url);
      assert.ok(match, url);
      const verdict = verifyVoucherCode(platform.secret, match[1]!);
      assert.equal(verdict.ok, true, url);
      return verdict.ok ? verdict.serial : -1;
    });
    assert.deepEqual(serials.sort((a, b) => a - b), await serialsOfBooklet(platform.db, world.handedBooklet));
  });

  test('a whole order prints in one streamed file: a cover and a page of vouchers per booklet', async () => {
    const file = path.join(dir, 'commande.pdf');
    let progress = 0;
    await pipeline(bookletsPdf(printableBooklets(platform.db, platform.secret, { orderId: world.orderId }), { publicUrl: 'https://pass.example.fr', onBooklet: (n) => (progress = n) }), createWriteStream(file));
    assert.equal(progress, 4);
    const info = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
    assert.match(info, /Pages:\s+8/);
    assert.match(info, /Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    assert.ok(statSync(file).size > 10_000);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.pdf')).sort(), ['carnet.pdf', 'commande.pdf']);
  });

  test('printed with worker threads, the order keeps its order: every voucher of every booklet decoded, each co-funder named', async () => {
    const file = path.join(dir, 'parallele.pdf');
    await pipeline(bookletsPdf(printableBooklets(platform.db, platform.secret, { orderId: world.orderId }), { publicUrl: 'https://pass.example.fr', workers: 2 }), createWriteStream(file));
    const booklets = await platform.db.selectFrom('booklets').select('number').where('order_id', '=', world.orderId).orderBy('id').execute();
    const funders = await platform.db.selectFrom('order_cofunding as c').innerJoin('organisations as o', 'o.id', 'c.organisation_id').select('o.name').where('c.order_id', '=', world.orderId).orderBy('c.share_bp', 'desc').execute();
    assert.equal(funders.length, 2);
    for (const [index, booklet] of booklets.entries()) {
      const serials = decodePage(file, 2 * index + 2).map((url) => {
        const verdict = verifyVoucherCode(platform.secret, url.split('/c/')[1]!);
        return verdict.ok ? verdict.serial : -1;
      });
      assert.deepEqual(serials.sort((a, b) => a - b), await serialsOfBooklet(platform.db, booklet.number), `carnet ${booklet.number}, page ${2 * index + 2}`);
      const vouchers = execFileSync('pdftotext', ['-layout', '-f', String(2 * index + 2), '-l', String(2 * index + 2), file, '-'], { encoding: 'utf8' });
      assert.equal(vouchers.split(`Financé par ${funders[0]!.name} et ${funders[1]!.name}.`).length - 1, 10, vouchers);
    }
  });
});
