import { sql, type Kysely } from 'kysely';

/**
 * The people who asked are told of the answer: a label decided (granted, refused, suspended, reinstated) informs the
 * place's mediators, refused bank details inform the people who may enter them again. Two more informational kinds.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table notification_events drop constraint if exists notification_events_kind_check`.execute(db);
  await sql`alter table notification_events add constraint notification_events_kind_check
    check (kind in ('label_application', 'bank_details', 'order_paid', 'booklets_allocated', 'label_decided', 'bank_details_refused'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`delete from notification_events where kind in ('label_decided', 'bank_details_refused')`.execute(db);
  await sql`alter table notification_events drop constraint if exists notification_events_kind_check`.execute(db);
  await sql`alter table notification_events add constraint notification_events_kind_check
    check (kind in ('label_application', 'bank_details', 'order_paid', 'booklets_allocated'))`.execute(db);
}
