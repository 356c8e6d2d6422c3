import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ACTORS, allows, reach, reachMatches, type ActionRule, type Actor, type Scope } from '../../../src/accounts/domain/permissions.js';
import type { Membership, Principal } from '../../../src/accounts/domain/principal.js';
import { ROLES } from '../../../src/accounts/domain/roles.js';
import type { Role } from '../../../src/db/schema.js';
import { candidateGroups, KIND_CATEGORY, NOTIFYING_ACTIONS, NOTIFYING_POLICIES, recipientRule, type CandidateGroup, type NotificationFacts } from '../../../src/notifications/domain/kinds.js';
import { NOTIFICATIONS_PERMISSIONS } from '../../../src/notifications/domain/policies.js';
import { PASS_PERMISSIONS } from '../../../src/pass/domain/policies.js';
import { PLACES_PERMISSIONS } from '../../../src/places/domain/policies.js';
import { REIMBURSEMENT_PERMISSIONS } from '../../../src/reimbursement/domain/policies.js';

const membership = (organisationId: number, role: Role, extra: Partial<Membership> = {}): Membership => ({
  organisationId, organisationName: `Org ${organisationId}`, role, isOrgAdmin: false, departements: [], ...extra,
});
const principal = (memberships: Membership[], userId = 1): Principal => ({ userId, email: `u${userId}@test.fr`, displayName: 'X', memberships });

const DEPARTEMENTS = ['44', '35', '85', '22'];
const arbMembership = fc.record({
  organisationId: fc.integer({ min: 1, max: 6 }),
  role: fc.constantFrom<Role>(...ROLES),
  isOrgAdmin: fc.boolean(),
  departements: fc.uniqueArray(fc.constantFrom(...DEPARTEMENTS), { maxLength: 2 }),
}).map((m) => membership(m.organisationId, m.role, { isOrgAdmin: m.isOrgAdmin, departements: m.role === 'hub' ? m.departements : [] }));
const arbPrincipal = fc.record({ userId: fc.integer({ min: 1, max: 4 }), memberships: fc.array(arbMembership, { maxLength: 4 }) }).map((p) => principal(p.memberships, p.userId));
const arbPlace = fc.record({ organisationId: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }), departementCode: fc.constantFrom(...DEPARTEMENTS) });
const arbFacts: fc.Arbitrary<NotificationFacts> = fc.oneof(
  arbPlace.map((place) => ({ kind: 'label_application' as const, place })),
  fc.record({ place: arbPlace, enteredByUserId: fc.integer({ min: 1, max: 4 }) }).map((f) => ({ kind: 'bank_details' as const, ...f })),
  fc.integer({ min: 1, max: 6 }).map((id) => ({ kind: 'order_paid' as const, funderOrganisationId: id })),
  fc.integer({ min: 1, max: 6 }).map((id) => ({ kind: 'booklets_allocated' as const, recipientOrganisationId: id })),
);

/** Whether a candidate query for this group would find the principal (the SQL of notifications/use-cases/recipients.ts). */
const inGroup = (p: Principal, group: CandidateGroup, organisationDepartements: (id: number) => string[]) =>
  p.memberships.some((m) =>
    (group.orgAdmin ? m.isOrgAdmin : m.role === group.role) &&
    (!group.organisationIds || group.organisationIds.includes(m.organisationId)) &&
    (!group.departementCodes || organisationDepartements(m.organisationId).some((d) => group.departementCodes!.includes(d))),
  );

