import type { Kysely } from 'kysely';
import type { DB, VoucherStatus } from '../../db/schema.js';
import { formatVoucherCode, makeVoucherCode } from '../domain/voucher-code.js';
import { frenchDay } from '../../shared/dates.js';
import { isLiveVoucher } from '../domain/voucher-status.js';

export { VOUCHER_STATUS_LABELS, VOUCHER_STATUSES } from '../domain/voucher-labels.js';

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


export interface PublicVoucherView {
  faceValueCents: number;
  programmeId: number;
  programmeName: string;
  /** Every co-funder of the voucher's order, largest share first, as printed on the voucher. */
  funderNames: string[];
  usable: boolean;
  statusText: string;
}

/**
 * What anyone holding a voucher (or scanning its QR code) may know of it: the code is the bearer's secret, so the
 * page says whether it can be used, never who holds it or where it was handed.
 */
export async function publicVoucherView(db: Kysely<DB>, serial: number): Promise<PublicVoucherView | null> {
  const voucher = await db
    .selectFrom('vouchers as v')
    .innerJoin('programmes as p', 'p.id', 'v.programme_id')
    .select(['v.status', 'v.expires_at', 'v.redeemed_at', 'v.face_value_cents', 'v.order_id', 'p.id', 'p.name', 'p.allow_direct_handing'])
    .where('v.serial', '=', serial)
    .executeTakeFirst();
  if (!voucher) return null;
  const expiresAt = new Date(voucher.expires_at);
  const live = isLiveVoucher(voucher.status, expiresAt);
  const usable = live && (voucher.status === 'handed' || (voucher.status === 'allocated' && voucher.allow_direct_handing));
  const statusText = usable
    ? `Ce chèque peut être utilisé jusqu’au ${frenchDay(expiresAt)}.`
    : voucher.status === 'redeemed'
      ? `Ce chèque a déjà été utilisé le ${frenchDay(new Date(voucher.redeemed_at!))}.`
      : voucher.status === 'cancelled'
        ? 'Ce chèque a été annulé : il ne peut plus être utilisé.'
        : !live
          ? `Ce chèque a expiré le ${frenchDay(expiresAt)}.`
          : 'Ce chèque n’est pas encore actif : il doit vous être remis par une structure (CAF, mairie, association…).';
  const funders = await db
    .selectFrom('order_cofunding as c')
    .innerJoin('organisations as o', 'o.id', 'c.organisation_id')
    .select('o.name')
    .where('c.order_id', '=', voucher.order_id)
    .orderBy('c.share_bp', 'desc')
    .orderBy('o.name')
    .execute();
  return { faceValueCents: voucher.face_value_cents, programmeId: voucher.id, programmeName: voucher.name, funderNames: funders.map((f) => f.name), usable, statusText };
}
