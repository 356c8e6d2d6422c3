import { httpStatus as httpStatusOf } from '../../../src/http/errors.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { recordPayment } from '../../../src/pass/use-cases/activation.js';
import { bookletBalance } from '../../../src/pass/use-cases/balance.js';
import { allocateBooklets, handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { bookletPin, parseBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { expireVouchers } from '../../../src/pass/use-cases/expiry.js';
import { issueOrder } from '../../../src/pass/use-cases/issuance.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { cancelOrder, getOrder, listOrders, placeOrder } from '../../../src/pass/use-cases/orders.js';
import { listRedemptions, redeemVoucher, undoRedemption } from '../../../src/pass/use-cases/redemption.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet } from '../../support/world.js';

const refusal = (status: number, code: string) => (error: unknown) => error instanceof DomainError && httpStatusOf(error) === status && error.code === code;

describe(`pass lifecycle on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  const code = (serial: number) => makeVoucherCode(platform.secret, serial);

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
  });
  after(() => platform.dispose());

  test('issuance created every booklet and voucher with its own number, and the ledger is balanced', async () => {
    const counts = await platform.db
      .selectFrom('vouchers')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('order_id', '=', world.orderId)
      .groupBy('status')
      .execute();
    const byStatus = Object.fromEntries(counts.map((c) => [c.status, Number(c.n)]));
    assert.deepEqual(byStatus, { activated: 20, allocated: 10, handed: 10 });
    const booklets = await platform.db.selectFrom('booklets').select('number').where('order_id', '=', world.orderId).execute();
    assert.equal(new Set(booklets.map((b) => b.number)).size, 4);
    booklets.forEach((b) => assert.notEqual(parseBookletNumber(b.number), null));
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('a handed voucher is redeemed once; the second attempt is refused with the date and place of the first', async () => {
    const [serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const { result } = await redeemVoucher(platform, world.mediatorA.principal, code(serial!), world.placeA);
    assert.equal(result.status, 'redeemed');
    assert.equal(result.amountCents, 1000);
    await assert.rejects(redeemVoucher(platform, world.mediatorB.principal, code(serial!), world.placeB), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(httpStatusOf(error), 409);
      assert.equal(error.details.placeName, result.place.name);
      assert.equal(error.details.redeemedAt, result.redeemedAt);
      return true;
    });
    const journal = await platform.db.selectFrom('audit_events').selectAll().where('voucher_serial', '=', serial!).execute();
    assert.deepEqual(journal.map((e) => [e.action, e.from_status, e.to_status]), [['voucher.redeemed', 'handed', 'redeemed']]);
    assert.equal((await verifyLedger(platform.db)).programmes[0]!.redeemedCents, 1000);
  });

  test('concurrent attempts on one voucher: exactly one wins, the others get 409', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const attempts = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) =>
        redeemVoucher(platform, i % 2 ? world.mediatorA.principal : world.mediatorB.principal, code(serials[1]!), i % 2 ? world.placeA : world.placeB),
      ),
    );
    assert.equal(attempts.filter((a) => a.status === 'fulfilled').length, 1);
    for (const attempt of attempts.filter((a) => a.status === 'rejected')) assert.ok(refusal(409, 'deja_encaisse')((attempt as PromiseRejectedResult).reason));
    const ledgerLines = await platform.db.selectFrom('ledger_entries').select('id').where('voucher_serial', '=', serials[1]!).execute();
    assert.equal(ledgerLines.length, 2, 'one redemption, two ledger lines');
  });

  test('refusals: forged, mistyped, not handed yet, outside the territory, other place’s organisation', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const good = code(serials[2]!);
    const forged = makeVoucherCode('faux secret', serials[2]!);
    const typo = good.slice(0, 3) + (good[3] === '2' ? '3' : '2') + good.slice(4);
    const { db } = platform;
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, forged, world.placeA), refusal(422, 'code_non_authentique'));
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, typo, world.placeA), refusal(422, 'erreur_de_saisie'));
    const [allocatedSerial] = await serialsOfBooklet(db, world.allocatedBooklet);
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, code(allocatedSerial!), world.placeA), refusal(403, 'cheque_non_remis'));
    await assert.rejects(redeemVoucher(platform, world.outsider.principal, good, world.placeOutside), refusal(403, 'hors_territoire'));
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, good, world.placeB), refusal(403, 'lieu_non_autorise'));
    await assert.rejects(redeemVoucher(platform, world.prescriber.principal, good, world.placeA), refusal(403, 'interdit'));
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, code(999_999), world.placeA), refusal(404, 'cheque_inconnu'));
    const still = await db.selectFrom('vouchers').select('status').where('serial', '=', serials[2]!).executeTakeFirstOrThrow();
    assert.equal(still.status, 'handed', 'refusals change nothing');
  });

  test('a place sees only its own redemptions; a funder only those of its orders', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    await redeemVoucher(platform, world.mediatorB.principal, code(serials[3]!), world.placeB);
    const seenByA = await listRedemptions(platform.db, platform.secret, world.mediatorA.principal);
    const seenByB = await listRedemptions(platform.db, platform.secret, world.mediatorB.principal);
    assert.ok(seenByA.length >= 1 && seenByA.every((r) => r.placeName.includes(String(world.mediatorA.organisationId))));
    assert.ok(seenByB.some((r) => r.code.replaceAll('-', '') === code(serials[3]!)));
    assert.ok(!seenByA.some((r) => r.code.replaceAll('-', '') === code(serials[3]!)));
    assert.equal((await listRedemptions(platform.db, platform.secret, world.otherFunder.principal)).length, 0);
    assert.ok((await listRedemptions(platform.db, platform.secret, world.funder.principal)).length >= 2);
    assert.equal((await listOrders(platform.db, world.otherFunder.principal)).length, 0);
    await assert.rejects(getOrder(platform.db, world.otherFunder.principal, world.orderId), refusal(404, 'introuvable'));
  });

  test('a place can undo its own redemption, not another place’s; the ledger follows', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    await redeemVoucher(platform, world.mediatorA.principal, code(serials[4]!), world.placeA);
    await assert.rejects(undoRedemption(platform.db, platform.secret, world.mediatorB.principal, code(serials[4]!), 'Erreur de saisie'), refusal(404, 'non_encaisse'));
    const undone = await undoRedemption(platform.db, platform.secret, world.mediatorA.principal, code(serials[4]!), 'Erreur de saisie');
    assert.equal(undone.status, 'handed');
    await redeemVoucher(platform, world.mediatorB.principal, code(serials[4]!), world.placeB);
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('a beneficiary reads the balance with number and PIN; a wrong PIN reveals nothing', async () => {
    const booklet = await platform.db.selectFrom('booklets').select(['id', 'number', 'pin_digits']).where('number', '=', world.handedBooklet).executeTakeFirstOrThrow();
    const balance = await bookletBalance(platform.db, platform.secret, booklet.number, bookletPin(platform.secret, booklet.id, booklet.pin_digits));
    assert.equal(balance.total, 10);
    assert.equal(balance.used, 4);
    assert.equal(balance.remaining, 6);
    const wrongPin = bookletPin(platform.secret, booklet.id, booklet.pin_digits) === '000000' ? '000001' : '000000';
    await assert.rejects(bookletBalance(platform.db, platform.secret, booklet.number, wrongPin), refusal(404, 'carnet_introuvable'));
  });

  test('handing: only the holder organisation, only once, with a valid profile', async () => {
    const { db } = platform;
    await assert.rejects(handBooklet(db, world.mediatorA.principal, world.allocatedBooklet, { ageBand: '25-39', communeCode: '44109', situation: 'rsa' }), refusal(403, 'carnet_non_attribue'));
    await assert.rejects(handBooklet(db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '200+', communeCode: '44109', situation: 'rsa' }), refusal(422, 'tranche_age'));
    await assert.rejects(handBooklet(db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '25-39', communeCode: '99999', situation: 'rsa' }), refusal(422, 'commune_inconnue'));
    await assert.rejects(handBooklet(db, world.prescriber.principal, world.handedBooklet, { ageBand: '25-39', communeCode: '44109', situation: 'rsa' }), refusal(409, 'carnet_deja_remis'));
  });

  test('no pass circulates before payment; allocation needs a paid order; cancellation reverses the commitment', async () => {
    const { db } = platform;
    const orderId = await placeOrder(db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 2 });
    await assert.rejects(recordPayment(db, null, orderId, 'VIR'), refusal(409, 'commande_non_emise'));
    await issueOrder(db, null, orderId);
    await assert.rejects(issueOrder(db, null, orderId), refusal(409, 'commande_deja_emise'));
    await assert.rejects(allocateBooklets(db, world.funder.principal, { orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 1 }), refusal(409, 'commande_non_payee'));
    const issued = await db.selectFrom('vouchers').select('serial').where('order_id', '=', orderId).orderBy('serial').executeTakeFirstOrThrow();
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, code(issued.serial), world.placeA), refusal(403, 'cheque_non_active'));
    await assert.rejects(placeOrder(db, world.otherFunder.principal, { programmeId: world.programmeId, bookletCount: 1 }), refusal(403, 'interdit'));
    await cancelOrder(db, world.funder.principal, orderId);
    const statuses = await db.selectFrom('vouchers').select('status').distinct().where('order_id', '=', orderId).execute();
    assert.deepEqual(statuses.map((s) => s.status), ['cancelled']);
    const report = await verifyLedger(db);
    assert.equal(report.ok, true);
    assert.equal(report.programmes[0]!.committedCents, 40 * 1000);
  });

  test('issuance is all or nothing: a failure leaves no booklet, no voucher and the order unissued', async () => {
    const { db } = platform;
    const orderId = await placeOrder(db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 3 });
    const before = await db.selectFrom('serial_counters').selectAll().orderBy('name').execute();
    // Simulate a crash in the middle: a voucher row already holds the first serial the issuance will take.
    const next = before.find((c) => c.name === 'voucher')!.next_value;
    const booklet = await db.selectFrom('booklets').select(['id', 'order_id', 'programme_id']).limit(1).executeTakeFirstOrThrow();
    await sql`insert into vouchers (serial, booklet_id, order_id, programme_id, face_value_cents, status, expires_at)
              values (${next + 5}, ${booklet.id}, ${booklet.order_id}, ${booklet.programme_id}, 1000, 'cancelled', now())`.execute(db);
    await assert.rejects(issueOrder(db, null, orderId));
    assert.equal((await getOrder(db, world.funder.principal, orderId)).status, 'placed');
    assert.equal((await db.selectFrom('booklets').select('id').where('order_id', '=', orderId).execute()).length, 0);
    assert.deepEqual(await db.selectFrom('serial_counters').selectAll().orderBy('name').execute(), before);
    await sql`delete from vouchers where serial = ${next + 5}`.execute(db);
    await cancelOrder(db, world.funder.principal, orderId);
  });

  test('expiry: past-validity vouchers expire, their value is owed back to co-funders by share, ledger proves it', async () => {
    const { db } = platform;
    const result = await expireVouchers(db, null, new Date(Date.now() + 400 * 86_400_000));
    const live = 40 - 4; // four redeemed above
    assert.equal(result.voucherCount, live);
    assert.equal(result.amountCents, live * 1000);
    const refunds = result.orders[0]!.refunds;
    assert.equal(refunds.reduce((s, r) => s + r.amountCents, 0), live * 1000);
    assert.deepEqual(refunds.map((r) => r.amountCents).sort((a, b) => a - b), [9000, 27000]);
    const report = await verifyLedger(db);
    assert.equal(report.ok, true);
    const p = report.programmes[0]!;
    assert.equal(p.committedCents, p.redeemedCents + p.expiredCents + p.outstandingCents);
    assert.equal(p.redeemedCents, 4000);
    assert.equal((await expireVouchers(db, null, new Date(Date.now() + 400 * 86_400_000))).voucherCount, 0, 'running it again expires nothing');
  });

  test('the ledger check detects tampering', async () => {
    // Its own state: a programme of its own, one voucher past its validity expired through the ledger.
    const { db } = platform;
    const own = await buildWorld(db);
    const [serial] = await serialsOfBooklet(db, own.handedBooklet);
    await sql`update vouchers set expires_at = now() - interval '1 day' where serial = ${serial!}`.execute(db);
    assert.ok((await expireVouchers(db, null)).voucherCount >= 1);
    assert.equal((await db.selectFrom('vouchers').select('status').where('serial', '=', serial!).executeTakeFirstOrThrow()).status, 'expired');
    assert.equal((await verifyLedger(db)).ok, true, 'balanced before the tampering');
    await sql`update vouchers set status = 'handed' where serial = ${serial!}`.execute(db);
    assert.equal((await verifyLedger(db)).ok, false);
    await sql`update vouchers set status = 'expired' where serial = ${serial!}`.execute(db);
    assert.equal((await verifyLedger(db)).ok, true);
  });
});
