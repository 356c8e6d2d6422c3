import { createHash } from 'node:crypto';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import type pg from 'pg';
import { queryPrepared } from '../../db/prepared.js';
import { reach, reachIsEmpty, type Reach } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { expiryHolderOrganisations, expiryNoticeCountSql, expiryNoticesFor } from '../../pass/use-cases/expiry-warnings.js';
import { PLACES_PERMISSIONS } from '../../places/domain/policies.js';
import { bankConfirmationReach, type BankConfirmationReach } from '../../reimbursement/domain/policies.js';
import { frenchDay } from '../../shared/dates.js';
import { notFound } from '../../shared/errors.js';
import { plural, pluralCapitalised } from '../../shared/french.js';
import type { NotificationKind } from '../domain/kinds.js';
import { ACTION_LABELS } from './messages.js';

/**
 * The inbox of one person. « À traiter » is derived from the state with the same policies that let the person act
 * (canReviewLabel, canConfirmBankDetails, the expiry notices of its organisations), turned into SQL from their data
 * (`reach`), so that it is always accurate and leaves as soon as the thing is done. « Informations » are the
 * events delivered to the person (notification_deliveries), read or unread.
 */

/**
 * `allows` as a condition on a row: the row's organisation and/or département columns against what the principal
 * reaches (pass null for a column the policy's target does not use).
 */
function reachSql(r: Reach, columns: { organisation: string | null; departement: string | null }): RawBuilder<boolean> {
  if (r.all) return sql<boolean>`true`;
  const parts: RawBuilder<boolean>[] = [];
  if (columns.organisation && r.organisationIds.length) parts.push(sql<boolean>`${sql.ref(columns.organisation)} = any(${r.organisationIds}::bigint[])`);
  if (columns.departement && r.departementCodes.length) parts.push(sql<boolean>`${sql.ref(columns.departement)} = any(${r.departementCodes}::text[])`);
  return parts.length ? sql<boolean>`(${sql.join(parts, sql` or `)})` : sql<boolean>`false`;
}

const PLACE_COLUMNS = { organisation: 'p.organisation_id', departement: 'c.departement_code' };

/** canReviewLabel in SQL: its target is the place's département only. */
const labelReach = (principal: Principal) => reach(principal, PLACES_PERMISSIONS['label.review']);
const labelCondition = (r: Reach) => reachSql(r, { organisation: null, departement: 'c.departement_code' });

/** canConfirmBankDetails in SQL (bankConfirmationMatches, row by row). */
function bankCondition(r: BankConfirmationReach): RawBuilder<boolean> | null {
  if (reachIsEmpty(r.asColleague) && reachIsEmpty(r.asReviewer)) return null;
  const notOwn = r.memberOf.length ? sql`(p.organisation_id is null or not (p.organisation_id = any(${r.memberOf}::bigint[])))` : sql`true`;
  return sql<boolean>`(b.requested_by <> ${r.userId} and (${reachSql(r.asColleague, PLACE_COLUMNS)} or (${reachSql(r.asReviewer, PLACE_COLUMNS)} and ${notOwn})))`;
}

export interface NotificationCount {
  /** Things waiting on the person (derived from the state). */
  todo: number;
  /** Informational events not read yet. */
  unread: number;
  total: number;
}

/**
 * The header's count: one statement for everything (sub-queries only for what the person may do at all), so that a
 * signed-in page pays a single round trip for it.
 */
