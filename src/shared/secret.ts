import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/**
 * The server secret keys voucher tags, booklet PINs and cookie signatures. Every instance must share it, so it
 * lives in the database (created once) unless INCLUSIF_SECRET overrides it.
 */
export async function loadSecret(db: Kysely<DB>, override: string | undefined): Promise<string> {
  if (override) return override;
  await db
    .insertInto('app_settings')
    .values({ key: 'secret', value: randomBytes(32).toString('base64url') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('app_settings').select('value').where('key', '=', 'secret').executeTakeFirstOrThrow();
  return row.value;
}
