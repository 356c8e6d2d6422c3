import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB, LedgerAccount } from '../../db/schema.js';
import { LIVE_VOUCHER_STATUSES_SQL } from '../domain/voucher-status.js';

export interface LedgerLine {
  account: LedgerAccount;
  amountCents: number;
  organisationId?: number | null;
  orderId?: number | null;
  voucherSerial?: number | null;
}

/**
 * Double entry: the lines of one transaction add up to zero. Debits are positive. Accounts, per programme:
 * bank (money received), funder_receivable (owed by a co-funder), vouchers_outstanding (value of vouchers in
 * circulation, a liability), place_payable (owed to a place for its redemptions), funder_refund_due (unused value
 * owed back to a co-funder after expiry).
 */
export async function postLedgerTransaction(trx: Kysely<DB>, kind: string, programmeId: number, lines: LedgerLine[]): Promise<void> {
  const balance = lines.reduce((sum, line) => sum + line.amountCents, 0);
  if (balance !== 0) throw new Error(`écriture déséquilibrée (${kind}) : ${balance} centimes`);
  const transactionId = randomUUID();
  await trx
    .insertInto('ledger_entries')
    .values(
      lines.map((line) => ({
        transaction_id: transactionId,
        kind,
        account: line.account,
        programme_id: programmeId,
        organisation_id: line.organisationId ?? null,
        order_id: line.orderId ?? null,
        voucher_serial: line.voucherSerial ?? null,
        amount_cents: line.amountCents,
      })),
    )
    .execute();
}

export interface ProgrammeBalance {
  programmeId: number;
  programmeName: string;
  committedCents: number;
  redeemedCents: number;
  expiredCents: number;
  outstandingCents: number;
  /** What the voucher and order tables say should be outstanding, computed independently of the ledger. */
  expectedOutstandingCents: number;
  expectedRedeemedCents: number;
  expectedExpiredCents: number;
  /** Paid out to places: the ledger's settlements, and the vouchers that sit in a statement. */
  reimbursedCents: number;
  expectedReimbursedCents: number;
  balanced: boolean;
}

export interface LedgerReport {
  programmes: ProgrammeBalance[];
  unbalancedTransactions: string[];
  ok: boolean;
}

/**
 * Proves, per programme, committed = redeemed + expired + outstanding, that what was paid to places matches the
 * vouchers in statements (never more than was redeemed), and that the ledger agrees with the vouchers.
 */
export async function verifyLedger(db: Kysely<DB>): Promise<LedgerReport> {
  const unbalanced = await db
    .selectFrom('ledger_entries')
    .select('transaction_id')
    .groupBy('transaction_id')
    .having(sql`sum(amount_cents)`, '<>', 0)
    .execute();
  const rows = await sql<{
    id: number;
    name: string;
    committed: string | null;
    redeemed: string | null;
    expired: string | null;
    outstanding: string | null;
    live_vouchers: string | null;
    unissued_orders: string | null;
    redeemed_vouchers: string | null;
    expired_vouchers: string | null;
    reimbursed: string | null;
    reimbursed_vouchers: string | null;
  }>`
    select p.id, p.name,
      (select -sum(amount_cents) from ledger_entries l where l.programme_id = p.id and l.account = 'vouchers_outstanding' and l.kind in ('order_commitment', 'order_cancellation')) as committed,
      (select -sum(amount_cents) from ledger_entries l where l.programme_id = p.id and l.account = 'place_payable' and l.kind in ('redemption', 'redemption_undone')) as redeemed,
      (select sum(amount_cents) from ledger_entries l where l.programme_id = p.id and l.account = 'place_payable' and l.kind in ('reimbursement', 'reimbursement_rejected')) as reimbursed,
      (select sum(amount_cents) from statement_lines l where l.programme_id = p.id) as reimbursed_vouchers,
      (select -sum(amount_cents) from ledger_entries l where l.programme_id = p.id and l.account = 'funder_refund_due') as expired,
      (select -sum(amount_cents) from ledger_entries l where l.programme_id = p.id and l.account = 'vouchers_outstanding') as outstanding,
      (select sum(face_value_cents) from vouchers v where v.programme_id = p.id and v.status in ${sql.raw(LIVE_VOUCHER_STATUSES_SQL)}) as live_vouchers,
      (select sum(amount_cents) from orders o where o.programme_id = p.id and o.status = 'placed') as unissued_orders,
      (select sum(face_value_cents) from vouchers v where v.programme_id = p.id and v.status = 'redeemed') as redeemed_vouchers,
      (select sum(face_value_cents) from vouchers v where v.programme_id = p.id and v.status = 'expired') as expired_vouchers
    from programmes p order by p.id`.execute(db);
  const programmes = rows.rows.map((row) => {
    const n = (value: string | number | null) => Number(value ?? 0);
    const balance: ProgrammeBalance = {
      programmeId: row.id,
      programmeName: row.name,
      committedCents: n(row.committed),
      redeemedCents: n(row.redeemed),
      expiredCents: n(row.expired),
      outstandingCents: n(row.outstanding),
      expectedOutstandingCents: n(row.live_vouchers) + n(row.unissued_orders),
      expectedRedeemedCents: n(row.redeemed_vouchers),
      expectedExpiredCents: n(row.expired_vouchers),
      reimbursedCents: n(row.reimbursed),
      expectedReimbursedCents: n(row.reimbursed_vouchers),
      balanced: false,
    };
    balance.balanced =
      balance.committedCents === balance.redeemedCents + balance.expiredCents + balance.outstandingCents &&
      balance.outstandingCents === balance.expectedOutstandingCents &&
      balance.redeemedCents === balance.expectedRedeemedCents &&
      balance.expiredCents === balance.expectedExpiredCents &&
      balance.reimbursedCents === balance.expectedReimbursedCents &&
      balance.reimbursedCents <= balance.redeemedCents;
    return balance;
  });
  const unbalancedTransactions = unbalanced.map((row) => row.transaction_id);
  return { programmes, unbalancedTransactions, ok: unbalancedTransactions.length === 0 && programmes.every((p) => p.balanced) };
}
