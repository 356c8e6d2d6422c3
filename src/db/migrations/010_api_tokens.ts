import { sql, type Kysely } from 'kysely';

/**
 * API tokens a person manages from a page: the first characters of the token (shown in the list, never the token,
 * which only its SHA-256 keeps) and when it was last used (written at most once a minute per token).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table api_tokens
  add column token_prefix text,
  add column last_used_at timestamptz;
create index api_tokens_user on api_tokens (user_id);
`.execute(db);
}
