import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Mailer } from '../../shared/mailer.js';
import { KIND_CATEGORY, NOTIFYING_ACTIONS, recipientRule, type NotificationFacts, type NotificationKind } from '../domain/kinds.js';
import { describe, notificationMail, type EventText } from './messages.js';
import { recipientsOf } from './recipients.js';
import { isNudgeKind } from '../../pilotage/domain/sleeping.js';
import type { NudgeFacts } from '../../pilotage/domain/nudges.js';

/**
 * From the journal to the inbox and the e-mails, after the action's commit (the journal row is the outbox entry,
 * written in the action's own transaction). Safe to run on any number of instances at once, as often as wanted:
 * - each journal row gives one notification_events row (unique audit_event_id: a second instance's insert is a
 *   no-op), written in one transaction with its deliveries;
 * - each delivery is claimed ('sending') by one instance before its e-mail goes out: an e-mail is never sent
 *   twice; a failed send goes back to 'pending' (tried again on the next run, up to MAX_ATTEMPTS), and never
 *   touches the action, long committed.
 */

/** Journal rows older than this are not turned into notifications any more (a platform that was stopped for days). */
export const FAN_OUT_WINDOW_HOURS = 48;
export const MAX_ATTEMPTS = 5;
const BATCH = 100;

interface JournalRow {
  id: number;
  action: keyof typeof NOTIFYING_ACTIONS;
  at: Date;
  actor_user_id: number | null;
  order_id: number | null;
  place_id: number | null;
  details: Record<string, unknown>;
}

const placeOf = (db: Kysely<DB>, placeId: number) =>
  db
    .selectFrom('places as p')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .select(['p.id', 'p.name', 'p.commune_name', 'p.organisation_id', 'c.departement_code'])
    .where('p.id', '=', placeId)
    .executeTakeFirst();

/**
 * What the journal row says, completed from the tables; null when there is nothing to tell any more (the
 * application was decided or the bank details confirmed before the dispatcher came by, the row is incomplete).
 */
