import { sql, type Kysely } from 'kysely';

/**
 * A sixth organisation kind, « Service de l’État » (accounts/domain/organisation-kinds.ts): the pilotage counts the
 * State's share of every order (money leveraged per euro of State money) from the co-funders of this kind.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table organisations drop constraint if exists organisations_kinds_check`.execute(db);
  await sql`alter table organisations add constraint organisations_kinds_check
    check (kinds <@ array['funder','prescriber','place_operator','hub','national_operator','state']::text[])`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`update organisations set kinds = array_remove(kinds, 'state')`.execute(db);
  await sql`alter table organisations drop constraint if exists organisations_kinds_check`.execute(db);
  await sql`alter table organisations add constraint organisations_kinds_check
    check (kinds <@ array['funder','prescriber','place_operator','hub','national_operator']::text[])`.execute(db);
}
