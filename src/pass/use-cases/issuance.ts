import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, invalid } from '../../shared/errors.js';
import { makeBookletNumber, NEW_BOOKLET_PIN_DIGITS } from '../domain/booklet-number.js';
import { MAX_SERIAL } from '../domain/voucher-code.js';
import { lockOrder } from './orders.js';

async function reserveSerials(trx: Kysely<DB>, name: 'voucher' | 'booklet', count: number): Promise<number> {
  const row = await trx
    .updateTable('serial_counters')
    .set((eb) => ({ next_value: eb('next_value', '+', count) }))
    .where('name', '=', name)
    .returning(sql<number>`next_value - ${count}`.as('first'))
    .executeTakeFirstOrThrow();
  return Number(row.first);
}

export interface IssuanceResult {
  orderId: number;
  bookletCount: number;
  voucherCount: number;
  firstBookletNumber: string;
  lastBookletNumber: string;
  expiresAt: Date;
}

/**
 * Creates all the booklets and vouchers of an order in one transaction, as two set-based inserts (booklets from
 * arrays, vouchers from generate_series): a million vouchers are one statement, not a million round trips.
 * Codes are not stored: each is derived from its serial and the server secret when printed or checked.
 */
export async function issueOrder(db: Kysely<DB>, actorUserId: number | null, orderId: number): Promise<IssuanceResult> {
  return db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, orderId);
    if (order.status !== 'placed') throw conflict(`La commande ${orderId} a déjà été émise ou annulée (statut : ${order.status}).`, 'commande_deja_emise');
    const voucherCount = order.booklet_count * order.vouchers_per_booklet;
    const firstVoucher = await reserveSerials(trx, 'voucher', voucherCount);
    if (firstVoucher + voucherCount - 1 > MAX_SERIAL) throw invalid('La capacité de numérotation des chèques est épuisée.', 'capacite_epuisee');
    const firstBooklet = await reserveSerials(trx, 'booklet', order.booklet_count);
    const bookletIds = Array.from({ length: order.booklet_count }, (_, index) => firstBooklet + index);
    const bookletNumbers = bookletIds.map(makeBookletNumber);
    const { expires_at: expiresAt } = await trx
      .updateTable('orders')
      .set({ status: 'issued', issued_at: sql`now()`, expires_at: sql`now() + make_interval(months => (select validity_months from programmes where id = ${order.programme_id}))` })
      .where('id', '=', orderId)
      .returning('expires_at')
      .executeTakeFirstOrThrow();
    await sql`
      insert into booklets (id, number, order_id, programme_id, pin_digits)
      select id, number, ${orderId}, ${order.programme_id}, ${NEW_BOOKLET_PIN_DIGITS}
      from unnest(${bookletIds}::bigint[], ${bookletNumbers}::text[]) as b(id, number)`.execute(trx);
    await sql`
      insert into vouchers (serial, booklet_id, order_id, programme_id, face_value_cents, status, expires_at)
      select ${firstVoucher}::bigint + b * ${order.vouchers_per_booklet}::bigint + v, ${firstBooklet}::bigint + b, ${orderId}::bigint,
             ${order.programme_id}::bigint, ${order.face_value_cents}::integer, 'issued', ${expiresAt}::timestamptz
      from generate_series(0, ${order.booklet_count - 1}) as b cross join generate_series(0, ${order.vouchers_per_booklet - 1}) as v`.execute(trx);
    await recordAudit(trx, {
      actorUserId,
      organisationId: order.funder_organisation_id,
      action: 'order.issued',
      orderId,
      fromStatus: null,
      toStatus: 'issued',
      voucherCount,
      details: { firstVoucherSerial: firstVoucher, lastVoucherSerial: firstVoucher + voucherCount - 1, firstBooklet: bookletNumbers[0], lastBooklet: bookletNumbers.at(-1) },
    });
    return {
      orderId,
      bookletCount: order.booklet_count,
      voucherCount,
      firstBookletNumber: bookletNumbers[0]!,
      lastBookletNumber: bookletNumbers.at(-1)!,
      expiresAt: expiresAt!,
    };
  });
}
