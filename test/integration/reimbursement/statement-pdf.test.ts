import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createWriteStream, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun, getRun } from '../../../src/reimbursement/use-cases/runs.js';
import { statementCsv, statementDetails, statementPdf } from '../../../src/reimbursement/use-cases/statements.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld } from '../../support/world.js';

const LINES = 120;
const PROGRAMME = 'Pass numérique de Loire-Atlantique pour les habitants des quartiers prioritaires et des communes rurales';

const text = (file: string, page?: number) =>
  execFileSync('pdftotext', ['-layout', ...(page ? ['-f', String(page), '-l', String(page)] : []), file, '-'], { encoding: 'utf8' }).replace(/[\u00a0\u202f]/g, ' ');

describe(`a statement of ${LINES} vouchers printed and read back on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let file: string;
  let codes: string[];
  let statementId: number;

  before(async () => {
    platform = await openTestPlatform();
    const world = await buildWorld(platform.db, { bookletCount: 13 });
    await platform.db.updateTable('programmes').set({ name: PROGRAMME }).where('id', '=', world.programmeId).execute();
    // Set-up in bulk: every voucher of the order handed; then 120 real redemptions at place A.
    await sql`update vouchers set status = 'handed' where order_id = ${world.orderId}`.execute(platform.db);
    const serials = (await platform.db.selectFrom('vouchers').select('serial').where('order_id', '=', world.orderId).orderBy('serial').limit(LINES).execute()).map((v) => v.serial);
    for (const serial of serials) await redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serial), world.placeA);
    codes = serials.map((serial) => formatVoucherCode(makeVoucherCode(platform.secret, serial)));
    const bank = await requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Association Lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    await confirmBankDetails(platform.db, world.admin.principal, bank);
    const run = await createRun(platform.db, world.admin.principal.userId, new Date().toISOString().slice(0, 10));
    statementId = (await getRun(platform.db, run.runId!)).statements.find((s) => s.place_id === world.placeA)!.id;
    file = path.join(mkdtempSync(path.join(os.tmpdir(), 'releve-')), 'releve.pdf');
    await pipeline(statementPdf(await statementDetails(platform.db, platform.secret, statementId)), createWriteStream(file));
  });
  after(() => platform?.dispose());

  test('every line is on a line of its own, each voucher code once, none drawn over another', () => {
    const all = text(file);
    for (const code of codes) assert.equal(all.split(code).length - 1, 1, `${code} : une fois`);
    const rows = all.split('\n').filter((line) => /^\s*\d\d\/\d\d\/\d{4} \d\d:\d\d/.test(line));
    assert.equal(rows.length, LINES);
    for (const row of rows) {
      // Date and time, the code, the programme cut with « … » to its column, the amount aligned right.
      assert.match(row, /^\s*\d\d\/\d\d\/\d{4} \d\d:\d\d\s+[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}\s+Pass numérique de Loire-Atlantique[^…]*…\s+10,00 €$/, row);
    }
    assert.deepEqual(rows.map((row) => /[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}/.exec(row)![0]).sort(), [...codes].sort());
  });

  test('pages numbered « Page n sur N », the table header repeated on each, the total at the end', () => {
    const count = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file], { encoding: 'utf8' }))![1]);
    assert.equal(count, 3, `${LINES} lignes sur trois pages A4`);
    for (let page = 1; page <= count; page += 1) {
      const content = text(file, page);
      assert.match(content, new RegExp(`Page ${page} sur ${count}`), `page ${page}`);
      assert.match(content, /Encaissé le\s+Code du chèque\s+Programme\s+Montant/, `en-tête page ${page}`);
      assert.equal(content.match(/Total :/g)?.length ?? 0, page === count ? 1 : 0, `total page ${page}`);
    }
    assert.match(text(file, 1), /120 chèques pour 1 200,00 €\./);
    assert.match(text(file, count), /Total : 120 chèques\s+1 200,00 €/);
  });

  test('the same statement as CSV: one row per voucher, amounts with a decimal comma', async () => {
    const csv = statementCsv(await statementDetails(platform.db, platform.secret, statementId));
    const rows = csv.replace('\uFEFF', '').trim().split('\r\n');
    assert.equal(rows.length, LINES + 1);
    assert.ok(rows.slice(1).every((row) => row.endsWith(';10,00')));
  });
});