export async function notificationCount(db: Kysely<DB>, principal: Principal, now = new Date(), pool?: pg.Pool): Promise<NotificationCount> {
  const parts: RawBuilder<number>[] = [];
  const labels = labelReach(principal);
  if (!reachIsEmpty(labels)) {
    parts.push(sql<number>`(select count(*) from place_labels l join places p on p.id = l.place_id join communes c on c.insee_code = p.commune_code
      where l.status = 'pending' and ${labelCondition(labels)})`);
  }
  const bank = bankCondition(bankConfirmationReach(principal));
  if (bank) {
    parts.push(sql<number>`(select count(*) from bank_accounts b join places p on p.id = b.place_id join communes c on c.insee_code = p.commune_code
      where b.status = 'pending' and ${bank})`);
  }
  const holders = expiryHolderOrganisations(principal);
  if (holders.length) parts.push(expiryNoticeCountSql(now, holders));
  const todo = parts.length ? sql<number>`${sql.join(parts, sql` + `)}` : sql<number>`0`;
  const query = sql<{ todo: string; unread: string }>`
    select ${todo} as todo,
           (select count(*) from notification_deliveries d where d.user_id = ${principal.userId} and d.listed and d.read_at is null) as unread`;
  // On the pages' path, a named prepared statement per shape of the query (which sub-queries the person has):
  // PostgreSQL plans it once per connection, as it does the principal's query.
  const compiled = query.compile(db);
  const rows = pool
    ? await queryPrepared<{ todo: string; unread: string }>(pool, `notification_count_${createHash('sha256').update(compiled.sql).digest('hex').slice(0, 16)}`, compiled.sql, [...compiled.parameters])
    : (await query.execute(db)).rows;
  const result = { todo: Number(rows[0]!.todo), unread: Number(rows[0]!.unread) };
  return { ...result, total: result.todo + result.unread };
}

export interface TodoItem {
  kind: NotificationKind | 'expiry';
  title: string;
  detail: string;
  since: Date | null;
  link: string;
  action: string;
}

export interface InfoItem {
  id: number;
  kind: NotificationKind;
  subject: string;
  body: string;
  link: string;
  action: string;
  occurredAt: Date;
  readAt: Date | null;
}

const LIST_LIMIT = 100;

async function todoItems(db: Kysely<DB>, principal: Principal, now: Date): Promise<TodoItem[]> {
  const items: TodoItem[] = [];
  const labels = labelReach(principal);
  if (!reachIsEmpty(labels)) {
    const rows = await db
      .selectFrom('place_labels as l')
      .innerJoin('places as p', 'p.id', 'l.place_id')
      .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
      .select(['l.id', 'l.applied_at', 'p.name', 'p.commune_name'])
      .where('l.status', '=', 'pending')
      .where(labelCondition(labels))
      .orderBy('l.applied_at')
      .limit(LIST_LIMIT)
      .execute();
    for (const r of rows) {
      items.push({ kind: 'label_application', title: `Demande de label à examiner : ${r.name}`, detail: `${r.name} (${r.commune_name}) attend la décision du hub du territoire ou de l’administration.`, since: r.applied_at, link: `/labels/${r.id}`, action: ACTION_LABELS.label_application });
    }
  }
  const bank = bankCondition(bankConfirmationReach(principal));
  if (bank) {
    const rows = await db
      .selectFrom('bank_accounts as b')
      .innerJoin('places as p', 'p.id', 'b.place_id')
      .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
      .innerJoin('users as u', 'u.id', 'b.requested_by')
      .select(['b.place_id', 'b.requested_at', 'p.name', 'p.commune_name', 'u.display_name'])
      .where('b.status', '=', 'pending')
      .where(bank)
      .orderBy('b.requested_at')
      .limit(LIST_LIMIT)
      .execute();
    for (const r of rows) {
      items.push({ kind: 'bank_details', title: `Coordonnées bancaires à confirmer : ${r.name}`, detail: `Saisies par ${r.display_name} pour ${r.name} (${r.commune_name}) : une deuxième personne doit les vérifier sur le RIB avant tout remboursement.`, since: r.requested_at, link: `/lieux/${r.place_id}/banque`, action: ACTION_LABELS.bank_details });
    }
  }
  const funderOrganisations = new Set(principal.memberships.filter((m) => m.role === 'funder').map((m) => m.organisationId));
  for (const notice of await expiryNoticesFor(db, principal, now)) {
    // Booklets still at the funder are to be allocated (the order's page); at a prescriber, to be handed.
    const atFunder = funderOrganisations.has(notice.organisationId);
    items.push({
      kind: 'expiry',
      title: `${pluralCapitalised(notice.bookletCount, 'carnet')} à remettre avant le ${frenchDay(notice.expiresAt)}`,
      detail: `${plural(notice.bookletCount, 'carnet')} du programme « ${notice.programmeName} » (commande n° ${notice.orderId}), ${atFunder ? 'pas encore attribués' : 'pas encore remis'}, chez ${notice.organisationName} : leurs chèques expirent bientôt.`,
      since: null,
      link: atFunder ? `/commandes/${notice.orderId}` : '/carnets',
      action: atFunder ? ACTION_LABELS.order_paid : ACTION_LABELS.expiry,
    });
  }
  return items;
}

