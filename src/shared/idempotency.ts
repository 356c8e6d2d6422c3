import { createHash } from 'node:crypto';

/** What makes two requests "the same" for an Idempotency-Key. */
export const fingerprint = (...parts: string[]): string => createHash('sha256').update(parts.join('\n')).digest('hex');
