import { sql, type Kysely } from 'kysely';
import type { Principal } from '../../accounts/use-cases/principal.js';
import type { DB, VoucherStatus } from '../../db/schema.js';
import { forbidden, notFound } from '../../shared/errors.js';
import { readPage } from '../../shared/paged-query.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import { formatEuros } from '../../shared/french.js';
import { canListFunderReports, canSearchVouchers } from '../domain/policies.js';
import { formatBookletNumber, makeBookletNumber } from '../domain/booklet-number.js';
import { parseSearchInput } from '../domain/search-input.js';
import { formatVoucherCode, makeVoucherCode } from '../domain/voucher-code.js';
import { VOUCHER_STATUS_LABELS } from '../domain/voucher-labels.js';

/** The operator only: before anything is read, even an empty search form. */
export const requireSearcher = (principal: Principal) => {
  if (!canSearchVouchers(principal)) throw forbidden('La recherche des chèques et des carnets est réservée à l’opérateur.');
};

export interface VoucherFilters {
  status?: VoucherStatus;
  programmeId?: number;
  orderId?: number;
}

export interface VoucherListLine {
  code: string;
  bookletNumber: string;
  orderId: number;
  programmeName: string;
  status: VoucherStatus;
  expiresAt: Date;
  redeemedAt: Date | null;
  placeName: string | null;
}

/** The operator's list of vouchers (codes included), filtered, by serial, page by page. */
export async function listVouchersPage(db: Kysely<DB>, secret: string, principal: Principal, filters: VoucherFilters, request: PageRequest): Promise<{ vouchers: VoucherListLine[]; page: Page }> {
  requireSearcher(principal);
  let query = db
    .selectFrom('vouchers as v')
    .innerJoin('booklets as b', 'b.id', 'v.booklet_id')
    .innerJoin('programmes as p', 'p.id', 'v.programme_id')
    .leftJoin('places as pl', 'pl.id', 'v.redeemed_place_id')
    .select(['v.serial', 'b.number', 'v.order_id', 'p.name as programme_name', 'v.status', 'v.expires_at', 'v.redeemed_at', 'pl.name as place_name'])
    .orderBy('v.serial');
  if (filters.status) query = query.where('v.status', '=', filters.status);
  if (filters.programmeId !== undefined) query = query.where('v.programme_id', '=', filters.programmeId);
  if (filters.orderId !== undefined) query = query.where('v.order_id', '=', filters.orderId);
  const { rows, page } = await readPage(query, request);
  return {
    vouchers: rows.map((r) => ({
      code: formatVoucherCode(makeVoucherCode(secret, r.serial)), bookletNumber: r.number, orderId: r.order_id, programmeName: r.programme_name,
      status: r.status, expiresAt: new Date(r.expires_at), redeemedAt: r.redeemed_at ? new Date(r.redeemed_at) : null, placeName: r.place_name,
    })),
    page,
  };
}

/** One step of a voucher's or a booklet's life, as the operator reads it. */
export interface HistoryStep {
  at: Date;
  /** issued, activated, allocated, handed, redeemed, undone, expired, cancelled, reimbursed, locked, unlocked, placed… */
  kind: string;
  text: string;
  /** Who did it (person, organisation), when the journal knows. */
  by: string | null;
}

interface JournalRow {
  id: number;
  at: Date;
  action: string;
  details: Record<string, unknown> | null;
  voucher_serial: number | null;
  actor: string | null;
  organisation: string | null;
  place_name: string | null;
}

const STEP_KIND: Record<string, string> = {
  'order.placed': 'placed',
  'order.issued': 'issued',
  'order.paid': 'activated',
  'order.cancelled': 'cancelled',
  'booklets.allocated': 'allocated',
  'booklet.handed': 'handed',
  'booklet.locked': 'locked',
  'booklet.unlocked': 'unlocked',
  'voucher.redeemed': 'redeemed',
  'voucher.redemption_undone': 'undone',
  'vouchers.expired': 'expired',
};

