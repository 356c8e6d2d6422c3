import { sql, type Kysely } from 'kysely';

/**
 * Notifications (src/notifications): what waits on a person is either derived from the state (a label application,
 * bank details to confirm, booklets about to expire: never stored, always accurate) or an event worth telling
 * (an order paid, booklets allocated).
 *
 * The journal is the outbox: the actions already write their audit_events row in their own transaction; a
 * dispatcher turns each notifying row into one notification_events row (unique per journal row, so several
 * instances never process it twice), with one notification_deliveries row per recipient chosen by the policies.
 * A delivery is the person's read state (informational events only: `listed`) and the e-mail's state: claimed
 * ('sending') before it is sent, so that no e-mail goes out twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table notification_events (
  id bigint generated always as identity primary key,
  audit_event_id bigint not null unique,
  kind text not null check (kind in ('label_application', 'bank_details', 'order_paid', 'booklets_allocated')),
  occurred_at timestamptz not null,
  subject text not null,
  body text not null,
  link text not null,
  created_at timestamptz not null default now()
);

create table notification_deliveries (
  event_id bigint not null references notification_events on delete cascade,
  user_id bigint not null references users on delete cascade,
  listed boolean not null,
  read_at timestamptz,
  mail_status text not null default 'pending' check (mail_status in ('pending', 'sending', 'sent', 'failed')),
  mail_attempts integer not null default 0,
  mailed_at timestamptz,
  primary key (event_id, user_id)
);
create index notification_deliveries_inbox on notification_deliveries (user_id, event_id) where listed;
create index notification_deliveries_unread on notification_deliveries (user_id) where listed and read_at is null;
create index notification_deliveries_mail on notification_deliveries (event_id) where mail_status = 'pending';

-- The header's count of booklets about to expire (pass/use-cases/expiry-warnings.ts, expiryNoticeCountSql).
create index booklets_waiting on booklets (order_id, allocated_organisation_id) where handed_at is null;

create index audit_events_notifying on audit_events (at)
  where action in ('label.applied', 'bank_account.requested', 'order.paid', 'booklets.allocated');
`.execute(db);
}
