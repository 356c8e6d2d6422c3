import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Principal } from '../../../src/accounts/domain/principal.js';
import type { Role } from '../../../src/db/schema.js';
import { canRedeemAt } from '../../../src/pass/domain/policies.js';

const principal = (role: Role, organisationId: number): Principal => ({
  userId: 1, email: 'x@test.fr', displayName: 'x', memberships: [{ organisationId, organisationName: 'o', role, isOrgAdmin: false, departements: [] }],
});

test('the voucher page offers the desk’s action at the places of the mediator’s own organisation only', () => {
  assert.equal(canRedeemAt(principal('mediator', 7), 7), true);
  assert.equal(canRedeemAt(principal('mediator', 7), 8), false, 'la place d’une autre structure');
  assert.equal(canRedeemAt(principal('mediator', 7), null), false, 'un lieu sans structure');
  for (const role of ['prescriber', 'funder', 'hub', 'helper', 'admin'] as Role[]) assert.equal(canRedeemAt(principal(role, 7), 7), false, role);
  assert.equal(canRedeemAt(null, 7), false, 'un visiteur sans compte');
});
