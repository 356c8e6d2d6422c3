import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { invalid } from './errors.js';

export interface StoredResponse<T> {
  statusCode: number;
  body: T;
  replayed: boolean;
}

export const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex');

/**
 * Runs an operation once per (principal, key). The key row is inserted in the operation's own transaction: a
 * concurrent retry waits on it, then reads the stored answer; a refused operation rolls back and leaves no key,
 * so that its retry is evaluated afresh.
 */
export async function runIdempotent<T>(
  db: Kysely<DB>,
  scope: { principal: string; key: string; fingerprint: string },
  operation: (trx: Kysely<DB>) => Promise<{ statusCode: number; body: T }>,
): Promise<StoredResponse<T>> {
  if (scope.key.length > 200) throw invalid('La clé Idempotency-Key ne doit pas dépasser 200 caractères.', 'cle_idempotence');
  return db.transaction().execute(async (trx) => {
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({ principal: scope.principal, key: scope.key, fingerprint: scope.fingerprint, status_code: 0, response: 'null' })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) {
      const stored = await trx
        .selectFrom('idempotency_keys')
        .select(['fingerprint', 'status_code', 'response'])
        .where('principal', '=', scope.principal)
        .where('key', '=', scope.key)
        .executeTakeFirstOrThrow();
      if (stored.fingerprint !== scope.fingerprint) {
        throw invalid('Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé.', 'cle_idempotence_reutilisee');
      }
      return { statusCode: stored.status_code, body: stored.response as T, replayed: true };
    }
    const outcome = await operation(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ status_code: outcome.statusCode, response: JSON.stringify(outcome.body) })
      .where('principal', '=', scope.principal)
      .where('key', '=', scope.key)
      .execute();
    return { ...outcome, replayed: false };
  });
}