function stepText(row: JournalRow, orderId: number, code: (serial: number) => string): string {
  const d = row.details ?? {};
  const text = (key: string) => (typeof d[key] === 'string' ? (d[key] as string) : null);
  switch (row.action) {
    case 'order.placed': return `Commande n° ${orderId} passée`;
    case 'order.issued': return `Émis avec la commande n° ${orderId}`;
    case 'order.paid': return `Activé : paiement de la commande enregistré${text('paymentReference') ? ` (référence « ${text('paymentReference')} »)` : ''}`;
    case 'order.cancelled': return 'Annulé avec la commande';
    case 'booklets.allocated': return `Attribué à ${text('recipientName') ?? 'une structure prescriptrice'}`;
    case 'booklet.handed': return `Remis à une personne${row.organisation ? ` par ${row.organisation}` : ''}`;
    case 'booklet.locked': return 'Carnet bloqué après trop de codes secrets erronés';
    case 'booklet.unlocked': return 'Carnet débloqué';
    case 'voucher.redeemed': return `${row.voucher_serial !== null ? `Chèque ${code(row.voucher_serial)} encaissé` : 'Encaissé'}${row.place_name ? ` à ${row.place_name}` : ''}`;
    case 'voucher.redemption_undone': return `${row.voucher_serial !== null ? `Encaissement du chèque ${code(row.voucher_serial)} annulé` : 'Encaissement annulé'}${text('reason') ? ` : « ${text('reason')} »` : ''}`;
    case 'vouchers.expired': return 'Expiré : sa valeur revient aux cofinanceurs';
    default: return row.action;
  }
}

/**
 * The journal of a booklet (and, when `serial` is given, of one of its vouchers): the order's steps (placed, issued,
 * paid, cancelled, expired), the booklet's (allocated, handed, locked, unlocked) and each voucher's (redeemed,
 * undone), then the reimbursements from the statement lines, in the order they happened.
 */
async function history(db: Kysely<DB>, secret: string, booklet: { id: number; number: string; order_id: number }, serial: number | null, expired: boolean): Promise<HistoryStep[]> {
  const voucherCondition = serial === null ? sql`e.voucher_serial in (select serial from vouchers where booklet_id = ${booklet.id})` : sql`e.voucher_serial = ${serial}`;
  const { rows } = await sql<JournalRow>`
    select e.id, e.at, e.action, e.details, e.voucher_serial, u.display_name as actor, o.name as organisation, pl.name as place_name
    from audit_events e
    left join users u on u.id = e.actor_user_id
    left join organisations o on o.id = e.organisation_id
    left join places pl on pl.id = case when e.details->>'placeId' ~ '^[0-9]{1,15}$' then (e.details->>'placeId')::bigint end
    where ${voucherCondition}
       or (e.booklet_id = ${booklet.id} and e.voucher_serial is null)
       or (e.order_id = ${booklet.order_id} and e.booklet_id is null and e.voucher_serial is null
           and (e.action in ('order.placed', 'order.issued', 'order.paid', 'order.cancelled')
                or (e.action = 'booklets.allocated' and e.details->'booklets' @> jsonb_build_array(${booklet.number}::text))
                or (e.action = 'vouchers.expired' and ${expired})))
    order by e.at, e.id`.execute(db);
  const code = (s: number) => formatVoucherCode(makeVoucherCode(secret, s));
  const steps: HistoryStep[] = rows
    .filter((row) => STEP_KIND[row.action])
    .map((row) => ({ at: new Date(row.at), kind: STEP_KIND[row.action]!, text: stepText(row, booklet.order_id, code), by: row.actor ?? row.organisation }));
  const paid = await db
    .selectFrom('statement_lines as l')
    .innerJoin('statements as s', 's.id', 'l.statement_id')
    .innerJoin('reimbursement_runs as r', 'r.id', 's.run_id')
    .innerJoin('places as p', 'p.id', 's.place_id')
    .select(['l.voucher_serial', 'l.amount_cents', 's.id as statement_id', 'r.id as run_id', 'r.created_at', 'r.paid_at', 'p.name'])
    .$if(serial === null, (qb) => qb.where('l.voucher_serial', 'in', db.selectFrom('vouchers').select('serial').where('booklet_id', '=', booklet.id)))
    .$if(serial !== null, (qb) => qb.where('l.voucher_serial', '=', serial!))
    .execute();
  for (const line of paid) {
    const number = `R${String(line.run_id).padStart(6, '0')}-S${String(line.statement_id).padStart(8, '0')}`;
    steps.push({ at: new Date(line.created_at), kind: 'reimbursed', text: `${serial === null ? `Chèque ${code(line.voucher_serial)} remboursé` : 'Remboursé'} à ${line.name} : ${formatEuros(line.amount_cents)}, relevé ${number}${line.paid_at ? ', virement payé' : ''}`, by: null });
  }
  return steps.sort((a, b) => a.at.getTime() - b.at.getTime());
}

