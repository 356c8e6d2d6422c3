import { sql } from 'kysely';

/**
 * Transaction-level advisory lock between reimbursement runs and rejections (exclusive) and undoing a redemption
 * (shared): a voucher is never taken back while a run is paying it.
 */
export const REIMBURSEMENT_LOCK = sql`hashtext('reimbursement-run')`;
