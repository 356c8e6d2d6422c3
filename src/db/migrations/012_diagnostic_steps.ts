import { sql, type Kysely } from 'kysely';

/**
 * The diagnostic's steps connected: who reads the advice (the person alone, or the professional filling it in with
 * the person), whether the « Je ne sais pas » rule ended it early, and the answers the way back took back (shown
 * selected when their question comes again, by question id).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table diagnostics
  add column reader text not null default 'person' check (reader in ('person', 'professional')),
  add column stopped_early boolean not null default false,
  add column previous_answers jsonb not null default '{}'::jsonb;
`.execute(db);
}