export interface BookletDossier {
  kind: 'booklet';
  id: number;
  number: string;
  orderId: number;
  programmeName: string;
  funderName: string;
  paymentReference: string | null;
  allocatedTo: string | null;
  handedAt: Date | null;
  lockedAt: Date | null;
  expiresAt: Date | null;
  vouchers: { code: string; status: VoucherStatus; statusText: string; redeemedAt: Date | null; placeName: string | null }[];
  history: HistoryStep[];
}

export interface VoucherDossier {
  kind: 'voucher';
  code: string;
  status: VoucherStatus;
  statusText: string;
  faceValueCents: number;
  expiresAt: Date;
  redeemedAt: Date | null;
  placeName: string | null;
  booklet: { number: string; allocatedTo: string | null; handedAt: Date | null };
  orderId: number;
  programmeName: string;
  funderName: string;
  paymentReference: string | null;
  history: HistoryStep[];
}

async function bookletRow(db: Kysely<DB>, bookletId: number) {
  return db
    .selectFrom('booklets as b')
    .innerJoin('orders as o', 'o.id', 'b.order_id')
    .innerJoin('programmes as p', 'p.id', 'b.programme_id')
    .innerJoin('organisations as f', 'f.id', 'o.funder_organisation_id')
    .leftJoin('organisations as a', 'a.id', 'b.allocated_organisation_id')
    .select(['b.id', 'b.number', 'b.order_id', 'b.handed_at', 'b.locked_at', 'o.expires_at', 'o.payment_reference', 'p.name as programme_name', 'f.name as funder_name', 'a.name as allocated_name'])
    .where('b.id', '=', bookletId)
    .executeTakeFirst();
}

/**
 * The operator's search: a voucher code or a booklet number as printed (spaces, dashes, case, or the QR code's
 * address), answered with its status and its whole history. A code or number the platform never issued is refused.
 */
