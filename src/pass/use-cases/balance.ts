import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { authenticateBooklet, bookletNotFound } from './booklet-pin.js';

export interface BookletBalance {
  number: string;
  programmeName: string;
  faceValueCents: number;
  remaining: number;
  used: number;
  total: number;
  expiresAt: Date | null;
  expired: boolean;
  departementCodes: string[];
  programmeId: number;
  /** Where the person lives (from the handing profile), to search places near them. */
  communeCode: string | null;
  bookletId: number;
  handed: boolean;
  /** The vouchers used, oldest first: when, and at which place (name and commune). */
  history: VoucherUse[];
}

export interface VoucherUse {
  redeemedAt: Date;
  placeName: string;
  commune: string;
}

export { bookletNotFound };

/**
 * What a person sees with the number and PIN printed on their booklet: no account, no name. The PIN is checked
 * and counted by authenticateBooklet (booklet-pin.ts), as on every door that takes one.
 */
export async function bookletBalance(db: Kysely<DB>, secret: string, numberInput: string, pinInput: string): Promise<BookletBalance> {
  const serial = await authenticateBooklet(db, secret, numberInput, pinInput);
  const booklet = await db
    .selectFrom('booklets as b')
    .innerJoin('programmes as p', 'p.id', 'b.programme_id')
    .innerJoin('orders as o', 'o.id', 'b.order_id')
    .select(['b.id', 'b.number', 'p.name', 'p.face_value_cents', 'o.expires_at', 'p.id as programme_id', 'b.profile_commune_code', 'b.handed_at'])
    .where('b.id', '=', serial)
    .executeTakeFirst();
  if (!booklet) throw bookletNotFound();
  const counts = await db
    .selectFrom('vouchers')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('booklet_id', '=', booklet.id)
    .groupBy('status')
    .execute();
  const count = (statuses: string[]) => counts.filter((c) => statuses.includes(c.status)).reduce((sum, c) => sum + Number(c.n), 0);
  const history = await db
    .selectFrom('vouchers as v')
    .innerJoin('places as pl', 'pl.id', 'v.redeemed_place_id')
    .select(['v.redeemed_at', 'pl.name', 'pl.commune_name'])
    .where('v.booklet_id', '=', booklet.id)
    .where('v.status', '=', 'redeemed')
    .orderBy('v.redeemed_at')
    .orderBy('v.serial')
    .execute();
  const departements = await db.selectFrom('programme_departements').select('departement_code').where('programme_id', '=', booklet.programme_id).execute();
  const expiresAt = booklet.expires_at ? new Date(booklet.expires_at) : null;
  const expired = expiresAt !== null && expiresAt <= new Date();
  return {
    number: booklet.number,
    programmeName: booklet.name,
    faceValueCents: booklet.face_value_cents,
    remaining: expired ? 0 : count(['activated', 'allocated', 'handed']),
    used: count(['redeemed']),
    total: count(['issued', 'activated', 'allocated', 'handed', 'redeemed', 'expired', 'cancelled']),
    expiresAt,
    expired,
    departementCodes: departements.map((d) => d.departement_code),
    programmeId: booklet.programme_id,
    communeCode: booklet.profile_commune_code,
    bookletId: booklet.id,
    handed: booklet.handed_at !== null,
    history: history.map((h) => ({ redeemedAt: new Date(h.redeemed_at!), placeName: h.name, commune: h.commune_name })),
  };
}
