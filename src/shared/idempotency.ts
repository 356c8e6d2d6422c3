import { createHash } from 'node:crypto';

/** What makes two requests "the same" for an Idempotency-Key. */
export const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex');

/**
 * True for PostgreSQL's unique violation (23505), on the named constraint when one is given: two requests racing
 * for one key, where the loser must get a refusal or the winner's answer rather than a 500.
 */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const { code, constraint: violated } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  return code === '23505' && (constraint === undefined || violated === constraint);
}
