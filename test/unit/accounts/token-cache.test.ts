import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TokenPrincipalCache } from '../../../src/accounts/use-cases/token-cache.js';

const principal = (userId: number) => ({ userId, email: `${userId}@x.fr`, displayName: 'x', memberships: [] });

test('a cached principal is served until its time-to-live, then forgotten', () => {
  const cache = new TokenPrincipalCache(10_000);
  cache.set('h', principal(1), 1_000);
  assert.equal(cache.get('h', 10_999)?.userId, 1);
  assert.equal(cache.get('h', 11_000), undefined);
});

test('the cache is bounded: the oldest entry leaves first; zero seconds disables it; delete forgets at once', () => {
  const cache = new TokenPrincipalCache(10_000, 2);
  cache.set('a', principal(1), 0);
  cache.set('b', principal(2), 0);
  cache.set('c', principal(3), 0);
  assert.equal(cache.get('a', 1), undefined);
  assert.equal(cache.get('c', 1)?.userId, 3);
  cache.delete('c');
  assert.equal(cache.get('c', 1), undefined);
  const disabled = new TokenPrincipalCache(0);
  disabled.set('a', principal(1), 0);
  assert.equal(disabled.get('a', 0), undefined);
});
