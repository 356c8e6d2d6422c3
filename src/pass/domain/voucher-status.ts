import type { VoucherStatus } from '../../db/schema.js';

/**
 * The statuses in which a voucher still carries its value: issued, paid for, given to a prescriber, handed to a
 * person. The one definition redemption, expiry, the ledger check and the public voucher page use.
 */
export const LIVE_VOUCHER_STATUSES = ['issued', 'activated', 'allocated', 'handed'] as const satisfies readonly VoucherStatus[];

/** The same list in SQL: `('issued', 'activated', 'allocated', 'handed')`. */
export const LIVE_VOUCHER_STATUSES_SQL = `(${LIVE_VOUCHER_STATUSES.map((status) => `'${status}'`).join(', ')})`;

export const isLiveStatus = (status: VoucherStatus): boolean => (LIVE_VOUCHER_STATUSES as readonly VoucherStatus[]).includes(status);

/** A live voucher: a live status and not past its expiry. */
export const isLiveVoucher = (status: VoucherStatus, expiresAt: Date, now = new Date()): boolean => isLiveStatus(status) && expiresAt > now;

/** `isLiveVoucher` in SQL, over the voucher alias given. */
export const liveVoucherSql = (voucherAlias: 'v' | 'vouchers'): string => `(${voucherAlias}.status in ${LIVE_VOUCHER_STATUSES_SQL} and ${voucherAlias}.expires_at > now())`;
