import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { createProgramme } from '../../../src/pass/use-cases/programmes.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { funderReport } from '../../../src/pass/use-cases/report.js';
import { reportCsv } from '../../../src/pass/use-cases/report-files.js';
import { exportCsv, exportJson } from '../../../src/places/use-cases/export.js';
import { SYSTEM_PRINCIPAL } from '../../../src/accounts/domain/principal.js';
import { importPlaces } from '../../../src/places/use-cases/import.js';
import { updatePlace } from '../../../src/places/use-cases/store.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun, getRun } from '../../../src/reimbursement/use-cases/runs.js';
import { statementCsv, statementDetails } from '../../../src/reimbursement/use-cases/statements.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { TEST_SERVICE, buildWorld, serialsOfBooklet } from '../../support/world.js';

const FORMULA = '=HYPERLINK("http://evil","x")';
const readCsv = (csv: string) => parse(csv, { delimiter: ';', bom: true, relax_column_count: true }) as string[][];

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of stream) text += chunk.toString();
  return text;
}

describe(`CSV files and formulas on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    // Names are not refused at entry (a programme or a place may well start with « + » or « - »): the CSV writer neutralises them.
    await createProgramme(platform.db, world.funder.principal, {
      name: FORMULA, departementCodes: ['44'], faceValueCents: 1000, validityMonths: 12,
      cofunders: [{ organisationId: world.funder.organisationId, shareBp: 10_000 }], eligibleServices: [TEST_SERVICE], allowDirectHanding: false,
    });
    await platform.db.updateTable('programmes').set({ name: FORMULA }).where('id', '=', world.programmeId).execute();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('funder report CSV: the programme named as a formula reaches the cofunder neutralised, amounts stay numbers', async () => {
    const own = readCsv(reportCsv(await funderReport(platform.db, world.funder.principal, world.funder.organisationId)));
    const order = own.find((row) => row[0] === String(world.orderId))!;
    assert.equal(order[1], `'${FORMULA}`);
    assert.equal(order[9], '400,00');
    // The State is a cofunder: the funder's text reaches another organisation's file.
    const response = await app.inject({ url: `/api/v1/funders/${world.state.organisationId}/report.csv`, headers: { authorization: `Bearer ${world.state.token}` } });
    assert.equal(response.statusCode, 200);
    assert.ok(response.body.includes(`;"'=HYPERLINK(""http://evil"",""x"")";cofinanceur;`), response.body);
    const cofunded = readCsv(response.body).find((row) => row[0] === String(world.orderId))!;
    assert.deepEqual([cofunded[1], cofunded[2], cofunded[9]], [`'${FORMULA}`, 'cofinanceur', '400,00']);
  });

  test('statement CSV: the place reads the programme neutralised, the amount as a number', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    await redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serials[0]!), world.placeA);
    const bankAccount = await requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    await confirmBankDetails(platform.db, world.admin.principal, bankAccount);
    const run = await createRun(platform.db, world.admin.principal.userId, new Date().toISOString().slice(0, 10));
    const statement = (await getRun(platform.db, run.runId!)).statements.find((s) => s.place_id === world.placeA)!;
    const lines = readCsv(statementCsv(await statementDetails(platform.db, platform.secret, statement.id)));
    assert.deepEqual(lines[0], ['releve', 'date_encaissement', 'code_cheque', 'programme', 'montant_euros']);
    assert.deepEqual([lines[1]![3], lines[1]![4]], [`'${FORMULA}`, '10,00']);
    const response = await app.inject({ url: `/api/v1/statements/${statement.id}.csv`, headers: { authorization: `Bearer ${world.mediatorA.token}` } });
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /;"'=HYPERLINK\(""http:\/\/evil"",""x""\)";10,00\r\n$/);
  });

  test('national standard export: a place named « +cmd » is exported as is, and re-importing the export changes nothing', async () => {
    await updatePlace(platform.db, world.mediatorA.principal, world.placeA, { nom: '+cmd', telephone: '+33240000000' });
    await updatePlace(platform.db, world.mediatorB.principal, world.placeB, { nom: FORMULA });
    const csv = await readAll(exportCsv(platform.db));
    const rows = parse(csv, { columns: true }) as Record<string, string>[];
    const placeA = rows.find((row) => row.nom === '+cmd');
    assert.ok(placeA, csv);
    assert.equal(placeA.telephone, '+33240000000');
    assert.ok(rows.some((row) => row.nom === FORMULA));
    const snapshot = await platform.db.selectFrom('places').selectAll().orderBy('id').execute();
    for (const [content, fileName] of [[csv, 'export.csv'], [await readAll(exportJson(platform.db)), 'export.json']] as const) {
      const report = await importPlaces(platform.db, SYSTEM_PRINCIPAL, content, { fileName });
      assert.deepEqual([report.errors.length, report.created, report.updated, report.unchanged], [0, 0, 0, rows.length], fileName);
    }
    assert.deepEqual(await platform.db.selectFrom('places').selectAll().orderBy('id').execute(), snapshot);
  });
});