export interface Inbox {
  count: NotificationCount;
  todo: TodoItem[];
  info: InfoItem[];
}

export async function inboxOf(db: Kysely<DB>, principal: Principal, now = new Date()): Promise<Inbox> {
  const todo = await todoItems(db, principal, now);
  const info = await db
    .selectFrom('notification_deliveries as d')
    .innerJoin('notification_events as n', 'n.id', 'd.event_id')
    .select(['n.id', 'n.kind', 'n.subject', 'n.body', 'n.link', 'n.occurred_at', 'd.read_at'])
    .where('d.user_id', '=', principal.userId)
    .where('d.listed', '=', true)
    .orderBy('n.id', 'desc')
    .limit(LIST_LIMIT)
    .execute();
  const { unread } = await db
    .selectFrom('notification_deliveries')
    .select((eb) => eb.fn.countAll<string>().as('unread'))
    .where('user_id', '=', principal.userId)
    .where('listed', '=', true)
    .where('read_at', 'is', null)
    .executeTakeFirstOrThrow();
  const count = { todo: todo.length, unread: Number(unread), total: todo.length + Number(unread) };
  return {
    count,
    todo,
    info: info.map((r) => ({ id: r.id, kind: r.kind, subject: r.subject, body: r.body, link: r.link, action: ACTION_LABELS[r.kind], occurredAt: r.occurred_at, readAt: r.read_at })),
  };
}

/**
 * Marks one of the person's notifications read. Another person's notification, or one that does not exist, is the
 * same answer: not found (an id reveals nothing).
 */
export async function markNotificationRead(db: Kysely<DB>, principal: Principal, eventId: number): Promise<void> {
  const row = await db
    .updateTable('notification_deliveries')
    .set({ read_at: sql`coalesce(read_at, now())` })
    .where('user_id', '=', principal.userId)
    .where('event_id', '=', eventId)
    .where('listed', '=', true)
    .returning('event_id')
    .executeTakeFirst();
  if (!row) throw notFound('Cette notification n’existe pas.', 'notification_inconnue');
}

/**
 * Opens one of the person's informations: marks it read and gives back the page that acts on it (the link stored with
 * the event, never one sent by the browser, so the redirect cannot be pointed elsewhere).
 */
export async function openNotification(db: Kysely<DB>, principal: Principal, eventId: number): Promise<string> {
  await markNotificationRead(db, principal, eventId);
  const event = await db.selectFrom('notification_events').select('link').where('id', '=', eventId).executeTakeFirstOrThrow();
  return event.link.startsWith('/') && !event.link.startsWith('//') ? event.link : '/notifications';
}

/** Marks all of the person's notifications read; returns how many were unread. */
export async function markAllNotificationsRead(db: Kysely<DB>, principal: Principal): Promise<number> {
  const result = await db
    .updateTable('notification_deliveries')
    .set({ read_at: new Date() })
    .where('user_id', '=', principal.userId)
    .where('listed', '=', true)
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}
