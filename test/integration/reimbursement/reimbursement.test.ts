import { httpStatus as httpStatusOf } from '../../../src/http/errors.js';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DomainError } from '../../../src/shared/errors.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { redeemVoucher, undoRedemption } from '../../../src/pass/use-cases/redemption.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { writeRunFiles, runTransferXml } from '../../../src/reimbursement/use-cases/files.js';
import { createRun, getRun, markRunPaid, rejectTransfer } from '../../../src/reimbursement/use-cases/runs.js';
import { statementCsv, statementDetails } from '../../../src/reimbursement/use-cases/statements.js';
import { createUser } from '../../../src/accounts/use-cases/store.js';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet } from '../../support/world.js';

// The official ISO 20022 schema, copied unchanged (see test/fixtures/README.md).
const XSD = path.resolve('test/fixtures/pain.001.001.03.xsd');

const refusal = (status: number, code?: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatusOf(error), status, error.message);
  if (code) assert.equal(error.code, code);
  return true;
};

/** xmllint against the official XSD; throws with its messages when the file is not valid. */
function validateAgainstXsd(xml: string): void {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pain-')), 'virements.xml');
  writeFileSync(file, xml);
  execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
}

describe(`reimbursement of places on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let serials: number[];
  const today = () => new Date().toISOString().slice(0, 10);
  const redeem = async (index: number, mediator = world.mediatorA, place = world.placeA) =>
    redeemVoucher(platform, mediator.principal, makeVoucherCode(platform.secret, serials[index]!), place);

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    serials = await serialsOfBooklet(platform.db, world.handedBooklet);
  });
  after(() => platform.dispose());

  test('bank details: validated, entered by a mediator, confirmed by another person, journaled', async () => {
    await assert.rejects(requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Lieu A', iban: 'FR76 3000 6000 0112 3456 7890 188', bic: 'AGRIFRPP' }), refusal(422, 'iban_invalide'));
    await assert.rejects(requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Lieu A', iban: 'FR7630006000011234567890189', bic: 'DEUTDEFF' }), refusal(422, 'bic_invalide'));
    await assert.rejects(requestBankDetails(platform.db, world.mediatorB.principal, world.placeA, { holderName: 'Lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' }), refusal(403));
    const id = await requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Association Lieu A — Médiation', iban: 'fr76 3000 6000 0112 3456 7890 189', bic: 'agrifrpp' });
    await assert.rejects(confirmBankDetails(platform.db, world.mediatorA.principal, id), refusal(403, 'meme_personne'));
    await assert.rejects(confirmBankDetails(platform.db, world.mediatorB.principal, id), refusal(403));
    const colleagueId = await createUser(platform.db, { email: `collegue.${Date.now()}@test.fr`, displayName: 'Collègue', password: 'mot-de-passe-1', organisationId: world.mediatorA.organisationId, role: 'mediator', isOrgAdmin: false }, null);
    await confirmBankDetails(platform.db, (await loadPrincipal(platform.db, colleagueId))!, id);
    const b = await requestBankDetails(platform.db, world.mediatorB.principal, world.placeB, { holderName: 'Lieu B', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPNTE' });
    await confirmBankDetails(platform.db, world.admin.principal, b);
    const journal = await platform.db.selectFrom('audit_events').select('action').where('place_id', '=', world.placeA).where('action', 'like', 'bank_account.%').orderBy('id').execute();
    assert.deepEqual(journal.map((e) => e.action), ['bank_account.requested', 'bank_account.confirmed']);
  });

  test('a run gathers the redemptions per place in one transaction; the transfer file validates against the XSD', async () => {
    await redeem(0);
    await redeem(1);
    await redeem(2, world.mediatorB, world.placeB);
    const run = await createRun(platform.db, world.admin.principal.userId, today());
    assert.deepEqual([run.statementCount, run.voucherCount, run.totalCents], [2, 3, 3000]);
    const xml = await runTransferXml(platform.db, platform.config, run.runId!);
    validateAgainstXsd(xml);
    assert.match(xml, /<NbOfTxs>2<\/NbOfTxs>/);
    assert.match(xml, /<CtrlSum>30\.00<\/CtrlSum>/);
    assert.match(xml, /<Nm>Association Lieu A - Mediation<\/Nm>/);
    const ids = [...xml.matchAll(/<EndToEndId>([^<]+)<\/EndToEndId>/g)].map((m) => m[1]!);
    assert.equal(new Set(ids).size, 2);
    assert.ok(ids.every((id) => id.length <= 35));
    assert.equal((await verifyLedger(platform.db)).ok, true);
    assert.equal((await verifyLedger(platform.db)).programmes[0]!.reimbursedCents, 3000);
    const { statements } = await getRun(platform.db, run.runId!);
    const details = await statementDetails(platform.db, platform.secret, statements[0]!.id);
    assert.equal(details.lines.length, 2);
    const csv = statementCsv(details);
    assert.ok(csv.startsWith('\uFEFFreleve;date_encaissement;code_cheque;programme;montant_euros'));
    assert.match(csv, /;10,00\r\n/);
    await assert.rejects(undoRedemption(platform.db, platform.secret, world.mediatorA.principal, makeVoucherCode(platform.secret, serials[0]!), 'Erreur de saisie'), refusal(409, 'deja_rembourse'));
  });

  test('a second run for the same period pays nothing twice; new redemptions go to the next run', async () => {
    const again = await createRun(platform.db, world.admin.principal.userId, today());
    assert.equal(again.runId, null);
    assert.equal(again.totalCents, 0);
    await redeem(3);
    const next = await createRun(platform.db, world.admin.principal.userId, today());
    assert.deepEqual([next.statementCount, next.totalCents], [1, 1000]);
  });

  test('a run killed between any two steps leaves nothing; run again, it is complete', async () => {
    await redeem(4);
    await redeem(5, world.mediatorB, world.placeB);
    const runsBefore = await platform.db.selectFrom('reimbursement_runs').select('id').execute();
    for (const step of ['run', 'statements', 'lines', 'ledger'] as const) {
      await assert.rejects(createRun(platform.db, null, today(), { crashAfter: step }), /arrêt simulé/);
      assert.equal((await platform.db.selectFrom('reimbursement_runs').select('id').execute()).length, runsBefore.length, step);
      assert.equal((await platform.db.selectFrom('statement_lines').select('voucher_serial').where('voucher_serial', 'in', [serials[4]!, serials[5]!]).execute()).length, 0, step);
    }
    const resumed = await createRun(platform.db, null, today());
    assert.deepEqual([resumed.statementCount, resumed.totalCents], [2, 2000]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'run-'));
    const files = await writeRunFiles(platform.db, platform.secret, platform.config, resumed.runId!, dir);
    assert.equal(files.length, 5);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.partiel')), []);
    validateAgainstXsd(readFileSync(files[0]!, 'utf8'));
    assert.ok(readFileSync(files[1]!).subarray(0, 5).toString() === '%PDF-');
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('a transfer rejected by the bank puts its redemptions back into the next run; a run is marked paid', async () => {
    const runs = await platform.db.selectFrom('reimbursement_runs').selectAll().orderBy('id', 'desc').execute();
    const last = await getRun(platform.db, runs[0]!.id);
    const rejected = last.statements.find((s) => s.place_id === world.placeB)!;
    await rejectTransfer(platform.db, world.admin.principal.userId, rejected.id, 'Compte clos (AC04)');
    await assert.rejects(rejectTransfer(platform.db, world.admin.principal.userId, rejected.id, 'encore'), refusal(409));
    assert.equal((await verifyLedger(platform.db)).ok, true);
    const xml = await runTransferXml(platform.db, platform.config, runs[0]!.id);
    assert.match(xml, /<NbOfTxs>1<\/NbOfTxs>/);
    validateAgainstXsd(xml);
    await markRunPaid(platform.db, world.admin.principal.userId, runs[0]!.id);
    await assert.rejects(markRunPaid(platform.db, world.admin.principal.userId, runs[0]!.id), refusal(409));
    const next = await createRun(platform.db, null, today());
    assert.deepEqual([next.statementCount, next.voucherCount, next.totalCents], [1, 1, 1000]);
    const report = await verifyLedger(platform.db);
    assert.equal(report.ok, true);
    assert.equal(report.programmes[0]!.reimbursedCents, 6000);
  });
});
