import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { DomainError } from '../../../src/shared/errors.js';
import { captureMailer } from '../../../src/shared/mailer.js';
import { expireVouchers } from '../../../src/pass/use-cases/expiry.js';
import { expiryNoticesFor, sendExpiryWarnings } from '../../../src/pass/use-cases/expiry-warnings.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { funderReport } from '../../../src/pass/use-cases/report.js';
import { buildApp } from '../../../src/app.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld } from '../../support/world.js';

describe(`funders: warnings, expiry and report on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let expiresAt: Date;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    expiresAt = new Date((await platform.db.selectFrom('vouchers').select('expires_at').where('order_id', '=', world.orderId).executeTakeFirstOrThrow()).expires_at);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('30 days before expiry, funders and prescribers holding unhanded booklets are warned once, by e-mail and on their pages', async () => {
    const early = new Date(expiresAt.getTime() - 40 * 86_400_000);
    const mailer = captureMailer();
    assert.equal(await sendExpiryWarnings(platform.db, mailer, 'https://pass.example.fr', early), 0);
    const within = new Date(expiresAt.getTime() - 20 * 86_400_000);
    assert.equal(await sendExpiryWarnings(platform.db, mailer, 'https://pass.example.fr', within), 2);
    const recipients = mailer.sent.flatMap((m) => m.to).sort();
    assert.deepEqual(recipients, [world.funder.email, world.prescriber.email].sort());
    const toPrescriber = mailer.sent.find((m) => m.to.includes(world.prescriber.email))!;
    assert.match(toPrescriber.subject, /^Pass numérique : 1\u00a0carnet expire le \d/);
    assert.match(toPrescriber.text, /1 carnet du programme .* n’a pas encore été remis à une personne\./);
    const toFunder = mailer.sent.find((m) => m.to.includes(world.funder.email))!;
    assert.match(toFunder.subject, /^Pass numérique : 2\u00a0carnets expirent le \d/);
    assert.match(toFunder.text, /2\u00a0carnets du programme .* n’ont pas encore été remis à des personnes\./);
    assert.equal(await sendExpiryWarnings(platform.db, mailer, 'https://pass.example.fr', within), 0, 'une seule fois');
    const notices = await expiryNoticesFor(platform.db, world.funder.principal, within);
    assert.deepEqual(notices.map((n) => n.bookletCount), [2]);
  });

  test('the funder report counts every stage, splits expired value to the cent, and shows only aggregated reach', async () => {
    const result = await expireVouchers(platform.db, null, new Date(expiresAt.getTime() + 1000));
    assert.equal(result.voucherCount, 40);
    assert.equal((await verifyLedger(platform.db)).ok, true);
    const report = await funderReport(platform.db, world.funder.principal, world.funder.organisationId);
    const order = report.orders.find((o) => o.orderId === world.orderId)!;
    assert.deepEqual(order.vouchers, { issued: 40, allocated: 20, handed: 10, redeemed: 0, expired: 40 });
    assert.equal(order.expiredCents, 40_000);
    assert.equal(order.refundCents, 30_000);
    assert.equal(order.refundSplit.reduce((sum, s) => sum + s.bookedCents, 0), order.expiredCents);
    for (const share of order.refundSplit) assert.ok(Math.abs(share.bookedCents - share.exactCents) < 1);
    assert.deepEqual(report.reach.ageBands, [{ label: '60-74 ans', booklets: null }], 'un seul carnet remis : masqué');
    const state = await funderReport(platform.db, world.state.principal, world.state.organisationId);
    assert.equal(state.orders.find((o) => o.orderId === world.orderId)!.role, 'cofunded');
    await assert.rejects(funderReport(platform.db, world.otherFunder.principal, world.funder.organisationId), (e: unknown) => e instanceof DomainError && e.kind === 'forbidden');
  });

  test('API: the report as JSON and as CSV for a French spreadsheet; another funder is refused', async () => {
    const auth = { authorization: `Bearer ${world.funder.token}` };
    const json = await app.inject({ url: `/api/v1/funders/${world.funder.organisationId}/report`, headers: auth });
    assert.equal(json.statusCode, 200);
    assert.equal(json.json().funder.id, world.funder.organisationId);
    const csv = await app.inject({ url: `/api/v1/funders/${world.funder.organisationId}/report.csv`, headers: auth });
    assert.ok(csv.body.startsWith('\uFEFFCommande;Programme;Rôle du financeur;Part du financeur (%);'));
    // The whole order's 400 €, the département's 75 % share of it, nothing redeemed, all expired, its 300 € back.
    assert.match(csv.body, /;400,00;300,00;0,00;400,00;300,00\r\n/);
    const other = await app.inject({ url: `/api/v1/funders/${world.funder.organisationId}/report`, headers: { authorization: `Bearer ${world.otherFunder.token}` } });
    assert.equal(other.statusCode, 403);
    const pdf = await app.inject({ url: `/api/v1/orders/${world.orderId}/booklets.pdf`, headers: auth });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
  });
});
