import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { tooMany } from '../../shared/errors.js';
import { hashPassword, hashToken } from './credentials.js';

/**
 * Back-off on wrong passwords, per e-mail address typed rather than per client address: one person's typos never
 * hold back a colleague behind the same office address, and an attacker gains nothing by changing address.
 * Failures are counted whether or not an account has the address (the table keeps only its SHA-256), so the
 * refusal tells nothing about which addresses have accounts. Counters live in PostgreSQL: every instance sees them.
 */
export const FREE_FAILURES = 10;
/** Failures older than this after the last block (or failure) are forgotten. */
const QUIET_MINUTES = 15;
const FIRST_BLOCK_MS = 30_000;
const LONGEST_BLOCK_MS = 60 * 60_000;

const keyOf = (normalisedEmail: string) => hashToken(`sign-in:${normalisedEmail}`);

function waitWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return `${seconds} seconde${seconds > 1 ? 's' : ''}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes > 1 ? 's' : ''}`;
}

/** Refuses (429) while the address is blocked: no password is checked then, not even the right one. */
export async function assertSignInAllowed(db: Kysely<DB>, normalisedEmail: string): Promise<void> {
  const { rows } = await sql<{ wait_ms: number }>`
    select extract(epoch from (blocked_until - now())) * 1000 as wait_ms
    from sign_in_failures where email_hash = ${keyOf(normalisedEmail)} and blocked_until > now()`.execute(db);
  if (rows.length) {
    throw tooMany(`Trop de tentatives de connexion avec cette adresse e-mail : réessayez dans ${waitWords(Number(rows[0]!.wait_ms))}.`, 'trop_de_tentatives');
  }
}

/**
 * One more failure; from the tenth within the quiet period, the address is blocked for 30 seconds, then twice as
 * long at each further failure, up to an hour.
 */
export async function recordSignInFailure(db: Kysely<DB>, normalisedEmail: string): Promise<void> {
  const stale = sql`coalesce(s.blocked_until, s.last_failure_at) < now() - make_interval(mins => ${QUIET_MINUTES})`;
  const block = (failures: ReturnType<typeof sql>) => sql`
    case when ${failures} < ${FREE_FAILURES} then null
         else now() + make_interval(secs => least(${LONGEST_BLOCK_MS}::float8, ${FIRST_BLOCK_MS}::float8 * power(2, least(${failures} - ${FREE_FAILURES}, 20))) / 1000) end`;
  await sql`
    insert into sign_in_failures as s (email_hash, failures, last_failure_at, blocked_until)
    values (${keyOf(normalisedEmail)}, 1, now(), ${block(sql`1`)})
    on conflict (email_hash) do update set
      failures = case when ${stale} then 1 else s.failures + 1 end,
      last_failure_at = now(),
      blocked_until = case when ${stale} then ${block(sql`1`)} else ${block(sql`(s.failures + 1)`)} end`.execute(db);
}

/** A right password forgets the failures. */
export async function clearSignInFailures(db: Kysely<DB>, normalisedEmail: string): Promise<void> {
  await db.deleteFrom('sign_in_failures').where('email_hash', '=', keyOf(normalisedEmail)).execute();
}

let dummyHash: Promise<string> | undefined;
/**
 * A hash of a random password made like the real ones: an address without an account (or without a password)
 * is checked against it, so that signing in takes the same time whether or not the address has an account.
 */
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(18).toString('base64url'));
  return dummyHash;
}
