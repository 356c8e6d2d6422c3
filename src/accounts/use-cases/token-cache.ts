import type { Principal } from './principal.js';

/**
 * API clients (partners' systems, the redemption desk) send one request after another with the same token: a
 * per-instance cache of the token's principal for a few seconds spares the database one query per request.
 * It holds nothing another instance needs; the price is that revoking a token or a membership takes effect on
 * every instance within TOKEN_CACHE_SECONDS (10 by default, 0 disables the cache).
 */
export class TokenPrincipalCache {
  private readonly entries = new Map<string, { principal: Principal; expiresAt: number }>();

  constructor(private readonly ttlMs: number, private readonly maxEntries = 10_000) {}

  get(tokenHash: string, now = Date.now()): Principal | undefined {
    const entry = this.entries.get(tokenHash);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(tokenHash);
      return undefined;
    }
    return entry.principal;
  }

  set(tokenHash: string, principal: Principal, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    // Maps iterate in insertion order: the first key is the oldest entry.
    if (this.entries.size >= this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(tokenHash, { principal, expiresAt: now + this.ttlMs });
  }

  delete(tokenHash: string): void {
    this.entries.delete(tokenHash);
  }
}