async function readEvent(db: Kysely<DB>, row: JournalRow): Promise<{ facts: NotificationFacts; text: EventText } | null> {
  const kind: NotificationKind = NOTIFYING_ACTIONS[row.action];
  const detail = (name: string) => row.details[name];
  if (kind === 'label_application') {
    const labelId = Number(detail('labelId'));
    const place = row.place_id ? await placeOf(db, row.place_id) : undefined;
    const label = await db.selectFrom('place_labels').select('status').where('id', '=', labelId).executeTakeFirst();
    if (!place || label?.status !== 'pending') return null;
    return {
      facts: { kind, place: { organisationId: place.organisation_id, departementCode: place.departement_code } },
      text: { kind, labelId, placeId: place.id, placeName: place.name, commune: place.commune_name },
    };
  }
  if (kind === 'label_decided' || kind === 'bank_details_refused') {
    const place = row.place_id ? await placeOf(db, row.place_id) : undefined;
    if (!place) return null;
    const facts = { kind, place: { organisationId: place.organisation_id, departementCode: place.departement_code } } as const;
    const reason = typeof detail('reason') === 'string' && detail('reason') ? String(detail('reason')) : null;
    if (kind === 'bank_details_refused') return { facts, text: { kind, placeId: place.id, placeName: place.name, reason: reason ?? 'non précisé.' } };
    const validUntil = typeof detail('validUntil') === 'string' ? String(detail('validUntil')) : null;
    return { facts, text: { kind, placeId: place.id, placeName: place.name, decision: row.action as 'label.approved', reason, validUntil } };
  }
  if (kind === 'pilotage_nudge') {
    // The nudge's facts were journaled with it (pilotage/use-cases/nudges.ts); the link is the page where one acts.
    const nudge = row.details as unknown as NudgeFacts & { link?: unknown };
    if (!isNudgeKind(nudge.kind) || !Number.isInteger(nudge.organisationId) || typeof nudge.link !== 'string') return null;
    return { facts: { kind, nudge: nudge.kind, holder: nudge.holder, organisationId: nudge.organisationId }, text: { kind, nudge, link: nudge.link } };
  }
  if (kind === 'bank_details') {
    const account = await db.selectFrom('bank_accounts').select(['status', 'requested_by']).where('id', '=', Number(detail('bankAccountId'))).executeTakeFirst();
    const place = row.place_id ? await placeOf(db, row.place_id) : undefined;
    if (!place || account?.status !== 'pending') return null;
    const enteredBy = await db.selectFrom('users').select('display_name').where('id', '=', account.requested_by).executeTakeFirst();
    return {
      facts: { kind, place: { organisationId: place.organisation_id, departementCode: place.departement_code }, enteredByUserId: account.requested_by },
      text: { kind, placeId: place.id, placeName: place.name, commune: place.commune_name, enteredBy: enteredBy?.display_name ?? 'Un médiateur du lieu' },
    };
  }
  if (row.order_id === null) return null;
  const order = await db
    .selectFrom('orders as o')
    .innerJoin('programmes as p', 'p.id', 'o.programme_id')
    .innerJoin('organisations as f', 'f.id', 'o.funder_organisation_id')
    .select(['o.id', 'o.funder_organisation_id', 'o.booklet_count', 'p.name as programme_name', 'f.name as funder_name'])
    .where('o.id', '=', row.order_id)
    .executeTakeFirst();
  if (!order) return null;
  if (kind === 'order_paid') {
    return { facts: { kind, funderOrganisationId: order.funder_organisation_id }, text: { kind, orderId: order.id, programmeName: order.programme_name, bookletCount: order.booklet_count } };
  }
  const recipientOrganisationId = Number(detail('recipientOrganisationId'));
  const recipient = await db.selectFrom('organisations').select('name').where('id', '=', recipientOrganisationId).executeTakeFirst();
  const booklets = detail('booklets');
  if (!recipient || !Array.isArray(booklets)) return null;
  return {
    facts: { kind, recipientOrganisationId },
    text: { kind, orderId: order.id, programmeName: order.programme_name, bookletCount: booklets.length, funderName: order.funder_name, recipientName: recipient.name },
  };
}

/** Turns the journal rows not yet seen into notifications with their recipients; returns how many were recorded. */
export async function recordNotifications(db: Kysely<DB>, onError: (error: unknown) => void = () => {}): Promise<number> {
  let recorded = 0;
  let after = 0;
  for (;;) {
    const rows = (await db
      .selectFrom('audit_events as e')
      .select(['e.id', 'e.action', 'e.at', 'e.actor_user_id', 'e.order_id', 'e.place_id', 'e.details'])
      .where('e.action', 'in', Object.keys(NOTIFYING_ACTIONS))
      .where('e.at', '>', sql<Date>`now() - make_interval(hours => ${FAN_OUT_WINDOW_HOURS})`)
      .where('e.id', '>', after)
      .where(({ not, exists, selectFrom }) => not(exists(selectFrom('notification_events as n').select('n.id').whereRef('n.audit_event_id', '=', 'e.id'))))
      .orderBy('e.id')
      .limit(BATCH)
      .execute()) as unknown as JournalRow[];
    for (const row of rows) {
      after = row.id;
      // One row that cannot be read is left for the next run; it does not hold up the others.
      await recordOne(db, row).then((inserted) => void (recorded += inserted ? 1 : 0), onError);
    }
    if (rows.length < BATCH) return recorded;
  }
}

