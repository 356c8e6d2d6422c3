import { sql } from 'kysely';
import { openTestPlatform } from '../test/support/platform.js';
import { buildWorld } from '../test/support/world.js';
import { placeOrder } from '../src/pass/use-cases/orders.js';
import { issueOrder } from '../src/pass/use-cases/issuance.js';
import { recordPayment } from '../src/pass/use-cases/activation.js';

/** A platform with `voucherCount` handed vouchers ready to redeem at one place. */
export async function redemptionFixture(kind: 'pglite' | 'postgresql', voucherCount: number) {
  const platform = await openTestPlatform(kind);
  const world = await buildWorld(platform.db);
  const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: Math.ceil(voucherCount / 10) });
  await issueOrder(platform.db, null, orderId);
  await recordPayment(platform.db, null, orderId, 'BENCH');
  // Bulk hand-out: the benchmark measures redemption, not the hand-out pages.
  await sql`update vouchers set status = 'handed' where order_id = ${orderId}`.execute(platform.db);
  const serials = (await platform.db.selectFrom('vouchers').select('serial').where('order_id', '=', orderId).orderBy('serial').execute()).map((r) => r.serial);
  return { platform, world, serials };
}
