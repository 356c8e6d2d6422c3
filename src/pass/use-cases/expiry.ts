import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { splitByShares } from '../../shared/money.js';
import { postLedgerTransaction } from './ledger.js';
import { LIVE_VOUCHER_STATUSES_SQL } from '../domain/voucher-status.js';

export interface ExpiryResult {
  voucherCount: number;
  amountCents: number;
  orders: { orderId: number; voucherCount: number; amountCents: number; refunds: { organisationId: number; amountCents: number }[] }[];
}

/**
 * Expires every live voucher past its validity, in one transaction. Per order, the unused value is owed back to
 * the co-funders in proportion to their shares (largest remainder, to the cent). Safe to run from several
 * instances at once: the row locks of the UPDATE let each voucher expire exactly once.
 */
export async function expireVouchers(db: Kysely<DB>, actorUserId: number | null, now: Date = new Date()): Promise<ExpiryResult> {
  return db.transaction().execute(async (trx) => {
    const expired = await sql<{ order_id: number; programme_id: number; voucher_count: number; amount_cents: number }>`
      with expired as (
        update vouchers set status = 'expired'
        where status in ${sql.raw(LIVE_VOUCHER_STATUSES_SQL)} and expires_at <= ${now}
        returning order_id, programme_id, face_value_cents
      )
      select order_id, programme_id, count(*)::integer as voucher_count, sum(face_value_cents)::bigint as amount_cents
      from expired group by order_id, programme_id order by order_id`.execute(trx);
    const result: ExpiryResult = { voucherCount: 0, amountCents: 0, orders: [] };
    for (const row of expired.rows) {
      const amount = Number(row.amount_cents);
      const shares = await trx.selectFrom('order_cofunding').select(['organisation_id', 'share_bp']).where('order_id', '=', row.order_id).orderBy('organisation_id').execute();
      const refunds = splitByShares(amount, shares.map((share) => ({ key: share.organisation_id, shareBp: share.share_bp })));
      await postLedgerTransaction(trx, 'expiry', row.programme_id, [
        { account: 'vouchers_outstanding', amountCents: amount, orderId: row.order_id },
        ...refunds.map((refund) => ({ account: 'funder_refund_due' as const, amountCents: -refund.amountCents, organisationId: refund.key, orderId: row.order_id })),
      ]);
      await recordAudit(trx, {
        actorUserId,
        action: 'vouchers.expired',
        orderId: row.order_id,
        toStatus: 'expired',
        voucherCount: row.voucher_count,
        details: { amountCents: amount, refunds: refunds.map((r) => ({ organisationId: r.key, amountCents: r.amountCents })) },
      });
      result.voucherCount += row.voucher_count;
      result.amountCents += amount;
      result.orders.push({
        orderId: row.order_id,
        voucherCount: row.voucher_count,
        amountCents: amount,
        refunds: refunds.map((r) => ({ organisationId: r.key, amountCents: r.amountCents })),
      });
    }
    return result;
  });
}
