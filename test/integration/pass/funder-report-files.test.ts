import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buffer } from 'node:stream/consumers';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { strFromU8, unzipSync } from 'fflate';
import { buildApp } from '../../../src/app.js';
import { recordPayment } from '../../../src/pass/use-cases/activation.js';
import { expireVouchers } from '../../../src/pass/use-cases/expiry.js';
import { issueOrder } from '../../../src/pass/use-cases/issuance.js';
import { placeOrder } from '../../../src/pass/use-cases/orders.js';
import { funderReport } from '../../../src/pass/use-cases/report.js';
import { reportPdf, reportZip } from '../../../src/pass/use-cases/report-files.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld } from '../../support/world.js';

/** A CSV of the ZIP as rows of cells (no cell of these tables holds a semicolon or a quote). */
const rows = (csv: string) => csv.replace(/^\uFEFF/, '').trimEnd().split('\r\n').map((line) => line.split(';'));
const spaces = (text: string) => text.replace(/[\u00a0\u202f]/g, ' ');

describe(`the funder report as files (PDF, ZIP of CSV tables) on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let bigOrder: number;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    // 20 booklets of ten 10 € vouchers: 2 000 €, 75 % for the département, 25 % for the State; then all expire.
    bigOrder = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 20, vouchersPerBooklet: 10 });
    await issueOrder(platform.db, world.admin.principal.userId, bigOrder);
    await recordPayment(platform.db, world.admin.principal.userId, bigOrder, 'VIR-TEST-2');
    const expiresAt = new Date((await platform.db.selectFrom('vouchers').select('expires_at').where('order_id', '=', bigOrder).executeTakeFirstOrThrow()).expires_at);
    await expireVouchers(platform.db, null, new Date(expiresAt.getTime() + 1000));
    app = await buildApp(platform);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('the PDF prints French amounts that read back as written: « 2 000,00 € », never « 2 /000,00 € »', async () => {
    const report = await funderReport(platform.db, world.funder.principal, world.funder.organisationId);
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rapport-')), 'rapport.pdf');
    writeFileSync(file, await buffer(reportPdf(report)));
    const text = spaces(execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' })).replace(/\s*\n\s*/g, ' ');
    assert.match(text, new RegExp(`Commande n° ${bigOrder} — Programme de test \\(commanditaire, part 75 %\\)`));
    assert.match(text, /Chèques de la commande : 200 émis, 0 attribués, 0 remis, 0 encaissés, 200 expirés\./);
    assert.match(text, /Montant de la commande entière : 2 000,00 € ; engagement de ce financeur \(sa part\) : 1 500,00 €\./);
    assert.match(text, /Commande entière : encaissé 0,00 € ; expiré 2 000,00 €, dont 1 500,00 € rendus à ce financeur\./);
    assert.match(text, /part 25 %, part exacte 500 €, rendu 500,00 €/);
    assert.match(text, /Engagement de ce financeur \(sa part de chaque commande\) : 1 800,00 €/);
    assert.doesNotMatch(text, /\d \/\d|\/000/, 'no slash in the amounts');
  });

  test('the ZIP holds one CSV per table: BOM, semicolons, French headers, decimal commas, whose amount each column is', async () => {
    const report = await funderReport(platform.db, world.funder.principal, world.funder.organisationId);
    const files = unzipSync(new Uint8Array(reportZip(report)));
    assert.deepEqual(Object.keys(files), ['commandes.csv', 'valeur-expiree-rendue.csv', 'public-atteint.csv', 'progres.csv']);
    for (const [name, content] of Object.entries(files)) assert.deepEqual([...content.subarray(0, 3)], [0xef, 0xbb, 0xbf], `${name} : BOM UTF-8`);
    const orders = rows(strFromU8(files['commandes.csv']!));
    assert.deepEqual(orders[0], [
      'Commande', 'Programme', 'Rôle du financeur', 'Part du financeur (%)',
      'Chèques émis (commande entière)', 'Chèques attribués (commande entière)', 'Chèques remis (commande entière)',
      'Chèques encaissés (commande entière)', 'Chèques expirés (commande entière)',
      'Montant de la commande (€, commande entière)', 'Engagement du financeur (€, sa part)',
      'Encaissé (€, commande entière)', 'Expiré (€, commande entière)', 'Rendu au financeur (€, sa part de l’expiré)',
    ]);
    assert.deepEqual(orders.find((row) => row[0] === String(bigOrder)), [String(bigOrder), 'Programme de test', 'commanditaire', '75', '200', '0', '0', '0', '200', '2000,00', '1500,00', '0,00', '2000,00', '1500,00']);
    const refunds = rows(strFromU8(files['valeur-expiree-rendue.csv']!));
    assert.deepEqual(refunds[0], ['Commande', 'Cofinanceur', 'Part du cofinanceur (%)', 'Expiré (€, commande entière)', 'Part exacte de l’expiré (€)', 'Rendu au cofinanceur (€)']);
    const bigRefunds = refunds.filter((row) => row[0] === String(bigOrder));
    assert.deepEqual(bigRefunds.map((row) => row.slice(2)), [['75', '2000,00', '1500', '1500,00'], ['25', '2000,00', '500', '500,00']]);
    assert.deepEqual(rows(strFromU8(files['public-atteint.csv']!))[0], ['Critère', 'Groupe', 'Carnets remis']);
    assert.deepEqual(rows(strFromU8(files['progres.csv']!))[0]!.slice(0, 5), ['Commande', 'Carnets mesurés deux fois', 'En progrès', 'Niveau global avant', 'Niveau global après']);
    // The co-funder's report: the same order, its own share.
    const state = unzipSync(new Uint8Array(reportZip(await funderReport(platform.db, world.state.principal, world.state.organisationId))));
    const stateRow = rows(strFromU8(state['commandes.csv']!)).find((row) => row[0] === String(bigOrder))!;
    assert.deepEqual([stateRow[2], stateRow[3], stateRow[9], stateRow[10], stateRow[13]], ['cofinanceur', '25', '2000,00', '500,00', '500,00']);
  });

  test('API: report.zip is a ZIP download described in the OpenAPI document; report.csv is the orders table', async () => {
    const auth = { authorization: `Bearer ${world.funder.token}` };
    const zip = await app.inject({ url: `/api/v1/funders/${world.funder.organisationId}/report.zip`, headers: auth });
    assert.equal(zip.statusCode, 200);
    assert.equal(zip.headers['content-type'], 'application/zip');
    assert.match(String(zip.headers['content-disposition']), /^attachment; filename="rapport-financeur-\d+\.zip"$/);
    assert.equal(Object.keys(unzipSync(new Uint8Array(zip.rawPayload))).length, 4);
    const csv = await app.inject({ url: `/api/v1/funders/${world.funder.organisationId}/report.csv`, headers: auth });
    assert.ok(csv.body.startsWith('\uFEFFCommande;Programme;Rôle du financeur;Part du financeur (%);'), csv.body.slice(0, 80));
    const other = await app.inject({ url: `/api/v1/funders/${world.funder.organisationId}/report.zip`, headers: { authorization: `Bearer ${world.otherFunder.token}` } });
    assert.equal(other.statusCode, 403);
    const openapi = (await app.inject({ url: '/api/v1/openapi.json' })).json() as { paths: Record<string, { get: { summary: string; responses: Record<string, { content?: Record<string, unknown> }> } }> };
    const operation = openapi.paths['/api/v1/funders/{id}/report.zip']?.get ?? openapi.paths['/funders/{id}/report.zip']?.get;
    assert.ok(operation, Object.keys(openapi.paths).filter((p) => p.includes('funders')).join(', '));
    assert.match(operation.summary, /un fichier CSV par tableau/);
    assert.ok(operation.responses['200']?.content?.['application/zip']);
  });
});
