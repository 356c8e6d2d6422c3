import { sql, type Kysely } from 'kysely';

/**
 * Paris, Lyon and Marseille as communes, their arrondissements beside them, and the départements' centres.
 *
 * The INSEE referential gives the three communes only through their arrondissements (rows `ARM` with the parent's
 * code). A commune row now says what it is: `commune`, or `arrondissement` with its commune (`parent_code`). The
 * rows themselves are written by the territories loader (`src/territories/use-cases/load.ts`), which also completes,
 * once and idempotently, a database loaded before this migration: the schema here, the data from the copied files.
 * Sums over communes (population) count `kind = 'commune'` only, or Paris would be counted twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table departements
  add column lat double precision,
  add column lng double precision;

alter table communes
  add column kind text not null default 'commune' check (kind in ('commune', 'arrondissement')),
  add column parent_code text references communes,
  add constraint communes_parent_of_arrondissement check ((kind = 'arrondissement') = (parent_code is not null));
create index communes_parent on communes (parent_code) where parent_code is not null;
`.execute(db);
}
