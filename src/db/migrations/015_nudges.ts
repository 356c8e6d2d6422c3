import { sql, type Kysely } from 'kysely';

/**
 * Sleeping vouchers and nudges (src/pilotage/domain/sleeping.ts, nudges.ts): the settings of each kind of nudge
 * (threshold in days, period, on or off; the defaults inserted), and the nudges sent, unique per kind, organisation
 * and period, so that several instances running the daily job send each nudge once (insert … on conflict do nothing,
 * in the transaction that journals it). A nudge's journal row ('pilotage.nudge') becomes a notification: one more
 * notification kind.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table nudge_settings (
  kind text primary key check (kind in ('allocated_not_handed', 'handed_unused', 'few_redemptions', 'close_to_expiry')),
  enabled boolean not null default true,
  threshold_days integer not null check (threshold_days between 1 and 365),
  min_redemptions integer check (min_redemptions between 1 and 1000),
  period text not null default 'week' check (period in ('week', 'month')),
  updated_at timestamptz not null default now(),
  updated_by bigint references users on delete set null
);
insert into nudge_settings (kind, enabled, threshold_days, min_redemptions, period) values
  ('allocated_not_handed', true, 45, null, 'week'),
  ('handed_unused', true, 60, null, 'week'),
  ('few_redemptions', true, 90, 5, 'month'),
  ('close_to_expiry', true, 30, null, 'week');

create table nudges_sent (
  kind text not null check (kind in ('allocated_not_handed', 'handed_unused', 'few_redemptions', 'close_to_expiry')),
  organisation_id bigint not null references organisations on delete cascade,
  period_key text not null,
  count integer not null check (count >= 0),
  sent_at timestamptz not null default now(),
  primary key (kind, organisation_id, period_key)
);
create index nudges_sent_recent on nudges_sent (sent_at);
`.execute(db);
  await sql`alter table notification_events drop constraint if exists notification_events_kind_check`.execute(db);
  await sql`alter table notification_events add constraint notification_events_kind_check
    check (kind in ('label_application', 'bank_details', 'order_paid', 'booklets_allocated', 'label_decided', 'bank_details_refused', 'pilotage_nudge'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from notification_events where kind = 'pilotage_nudge'`.execute(db);
  await sql`alter table notification_events drop constraint if exists notification_events_kind_check`.execute(db);
  await sql`alter table notification_events add constraint notification_events_kind_check
    check (kind in ('label_application', 'bank_details', 'order_paid', 'booklets_allocated', 'label_decided', 'bank_details_refused'))`.execute(db);
  await sql`drop table nudges_sent`.execute(db);
  await sql`drop table nudge_settings`.execute(db);
}
