import type { Kysely } from 'kysely';
import { canCancelOrder, canReadOrder } from '../domain/policies.js';
import type { DB, OrderRow } from '../../db/schema.js';
import { actingOrganisation, isAdmin, organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { splitByShares } from '../../shared/money.js';
import { formatNumber } from '../../shared/french.js';
import { postLedgerTransaction } from './ledger.js';
import { paginate, type Page, type PageRequest } from '../../shared/pagination.js';
import { parisDayAfter, parisDayStart, readPage } from '../../shared/paged-query.js';
import { getProgramme } from './programmes.js';

export const MAX_BOOKLETS_PER_ORDER = 200_000;

export interface OrderInput {
  programmeId: number;
  bookletCount: number;
  vouchersPerBooklet?: number;
  organisationId?: number;
}

export function orderAmountCents(bookletCount: number, vouchersPerBooklet: number, faceValueCents: number): number {
  return bookletCount * vouchersPerBooklet * faceValueCents;
}

export async function placeOrder(db: Kysely<DB>, principal: Principal, input: OrderInput): Promise<number> {
  const funderId = actingOrganisation(principal, 'funder', input.organisationId);
  const vouchersPerBooklet = input.vouchersPerBooklet ?? 10;
  if (!Number.isInteger(input.bookletCount) || input.bookletCount < 1 || input.bookletCount > MAX_BOOKLETS_PER_ORDER) {
    throw invalid(`Le nombre de carnets doit être un entier entre 1 et ${formatNumber(MAX_BOOKLETS_PER_ORDER)}.`, 'nombre_carnets');
  }
  if (!Number.isInteger(vouchersPerBooklet) || vouchersPerBooklet < 1 || vouchersPerBooklet > 50) {
    throw invalid('Un carnet contient entre 1 et 50 chèques.', 'cheques_par_carnet');
  }
  const programme = await getProgramme(db, input.programmeId);
  if (!programme.cofunders.some((c) => c.organisationId === funderId)) {
    throw forbidden(`Votre organisation ne cofinance pas le programme « ${programme.name} » : elle ne peut pas y commander de carnets.`);
  }
  const waiting = programme.cofunders.filter((c) => c.status !== 'accepted');
  if (waiting.length > 0) {
    throw conflict(`Le programme « ${programme.name} » attend l’accord de ses cofinanceurs (${waiting.map((c) => `${c.name} : ${c.status === 'refused' ? 'part refusée' : 'en attente'}`).join(' ; ')}) : aucune commande avant que chacun ait accepté sa part.`, 'cofinancement_non_accepte');
  }
  const amount = orderAmountCents(input.bookletCount, vouchersPerBooklet, programme.faceValueCents);
  const shares = splitByShares(amount, programme.cofunders.map((c) => ({ key: c.organisationId, shareBp: c.shareBp })));
  return db.transaction().execute(async (trx) => {
    // The shares read above must still be the accepted ones when the order books against them.
    const lines = await trx.selectFrom('programme_cofunders').select(['organisation_id', 'share_bp', 'status']).where('programme_id', '=', programme.id).forShare().execute();
    const unchanged = lines.length === programme.cofunders.length && lines.every((l) => l.status === 'accepted' && programme.cofunders.some((c) => c.organisationId === l.organisation_id && c.shareBp === l.share_bp));
    if (!unchanged) throw conflict('Les cofinanceurs du programme viennent de changer : rechargez la page et recommencez.', 'cofinancement_modifie');
    const { id } = await trx
      .insertInto('orders')
      .values({
        programme_id: programme.id,
        funder_organisation_id: funderId,
        booklet_count: input.bookletCount,
        vouchers_per_booklet: vouchersPerBooklet,
        face_value_cents: programme.faceValueCents,
        amount_cents: amount,
        status: 'placed',
        placed_by: principal.userId,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('order_cofunding')
      .values(shares.map((share) => ({
        order_id: id,
        organisation_id: share.key,
        share_bp: programme.cofunders.find((c) => c.organisationId === share.key)!.shareBp,
        amount_cents: share.amountCents,
      })))
      .execute();
    await postLedgerTransaction(trx, 'order_commitment', programme.id, [
      ...shares.map((share) => ({ account: 'funder_receivable' as const, amountCents: share.amountCents, organisationId: share.key, orderId: id })),
      { account: 'vouchers_outstanding', amountCents: -amount, orderId: id },
    ]);
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: funderId,
      action: 'order.placed',
      orderId: id,
      details: { programmeId: programme.id, bookletCount: input.bookletCount, vouchersPerBooklet, amountCents: amount },
    });
    return id;
  });
}

export interface OrderView extends OrderRow {
  programme_name: string;
  funder_name: string;
}

function ordersQuery(db: Kysely<DB>) {
  return db
    .selectFrom('orders')
    .innerJoin('programmes', 'programmes.id', 'orders.programme_id')
    .innerJoin('organisations', 'organisations.id', 'orders.funder_organisation_id')
    .selectAll('orders')
    .select(['programmes.name as programme_name', 'organisations.name as funder_name']);
}

/** A funder sees its own orders; the national administration sees all of them. */
export async function listOrders(db: Kysely<DB>, principal: Principal): Promise<OrderView[]> {
  let query = ordersQuery(db).orderBy('orders.id', 'desc');
  if (!isAdmin(principal)) {
    const funders = organisationsWithRole(principal, 'funder');
    if (funders.length === 0) return [];
    query = query.where('orders.funder_organisation_id', 'in', funders);
  }
  return query.execute();
}

export interface OrderFilters {
  status?: OrderRow['status'];
  programmeId?: number;
  funderOrganisationId?: number;
  /** Placed from this day (AAAA-MM-JJ, Paris), and up to that day, both included. */
  from?: string;
  to?: string;
}

/** One page of the orders the principal sees (listOrders' rule), filtered, newest first, with their count. */
export async function listOrdersPage(db: Kysely<DB>, principal: Principal, filters: OrderFilters, request: PageRequest): Promise<{ orders: OrderView[]; page: Page }> {
  let query = ordersQuery(db).orderBy('orders.id', 'desc');
  if (!isAdmin(principal)) {
    const funders = organisationsWithRole(principal, 'funder');
    if (funders.length === 0) return { orders: [], page: paginate(0, request) };
    query = query.where('orders.funder_organisation_id', 'in', funders);
  }
  if (filters.status) query = query.where('orders.status', '=', filters.status);
  if (filters.programmeId !== undefined) query = query.where('orders.programme_id', '=', filters.programmeId);
  if (filters.funderOrganisationId !== undefined) query = query.where('orders.funder_organisation_id', '=', filters.funderOrganisationId);
  if (filters.from) query = query.where('orders.placed_at', '>=', parisDayStart(filters.from));
  if (filters.to) query = query.where('orders.placed_at', '<', parisDayAfter(filters.to));
  const { rows, page } = await readPage(query, request);
  return { orders: rows, page };
}

export async function getOrder(db: Kysely<DB>, principal: Principal, orderId: number): Promise<OrderView> {
  const order = await ordersQuery(db).where('orders.id', '=', orderId).executeTakeFirst();
  const visible = order && canReadOrder(principal, order.funder_organisation_id);
  // An order the principal may not see is reported as missing, so its existence does not leak.
  if (!visible) throw notFound(`La commande ${orderId} n’existe pas.`);
  return order;
}

export async function lockOrder(trx: Kysely<DB>, orderId: number): Promise<OrderRow> {
  const order = await trx.selectFrom('orders').selectAll().where('id', '=', orderId).forUpdate().executeTakeFirst();
  if (!order) throw notFound(`La commande ${orderId} n’existe pas.`);
  return order;
}

/** Before payment, an order can be withdrawn: its vouchers are cancelled and the commitment reversed. */
export async function cancelOrder(db: Kysely<DB>, principal: Principal, orderId: number): Promise<void> {
  const visible = await getOrder(db, principal, orderId);
  if (!canCancelOrder(principal, visible.funder_organisation_id)) throw forbidden('Seuls le financeur de la commande et l’opérateur peuvent l’annuler.');
  await db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, orderId);
    if (order.status !== 'placed' && order.status !== 'issued') {
      throw conflict(order.status === 'cancelled' ? 'Cette commande est déjà annulée.' : 'Une commande payée ne peut plus être annulée.', 'commande_non_annulable');
    }
    const cancelled = await trx
      .updateTable('vouchers')
      .set({ status: 'cancelled' })
      .where('order_id', '=', orderId)
      .where('status', '=', 'issued')
      .executeTakeFirst();
    await trx.updateTable('orders').set({ status: 'cancelled', cancelled_at: new Date() }).where('id', '=', orderId).execute();
    const shares = await trx.selectFrom('order_cofunding').selectAll().where('order_id', '=', orderId).execute();
    await postLedgerTransaction(trx, 'order_cancellation', order.programme_id, [
      ...shares.map((share) => ({ account: 'funder_receivable' as const, amountCents: -share.amount_cents, organisationId: share.organisation_id, orderId })),
      { account: 'vouchers_outstanding', amountCents: order.amount_cents, orderId },
    ]);
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: order.funder_organisation_id,
      action: 'order.cancelled',
      orderId,
      fromStatus: 'issued',
      toStatus: 'cancelled',
      voucherCount: Number(cancelled.numUpdatedRows),
    });
  });
}
