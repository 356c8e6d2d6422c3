import { sql, type Kysely } from 'kysely';

/**
 * Duplicates merged field by field, and bank details refused with a reason.
 *
 * Places: a record merged into another is deactivated and names the record kept (`merged_into`), so that its old
 * links, redemptions and journal lead to the place people now see. A pair of duplicates resolved that way is
 * `merged`.
 *
 * Bank details: pending details may be refused, with a reason the place's mediators read, by the people who may
 * confirm them; refused details are never paid to (runs take confirmed details only).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table places add column merged_into bigint references places;
alter table places add constraint places_merged_into_inactive check (merged_into is null or (not active and merged_into <> id));

alter table place_duplicates drop constraint place_duplicates_status_check;
alter table place_duplicates add constraint place_duplicates_status_check check (status in ('open', 'distinct', 'resolved', 'merged'));

alter table bank_accounts drop constraint bank_accounts_status_check;
alter table bank_accounts add constraint bank_accounts_status_check check (status in ('pending', 'confirmed', 'superseded', 'cancelled', 'refused'));
alter table bank_accounts
  add column refused_by bigint references users,
  add column refused_at timestamptz,
  add column refusal_reason text,
  add constraint bank_accounts_refusal check (
    (status = 'refused') = (refused_by is not null and refused_at is not null and coalesce(length(trim(refusal_reason)), 0) > 0)
    and (refused_by is null or refused_by <> requested_by));
`.execute(db);
}
