import type { Kysely } from 'kysely';
import { isAdmin, type Principal } from '../../accounts/use-cases/principal.js';
import { listOrganisations } from '../../accounts/use-cases/store.js';
import type { DB, OrderRow, VoucherStatus } from '../../db/schema.js';
import { checkPeriod, listView, readListQuery, selectedId, type FilterDefinition } from '../../http/list-query.js';
import { ORDER_STATUS_LABELS } from '../../http/templates.js';
import { VOUCHER_STATUSES, VOUCHER_STATUS_LABELS } from '../domain/voucher-labels.js';
import { BOOKLET_STATES, listAllocatedBookletsPage, type BookletState } from '../use-cases/booklets.js';
import { listOrdersPage } from '../use-cases/orders.js';
import { listVouchersPage } from '../use-cases/operator-search.js';
import { listProgrammes } from '../use-cases/programmes.js';

/**
 * The operators' lists of the pass (orders, booklets to hand, vouchers): each one's filters, read from the query
 * string, and the page of rows the use case returns with its count (http/list-query.ts, shared/pagination.ts).
 */
const programmeFilter = async (db: Kysely<DB>): Promise<FilterDefinition> => ({
  name: 'programme', label: 'Programme', kind: 'select', any: 'Tous',
  options: (await listProgrammes(db)).map((p) => ({ value: String(p.id), label: p.name })),
});

/** /commandes: status, programme, funder (the operator), period the order was placed in. */
export async function ordersList(db: Kysely<DB>, principal: Principal, query: unknown) {
  const definitions: FilterDefinition[] = [
    { name: 'statut', label: 'Statut', kind: 'select', any: 'Tous', options: Object.entries(ORDER_STATUS_LABELS).map(([value, label]) => ({ value, label })) },
    await programmeFilter(db),
    ...(isAdmin(principal)
      ? [{ name: 'financeur', label: 'Financeur', kind: 'select', any: 'Tous', options: (await listOrganisations(db)).filter((o) => o.kinds.includes('funder')).map((o) => ({ value: String(o.id), label: o.name })) } satisfies FilterDefinition]
      : []),
    { name: 'du', label: 'Passée du', kind: 'date' },
    { name: 'au', label: 'au (inclus)', kind: 'date' },
  ];
  const list = readListQuery(query, definitions);
  checkPeriod(list);
  const { orders, page } = await listOrdersPage(db, principal, {
    status: (list.filters.statut || undefined) as OrderRow['status'] | undefined,
    programmeId: selectedId(list.filters.programme),
    funderOrganisationId: selectedId(list.filters.financeur),
    from: list.filters.du || undefined,
    to: list.filters.au || undefined,
  }, list.request);
  return { orders, page, list: listView('/commandes', list, definitions, page) };
}

/** /carnets: state (to hand, handed, locked, expired), programme, number (part of it, as printed). */
export async function bookletsList(db: Kysely<DB>, principal: Principal, query: unknown) {
  const definitions: FilterDefinition[] = [
    { name: 'etat', label: 'État', kind: 'select', any: 'Tous', options: Object.entries(BOOKLET_STATES).map(([value, label]) => ({ value, label })) },
    await programmeFilter(db),
    { name: 'recherche', label: 'Chercher un carnet', hint: 'Tout ou partie de son numéro, par exemple 000 123', kind: 'text', maxLength: 20 },
  ];
  const list = readListQuery(query, definitions);
  const { booklets, page } = await listAllocatedBookletsPage(db, principal, {
    state: (list.filters.etat || undefined) as BookletState | undefined,
    programmeId: selectedId(list.filters.programme),
    number: list.filters.recherche || undefined,
  }, list.request);
  return { booklets, page, list: listView('/carnets', list, definitions, page) };
}

/** /admin/cheques: status, programme, order. */
export async function vouchersList(db: Kysely<DB>, secret: string, principal: Principal, query: unknown) {
  const definitions: FilterDefinition[] = [
    { name: 'statut', label: 'Statut', kind: 'select', any: 'Tous', options: VOUCHER_STATUSES.map((value) => ({ value, label: VOUCHER_STATUS_LABELS[value] })) },
    await programmeFilter(db),
    { name: 'commande', label: 'Commande n°', kind: 'text', maxLength: 15 },
  ];
  const list = readListQuery(query, definitions, { defaultLimit: 50 });
  const order = (list.filters.commande ?? '').replace(/^n°\s*/i, '');
  const { vouchers, page } = await listVouchersPage(db, secret, principal, {
    status: (list.filters.statut || undefined) as VoucherStatus | undefined,
    programmeId: selectedId(list.filters.programme),
    // A number that is no order id finds nothing rather than everything.
    orderId: order === '' ? undefined : /^[0-9]{1,15}$/.test(order) ? Number(order) : -1,
  }, list.request);
  return { vouchers, page, list: listView('/admin/cheques', list, definitions, page) };
}
