import type { Kysely } from 'kysely';
import type { DB } from '../../../db/schema.js';
import { notFound } from '../../../shared/errors.js';
import { bookletPin, parseBookletNumber } from '../../domain/booklet-number.js';
import { makeVoucherCode } from '../../domain/voucher-code.js';
import type { PrintableBooklet } from './booklet-pdf.js';

const PAGE = 200;

export type PrintSelection = { orderId: number } | { bookletNumber: string };

/** How many booklets a selection prints, for progress bars and part sizes. */
export async function countBooklets(db: Kysely<DB>, selection: PrintSelection): Promise<number> {
  if ('bookletNumber' in selection) return 1;
  const row = await db.selectFrom('booklets').select((eb) => eb.fn.countAll<number>().as('n')).where('order_id', '=', selection.orderId).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Booklets with their vouchers' codes, read a page at a time so that a 10 000-booklet order streams. */
export async function* printableBooklets(db: Kysely<DB>, secret: string, selection: PrintSelection, range?: { offset: number; limit: number }): AsyncGenerator<PrintableBooklet> {
  let orderId: number;
  let bookletFilter: number | null = null;
  if ('bookletNumber' in selection) {
    const serial = parseBookletNumber(selection.bookletNumber);
    const booklet = serial === null ? undefined : await db.selectFrom('booklets').select(['id', 'order_id']).where('id', '=', serial).executeTakeFirst();
    if (!booklet) throw notFound('Ce carnet n’existe pas : vérifiez son numéro (9 chiffres).');
    orderId = booklet.order_id;
    bookletFilter = booklet.id;
  } else orderId = selection.orderId;
  const order = await db
    .selectFrom('orders as o')
    .innerJoin('programmes as p', 'p.id', 'o.programme_id')
    .select(['o.id', 'p.id as programme_id', 'p.name', 'p.face_value_cents'])
    .where('o.id', '=', orderId)
    .executeTakeFirst();
  if (!order) throw notFound('Cette commande n’existe pas.');
  const funders = await db
    .selectFrom('order_cofunding as c')
    .innerJoin('organisations as o', 'o.id', 'c.organisation_id')
    .select('o.name')
    .where('c.order_id', '=', orderId)
    .orderBy('c.share_bp', 'desc')
    .execute();
  let after = 0;
  let remaining = range?.limit ?? Number.POSITIVE_INFINITY;
  let skip = range?.offset ?? 0;
  while (remaining > 0) {
    let query = db.selectFrom('booklets').select(['id', 'number', 'handed_at', 'pin_digits']).where('order_id', '=', orderId).where('id', '>', after).orderBy('id').limit(PAGE);
    if (bookletFilter !== null) query = query.where('id', '=', bookletFilter);
    const booklets = await query.execute();
    if (booklets.length === 0) return;
    after = booklets[booklets.length - 1]!.id;
    const wanted = booklets.slice(Math.min(skip, booklets.length));
    skip = Math.max(0, skip - booklets.length);
    if (wanted.length === 0) continue;
    const vouchers = await db
      .selectFrom('vouchers')
      .select(['serial', 'booklet_id', 'expires_at'])
      .where('booklet_id', 'in', wanted.map((b) => b.id))
      .orderBy('serial')
      .execute();
    const byBooklet = new Map<number, typeof vouchers>();
    for (const voucher of vouchers) byBooklet.set(voucher.booklet_id, [...(byBooklet.get(voucher.booklet_id) ?? []), voucher]);
    for (const booklet of wanted) {
      if (remaining <= 0) return;
      remaining -= 1;
      yield {
        number: booklet.number,
        // A booklet handed to a person keeps its PIN secret, even from its funder and the operator (canSeeBookletPin).
        pin: booklet.handed_at === null ? bookletPin(secret, booklet.id, booklet.pin_digits) : null,
        programmeId: order.programme_id,
        programmeName: order.name,
        funderNames: funders.map((f) => f.name),
        faceValueCents: order.face_value_cents,
        vouchers: (byBooklet.get(booklet.id) ?? []).map((v) => ({ code: makeVoucherCode(secret, v.serial), expiresAt: new Date(v.expires_at) })),
      };
    }
  }
}