async function recordOne(db: Kysely<DB>, row: JournalRow): Promise<boolean> {
  const kind: NotificationKind = NOTIFYING_ACTIONS[row.action];
  const event = await readEvent(db, row);
  const recipients = event ? await recipientsOf(db, recipientRule(event.facts), row.actor_user_id) : [];
  const described = event ? describe(event.text) : { subject: 'Sans suite', body: 'Déjà traité quand la notification a été préparée.', link: '/notifications' };
  return db.transaction().execute(async (trx) => {
    const created = await trx
      .insertInto('notification_events')
      .values({ audit_event_id: row.id, kind, occurred_at: row.at, ...described })
      .onConflict((oc) => oc.column('audit_event_id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!created) return false;
    if (recipients.length) {
      await trx
        .insertInto('notification_deliveries')
        .values(recipients.map((p) => ({ event_id: created.id, user_id: p.userId, listed: KIND_CATEGORY[kind] === 'info' })))
        .execute();
    }
    return true;
  });
}

/** Sends the e-mails of the deliveries not sent yet, each claimed first; returns what was sent and what failed. */
export async function mailNotifications(db: Kysely<DB>, mailer: Mailer, publicUrl: string, onError: (error: unknown) => void = () => {}): Promise<{ sent: number; failed: number }> {
  let sent = 0;
  let failed = 0;
  for (;;) {
    // The claim: one statement marks the deliveries 'sending'; another instance skips the rows locked by it.
    const { rows: claimed } = await sql<{ event_id: number; user_id: number; mail_attempts: number }>`
      update notification_deliveries d set mail_status = 'sending', mail_attempts = d.mail_attempts + 1
      where (d.event_id, d.user_id) in (
        select event_id, user_id from notification_deliveries where mail_status = 'pending' order by event_id limit ${BATCH} for update skip locked)
      returning d.event_id, d.user_id, d.mail_attempts`.execute(db);
    if (claimed.length === 0) return { sent, failed };
    for (const delivery of claimed) {
      const row = await db
        .selectFrom('notification_deliveries as d')
        .innerJoin('notification_events as n', 'n.id', 'd.event_id')
        .innerJoin('users as u', 'u.id', 'd.user_id')
        .select(['u.email', 'n.kind', 'n.subject', 'n.body', 'n.link'])
        .where('d.event_id', '=', delivery.event_id)
        .where('d.user_id', '=', delivery.user_id)
        .executeTakeFirstOrThrow();
      const settle = (status: 'sent' | 'pending' | 'failed') =>
        db
          .updateTable('notification_deliveries')
          .set({ mail_status: status, ...(status === 'sent' ? { mailed_at: new Date() } : {}) })
          .where('event_id', '=', delivery.event_id)
          .where('user_id', '=', delivery.user_id)
          .execute();
      try {
        await mailer.send(notificationMail(row.email, row.kind, row, publicUrl));
      } catch (error) {
        onError(error);
        await settle(delivery.mail_attempts >= MAX_ATTEMPTS ? 'failed' : 'pending');
        failed += 1;
        continue;
      }
      await settle('sent');
      sent += 1;
    }
    // A delivery that failed is pending again: leave it to the next run rather than retrying it at once.
    if (failed > 0 || claimed.length < BATCH) return { sent, failed };
  }
}

export interface NotificationDispatcher {
  /** Asks for a run soon (after a successful action); runs coalesce, so a burst of actions costs one or two runs. */
  kick(): void;
  /** Resolves once no run is under way (tests, shutdown). */
  idle(): Promise<void>;
  /** One full run now: journal → notifications → e-mails. */
  run(): Promise<{ recorded: number; sent: number; failed: number }>;
}

export function createNotificationDispatcher(db: Kysely<DB>, mailer: Mailer, publicUrl: string, onError: (error: unknown) => void): NotificationDispatcher {
  let running: Promise<void> | null = null;
  let again = false;
  const run = async () => {
    const recorded = await recordNotifications(db, onError);
    return { recorded, ...(await mailNotifications(db, mailer, publicUrl, onError)) };
  };
  const loop = async () => {
    do {
      again = false;
      await run().catch(onError);
    } while (again);
  };
  return {
    kick() {
      if (running) {
        again = true;
        return;
      }
      running = loop().finally(() => {
        running = null;
      });
    },
    async idle() {
      while (running) await running;
    },
    run,
  };
}
