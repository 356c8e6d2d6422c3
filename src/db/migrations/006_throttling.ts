import { sql, type Kysely } from 'kysely';

/**
 * Throttling that does not rest on the client's address alone.
 *
 * Booklets: the PIN's length is stored per booklet (existing booklets keep their 4 digits, new ones get 6), and
 * wrong PINs are counted per booklet whatever the address they come from; at 10 the booklet is locked until its
 * prescriber or its funder unlocks it.
 *
 * Sign-in: failures are counted per e-mail address typed (its SHA-256, whether or not an account has it), with an
 * exponentially growing refusal once there are too many, so that one person's typos never lock a colleague
 * behind the same address.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table booklets
  add column pin_digits smallint not null default 4 check (pin_digits in (4, 6)),
  add column pin_failures integer not null default 0 check (pin_failures >= 0),
  add column locked_at timestamptz;
alter table booklets alter column pin_digits set default 6;

create table sign_in_failures (
  email_hash text primary key,
  failures integer not null check (failures > 0),
  last_failure_at timestamptz not null,
  blocked_until timestamptz
);
`.execute(db);
}
