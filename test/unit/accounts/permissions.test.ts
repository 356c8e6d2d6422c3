import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { allows, mayAttempt, type ActionRule } from '../../../src/accounts/domain/permissions.js';
import { KIND_ROLES, roleFitsKinds, roleFitsKindsSql, ORGANISATION_KINDS } from '../../../src/accounts/domain/organisation-kinds.js';
import { canGrantRole } from '../../../src/accounts/domain/policies.js';
import type { Membership, Principal } from '../../../src/accounts/domain/principal.js';
import { ROLES } from '../../../src/accounts/domain/roles.js';
import type { Role } from '../../../src/db/schema.js';
import { renderPermissionsDoc } from '../../../src/http/permissions-doc.js';
import { canSeeBookletPin } from '../../../src/pass/domain/policies.js';
import { canEditPlace, canImportPlace } from '../../../src/places/domain/policies.js';
import { canConfirmBankDetails, canReadBankDetails } from '../../../src/reimbursement/domain/policies.js';
import { fromRoot } from '../../../src/shared/paths.js';

const membership = (organisationId: number, role: Role, extra: Partial<Membership> = {}): Membership => ({
  organisationId, organisationName: `Org ${organisationId}`, role, isOrgAdmin: false, departements: [], ...extra,
});
const principal = (memberships: Membership[], userId = 1): Principal => ({ userId, email: 'x@test.fr', displayName: 'X', memberships });

describe('permission tables and named policies', () => {
  test('docs/PERMISSIONS.md is the rendering of the tables and route maps (regenerate with scripts/permissions-doc.ts)', () => {
    assert.equal(readFileSync(fromRoot('docs', 'PERMISSIONS.md'), 'utf8'), renderPermissionsDoc());
  });

  test('own scope: allowed exactly when the target belongs to an organisation where the principal has the role', () => {
    const rule: ActionRule = { label: 'test', scopes: { mediator: 'own' } };
    fc.assert(fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { maxLength: 4 }), fc.integer({ min: 1, max: 50 }), fc.constantFrom<Role>(...ROLES), (orgs, target, role) => {
      const p = principal(orgs.map((id) => membership(id, role)));
      assert.equal(allows(p, rule, { organisationIds: [target] }), role === 'mediator' && orgs.includes(target));
    }));
  });

  test('territory scope: a hub acts only on its départements; anonymous visitors only where the table says so', () => {
    const rule: ActionRule = { label: 'test', scopes: { hub: 'territory' } };
    fc.assert(fc.property(fc.uniqueArray(fc.constantFrom('44', '35', '85', '22', '75'), { maxLength: 3 }), fc.constantFrom('44', '35', '85', '22', '75'), (deps, target) => {
      const hub = principal([membership(9, 'hub', { departements: deps })]);
      assert.equal(allows(hub, rule, { departementCodes: [target] }), deps.includes(target));
    }));
    assert.equal(mayAttempt(null, rule), false);
    assert.equal(mayAttempt(null, { label: 'public', scopes: { anonymous: 'all' } }), true);
  });

  test('finding 1: an organisation administrator grants only roles its kinds allow, never the national one', () => {
    for (const kind of ORGANISATION_KINDS) {
      for (const role of ROLES) {
        const admin = principal([membership(7, 'mediator', { isOrgAdmin: true })]);
        assert.equal(canGrantRole(admin, { id: 7, kinds: [kind] }, role), KIND_ROLES[kind].includes(role) && role !== 'admin', `${kind} → ${role}`);
      }
    }
    // A place's administrator can never make a colleague hub or funder of its place.
    const placeAdmin = principal([membership(7, 'mediator', { isOrgAdmin: true })]);
    assert.equal(canGrantRole(placeAdmin, { id: 7, kinds: ['place_operator'] }, 'hub'), false);
    assert.equal(canGrantRole(placeAdmin, { id: 7, kinds: ['place_operator'] }, 'funder'), false);
    assert.equal(canGrantRole(placeAdmin, { id: 8, kinds: ['place_operator'] }, 'mediator'), false, 'another organisation');
  });

  test('the SQL rule of kinds says what roleFitsKinds says, for every role and kind', () => {
    const sqlText = roleFitsKindsSql('m', 'o');
    for (const [kind, roles] of Object.entries(KIND_ROLES)) for (const role of roles) assert.ok(sqlText.includes(`(m.role = '${role}' and '${kind}' = any(o.kinds))`));
    fc.assert(fc.property(fc.constantFrom<Role>(...ROLES), fc.subarray([...ORGANISATION_KINDS]), (role, kinds) => {
      assert.equal(roleFitsKinds(role, kinds), kinds.some((k) => (KIND_ROLES[k] as readonly Role[]).includes(role)));
    }));
  });

  test('findings 1 and 4: bank details are read by the place, its hub and the administration; never confirmed by their enterer or by a reviewer of the same organisation', () => {
    const place = { organisationId: 7, departementCode: '44' };
    assert.equal(canReadBankDetails(principal([membership(8, 'mediator')]), place), false);
    assert.equal(canReadBankDetails(principal([membership(9, 'hub', { departements: ['35'] })]), place), false);
    assert.equal(canReadBankDetails(principal([membership(9, 'hub', { departements: ['44'] })]), place), true);
    assert.equal(canReadBankDetails(principal([membership(7, 'mediator')]), place), true);
    assert.equal(canConfirmBankDetails(principal([membership(7, 'mediator')], 5), place, 5), false, 'the person who entered them');
    assert.equal(canConfirmBankDetails(principal([membership(7, 'mediator')], 6), place, 5), true, 'a colleague');
    assert.equal(canConfirmBankDetails(principal([membership(7, 'hub', { departements: ['44'] })], 6), place, 5), false, 'a hub of the same organisation');
    assert.equal(canConfirmBankDetails(principal([membership(9, 'hub', { departements: ['44'] })], 6), place, 5), true, 'the territory’s hub');
  });

  test('finding 8: a handed booklet’s PIN is shown to nobody; before, only to its funder and the operator', () => {
    fc.assert(fc.property(fc.boolean(), fc.constantFrom<Role>(...ROLES), fc.integer({ min: 1, max: 3 }), (handed, role, org) => {
      const p = principal([membership(org, role)]);
      const visible = canSeeBookletPin(p, { handed, funderOrganisationId: 1, allocatedOrganisationId: 2 });
      assert.equal(visible, !handed && (role === 'admin' || (role === 'funder' && org === 1)));
    }));
  });

  test('findings 5 and places: editing and importing follow the territory', () => {
    const hub = principal([membership(9, 'hub', { departements: ['44', '85'] })]);
    assert.equal(canImportPlace(hub, '44'), true);
    assert.equal(canImportPlace(hub, '35'), false);
    assert.equal(canEditPlace(hub, { organisationId: 3, departementCode: '35' }), false);
    assert.equal(canEditPlace(principal([membership(3, 'mediator')]), { organisationId: 3, departementCode: '35' }), true);
  });
});