describe('notification recipients', () => {
  test('reach is allows as data: a target is reached exactly when allows lets the principal act on it', () => {
    const scope = fc.option(fc.constantFrom<Scope>('all', 'own', 'territory'), { nil: undefined });
    const arbRule = fc.tuple(...ACTORS.map(() => scope)).map((scopes): ActionRule => ({
      label: 'règle', scopes: Object.fromEntries(ACTORS.map((a, i) => [a, scopes[i]]).filter(([, s]) => s !== undefined)) as Partial<Record<Actor, Scope>>,
    }));
    const arbTarget = fc.record({ organisationIds: fc.array(fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }), { maxLength: 2 }), departementCodes: fc.array(fc.constantFrom(...DEPARTEMENTS), { maxLength: 2 }) });
    fc.assert(fc.property(arbPrincipal, arbRule, arbTarget, (p, rule, target) => assert.equal(reachMatches(reach(p, rule), target), allows(p, rule, target))), { numRuns: 2000 });
  });

  test('a label application goes to the hub of the place’s territory and the administration, not to the place nor to another hub', () => {
    const facts: NotificationFacts = { kind: 'label_application', place: { organisationId: 1, departementCode: '44' } };
    const { may } = recipientRule(facts);
    assert.equal(may(principal([membership(9, 'hub', { departements: ['44', '85'] })])), true);
    assert.equal(may(principal([membership(8, 'admin')])), true);
    assert.equal(may(principal([membership(9, 'hub', { departements: ['35'] })])), false);
    assert.equal(may(principal([membership(1, 'mediator', { isOrgAdmin: true })])), false);
    assert.equal(may(principal([membership(2, 'funder')])), false);
  });

  test('bank details go to another mediator of the place, the hub, the administration; never to who entered them nor to a reviewer of the place’s own organisation', () => {
    const facts: NotificationFacts = { kind: 'bank_details', place: { organisationId: 1, departementCode: '44' }, enteredByUserId: 7 };
    const { may } = recipientRule(facts);
    assert.equal(may(principal([membership(1, 'mediator')], 8)), true, 'colleague');
    assert.equal(may(principal([membership(1, 'mediator')], 7)), false, 'the person who entered them');
    assert.equal(may(principal([membership(2, 'mediator')], 8)), false, 'mediator of another place');
    assert.equal(may(principal([membership(9, 'hub', { departements: ['44'] })], 8)), true, 'hub of the territory');
    assert.equal(may(principal([membership(9, 'hub', { departements: ['35'] })], 8)), false, 'hub elsewhere');
    assert.equal(may(principal([membership(1, 'hub', { departements: ['44'] })], 8)), false, 'hub that runs the place');
    assert.equal(may(principal([membership(8, 'admin')], 8)), true, 'administration');
    assert.equal(may(principal([membership(8, 'admin'), membership(1, 'prescriber')], 8)), false, 'administration member of the place’s organisation');
  });

  test('an order paid goes to the funder that ordered it; booklets allocated to the prescribers that receive them', () => {
    const paid = recipientRule({ kind: 'order_paid', funderOrganisationId: 3 });
    assert.equal(paid.may(principal([membership(3, 'funder')])), true);
    assert.equal(paid.may(principal([membership(4, 'funder')])), false, 'another funder (a co-funder included)');
    assert.equal(paid.may(principal([membership(8, 'admin')])), false, 'the operator records the payment, it allocates nothing');
    assert.equal(paid.may(principal([membership(3, 'prescriber')])), false);
    const allocated = recipientRule({ kind: 'booklets_allocated', recipientOrganisationId: 5 });
    assert.equal(allocated.may(principal([membership(5, 'prescriber')])), true);
    assert.equal(allocated.may(principal([membership(6, 'prescriber')])), false);
    assert.equal(allocated.may(principal([membership(5, 'funder')])), false);
    assert.equal(allocated.may(principal([membership(8, 'admin')])), false);
  });

  test('the candidate groups read from the rule find every recipient the policy allows (never fewer), and never everyone', () => {
    const hubDepartements = new Map<number, string[]>();
    fc.assert(fc.property(arbPrincipal, arbFacts, (p, facts) => {
      for (const m of p.memberships) if (m.role === 'hub') hubDepartements.set(m.organisationId, m.departements);
      const rule = recipientRule(facts);
      if (!rule.may(p)) return;
      const groups = candidateGroups(rule.rule, rule.target);
      // Hubs' départements as the principal carries them: what the query reads from organisation_departements.
      const departementsOf = (id: number) => p.memberships.filter((m) => m.organisationId === id && m.role === 'hub').flatMap((m) => m.departements);
      assert.ok(groups.some((g) => inGroup(p, g, departementsOf)), `${JSON.stringify(facts)} : ${JSON.stringify(p.memberships)}`);
    }), { numRuns: 3000 });
    assert.deepEqual(candidateGroups({ label: 'tous', scopes: { signed_in: 'all', anonymous: 'all' } }, { organisationIds: [1] }), []);
    assert.deepEqual(candidateGroups(PLACES_PERMISSIONS['label.review'], { departementCodes: ['44'] }), [{ role: 'hub', departementCodes: ['44'] }, { role: 'admin' }]);
    assert.deepEqual(candidateGroups(REIMBURSEMENT_PERMISSIONS['bank.confirm'], { organisationIds: [1, null], departementCodes: ['44'] }), [
      { role: 'mediator', organisationIds: [1] }, { role: 'hub', departementCodes: ['44'] }, { role: 'admin' },
    ]);
  });

  test('each notifying journal action has a kind and a category, and the routes that write them wake the dispatcher', () => {
    for (const kind of Object.values(NOTIFYING_ACTIONS)) assert.ok(KIND_CATEGORY[kind]);
    assert.deepEqual([...NOTIFYING_POLICIES].filter((action) => !({ ...PLACES_PERMISSIONS, ...REIMBURSEMENT_PERMISSIONS, ...PASS_PERMISSIONS } as Record<string, unknown>)[action]), []);
    // Everybody has an inbox, and the inbox holds only the person's own notifications.
    assert.deepEqual(NOTIFICATIONS_PERMISSIONS['notifications.read'].scopes, { signed_in: 'all' });
  });
});
