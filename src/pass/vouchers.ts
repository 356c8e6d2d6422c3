import type { Kysely } from 'kysely';
import type { DB, VoucherStatus } from '../db/schema.js';
import { formatVoucherCode, makeVoucherCode } from './domain/voucher-code.js';

export const VOUCHER_STATUSES: VoucherStatus[] = ['issued', 'activated', 'allocated', 'handed', 'redeemed', 'expired', 'cancelled'];

export const VOUCHER_STATUS_LABELS: Record<VoucherStatus, string> = {
  issued: 'Émis',
  activated: 'Activé',
  allocated: 'Attribué',
  handed: 'Remis',
  redeemed: 'Encaissé',
  expired: 'Expiré',
  cancelled: 'Annulé',
};

/** The operators' view of vouchers, codes included: for the CLI and the administration only. */
export async function listVouchers(db: Kysely<DB>, secret: string, options: { status?: VoucherStatus; limit?: number }) {
  const rows = await db
    .selectFrom('vouchers as v')
    .innerJoin('booklets as b', 'b.id', 'v.booklet_id')
    .innerJoin('programmes as p', 'p.id', 'v.programme_id')
    .select(['v.serial', 'b.number as booklet', 'p.name as programme', 'v.status', 'v.expires_at'])
    .$if(options.status !== undefined, (qb) => qb.where('v.status', '=', options.status!))
    .orderBy('v.serial')
    .limit(options.limit ?? 50)
    .execute();
  return rows.map((row) => ({
    code: formatVoucherCode(makeVoucherCode(secret, row.serial)),
    booklet: row.booklet,
    programme: row.programme,
    status: row.status,
    expiresAt: new Date(row.expires_at).toISOString(),
  }));
}

/** Codes of a booklet, for the funder's printing and the tests; never shown to another organisation. */
export async function bookletVoucherCodes(db: Kysely<DB>, secret: string, bookletId: number) {
  const rows = await db.selectFrom('vouchers').select(['serial', 'status']).where('booklet_id', '=', bookletId).orderBy('serial').execute();
  return rows.map((row) => ({ code: formatVoucherCode(makeVoucherCode(secret, row.serial)), status: row.status }));
}
