import { createHash, randomBytes } from 'node:crypto';
import argon2 from 'argon2';

/**
 * Set by scripts/test.sh only: the suite creates and signs in thousands of accounts, and argon2id's defaults cost
 * about 0.3 s of CPU a hash on 2 cores (half the suite's CPU time went there). `inclusif serve` refuses to start
 * with it (cli/serve.ts).
 */
export const FAST_TEST_HASHES = process.env.INCLUSIF_TEST_FAST_HASHES === '1';

/**
 * argon2id with the library's defaults (64 MiB, 3 passes, 4 lanes); under the test suite alone 4 MiB, 2 passes,
 * 1 lane. Verification reads the parameters from the stored hash, so both kinds verify everywhere.
 */
const HASH_OPTIONS: Parameters<typeof argon2.hash>[1] & { raw?: false } = FAST_TEST_HASHES ? { type: argon2.argon2id, memoryCost: 4096, timeCost: 2, parallelism: 1 } : { type: argon2.argon2id };

export const hashPassword = (password: string): Promise<string> => argon2.hash(password, HASH_OPTIONS);

export async function verifyPassword(hash: string | null, password: string): Promise<boolean> {
  if (!hash) return false;
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

export const MIN_PASSWORD_LENGTH = 12;

/** Tokens are random; only their SHA-256 is stored, so a database leak reveals no usable token. */
export function newToken(prefix: string): { token: string; hash: string } {
  const token = `${prefix}_${randomBytes(24).toString('base64url')}`;
  return { token, hash: hashToken(token) };
}

export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');
