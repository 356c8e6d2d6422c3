import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { canManageApiToken, requireApiTokenManager } from '../../../src/accounts/domain/policies.js';
import type { Principal } from '../../../src/accounts/domain/principal.js';

const person = (userId: number, overrides: Partial<Principal> = {}): Principal => ({ userId, email: `p${userId}@test.fr`, displayName: `P${userId}`, memberships: [], ...overrides });
const admin = person(3, { memberships: [{ organisationId: 1, organisationName: 'Mission', role: 'admin', isOrgAdmin: true, departements: [] }] });

describe('API tokens: a person manages their own, nobody else’s', () => {
  test('own token yes, another person’s no, even for the national administration', () => {
    assert.equal(canManageApiToken(person(1), { userId: 1 }), true);
    assert.equal(canManageApiToken(person(1), { userId: 2 }), false);
    assert.equal(canManageApiToken(admin, { userId: 1 }), false);
    assert.equal(canManageApiToken(admin, { userId: 3 }), true);
  });
  test('the command line’s system principal manages nobody’s tokens through this policy', () => {
    const system = person(0, { system: true });
    assert.equal(canManageApiToken(system, { userId: 0 }), false);
    assert.throws(() => requireApiTokenManager(system), /Connectez-vous/);
    assert.doesNotThrow(() => requireApiTokenManager(person(5)));
  });
});