export async function findForOperator(db: Kysely<DB>, secret: string, principal: Principal, input: string): Promise<VoucherDossier | BookletDossier> {
  requireSearcher(principal);
  const target = parseSearchInput(secret, input);
  if (target.kind === 'booklet') {
    const booklet = await bookletRow(db, target.serial);
    if (!booklet) throw notFound(`Aucun carnet n’a été émis avec le numéro ${formatBookletNumber(makeBookletNumber(target.serial))}.`, 'carnet_inconnu');
    const vouchers = await db
      .selectFrom('vouchers as v')
      .leftJoin('places as pl', 'pl.id', 'v.redeemed_place_id')
      .select(['v.serial', 'v.status', 'v.redeemed_at', 'pl.name as place_name'])
      .where('v.booklet_id', '=', booklet.id)
      .orderBy('v.serial')
      .execute();
    return {
      kind: 'booklet', id: booklet.id, number: booklet.number, orderId: booklet.order_id, programmeName: booklet.programme_name, funderName: booklet.funder_name,
      paymentReference: booklet.payment_reference, allocatedTo: booklet.allocated_name, handedAt: booklet.handed_at, lockedAt: booklet.locked_at, expiresAt: booklet.expires_at,
      vouchers: vouchers.map((v) => ({ code: formatVoucherCode(makeVoucherCode(secret, v.serial)), status: v.status, statusText: VOUCHER_STATUS_LABELS[v.status], redeemedAt: v.redeemed_at, placeName: v.place_name })),
      history: await history(db, secret, booklet, null, vouchers.some((v) => v.status === 'expired')),
    };
  }
  const voucher = await db
    .selectFrom('vouchers as v')
    .leftJoin('places as pl', 'pl.id', 'v.redeemed_place_id')
    .select(['v.serial', 'v.booklet_id', 'v.status', 'v.face_value_cents', 'v.expires_at', 'v.redeemed_at', 'pl.name as place_name'])
    .where('v.serial', '=', target.serial)
    .executeTakeFirst();
  if (!voucher) throw notFound('Ce code est authentique mais aucun chèque ne porte ce numéro de série ici.', 'cheque_inconnu');
  const booklet = (await bookletRow(db, voucher.booklet_id))!;
  return {
    kind: 'voucher', code: formatVoucherCode(makeVoucherCode(secret, voucher.serial)), status: voucher.status, statusText: VOUCHER_STATUS_LABELS[voucher.status],
    faceValueCents: voucher.face_value_cents, expiresAt: new Date(voucher.expires_at), redeemedAt: voucher.redeemed_at, placeName: voucher.place_name,
    booklet: { number: booklet.number, allocatedTo: booklet.allocated_name, handedAt: booklet.handed_at },
    orderId: booklet.order_id, programmeName: booklet.programme_name, funderName: booklet.funder_name, paymentReference: booklet.payment_reference,
    history: await history(db, secret, booklet, voucher.serial, voucher.status === 'expired'),
  };
}

export interface FunderLine {
  id: number;
  name: string;
  departementCode: string | null;
  programmeCount: number;
  orderCount: number;
  /** What the funder owes as its shares of every order (ordered or co-funded). */
  committedCents: number;
}

/**
 * The operator's index of funder reports: every organisation of the funder kind or co-funding a programme, with
 * what it committed, by name, page by page.
 */
export async function listFunders(db: Kysely<DB>, principal: Principal, filters: { name?: string }, request: PageRequest): Promise<{ funders: FunderLine[]; page: Page }> {
  if (!canListFunderReports(principal)) throw forbidden('La liste des rapports des financeurs est réservée à l’opérateur.');
  let query = db
    .selectFrom('organisations as o')
    .select([
      'o.id', 'o.name', 'o.departement_code',
      sql<number>`(select count(*) from programme_cofunders c where c.organisation_id = o.id)::int`.as('programme_count'),
      sql<number>`(select count(*) from orders r where r.funder_organisation_id = o.id)::int`.as('order_count'),
      sql<number>`(select coalesce(sum(c.amount_cents), 0) from order_cofunding c join orders r on r.id = c.order_id where c.organisation_id = o.id and r.status <> 'cancelled')::bigint`.as('committed_cents'),
    ])
    .where((eb) => eb.or([sql<boolean>`'funder' = any(o.kinds)`, eb.exists(eb.selectFrom('programme_cofunders as pc').select('pc.organisation_id').whereRef('pc.organisation_id', '=', 'o.id'))]))
    .orderBy('o.name')
    .orderBy('o.id');
  if (filters.name) query = query.where(sql<boolean>`o.name ilike ${`%${filters.name.replace(/[\\%_]/g, (c) => `\\${c}`)}%`}`);
  const { rows, page } = await readPage(query, request);
  return {
    funders: rows.map((r) => ({ id: r.id, name: r.name, departementCode: r.departement_code, programmeCount: r.programme_count, orderCount: r.order_count, committedCents: Number(r.committed_cents) })),
    page,
  };
}
