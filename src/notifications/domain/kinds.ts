import { allows, type ActionRule, type Target } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/domain/principal.js';
import type { Role } from '../../db/schema.js';
import { PASS_PERMISSIONS } from '../../pass/domain/policies.js';
import { nudgeRecipientRule, type NudgeHolder } from '../../pilotage/domain/nudges.js';
import type { NudgeKind } from '../../pilotage/domain/sleeping.js';
import { canApplyForLabel, canReviewLabel, PLACES_PERMISSIONS, type PlaceFacts } from '../../places/domain/policies.js';
import { canConfirmBankDetails, canEnterBankDetails, REIMBURSEMENT_PERMISSIONS } from '../../reimbursement/domain/policies.js';

/**
 * What is notified, and to whom. One definition: the policy that lets a person act on the thing decides whom to
 * tell about it (canReviewLabel for a label application, canConfirmBankDetails for bank details, the permission
 * rows of the pass for booklets to allocate or to hand).
 *
 * Two categories:
 * - « à traiter » (todo): the inbox derives them from the state (pending application, pending bank details,
 *   booklets about to expire), so they are always accurate and leave the count as soon as the thing is done; the
 *   event only sends the e-mail;
 * - « information » (info): the event itself is the inbox entry, read or unread per person.
 */
export type NotificationKind = 'label_application' | 'bank_details' | 'order_paid' | 'booklets_allocated' | 'label_decided' | 'bank_details_refused' | 'pilotage_nudge';
export type NotificationCategory = 'todo' | 'info';

/** The journal's actions that notify (the journal is the outbox: audit_events is written in the action's transaction). */
export const NOTIFYING_ACTIONS = {
  'label.applied': 'label_application',
  'bank_account.requested': 'bank_details',
  'order.paid': 'order_paid',
  'booklets.allocated': 'booklets_allocated',
  'label.approved': 'label_decided',
  'label.refused': 'label_decided',
  'label.suspended': 'label_decided',
  'label.reinstated': 'label_decided',
  'bank_account.refused': 'bank_details_refused',
  // Written by the pilotage's daily job (pilotage/use-cases/nudges.ts), once per kind, organisation and period.
  'pilotage.nudge': 'pilotage_nudge',
} as const satisfies Record<string, NotificationKind>;

/**
 * The permission actions whose routes write those journal rows: after one of them succeeds, the dispatcher runs at
 * once (the periodic run catches the rest: the command line, a crash). Other routes do not wake it up.
 */
export const NOTIFYING_POLICIES: ReadonlySet<string> = new Set(['label.apply', 'bank.enter', 'order.payment', 'booklets.allocate', 'label.review', 'bank.confirm']);

export const KIND_CATEGORY: Record<NotificationKind, NotificationCategory> = {
  label_application: 'todo',
  bank_details: 'todo',
  order_paid: 'info',
  booklets_allocated: 'info',
  label_decided: 'info',
  bank_details_refused: 'info',
  pilotage_nudge: 'info',
};

/** What the recipient rules need to know of the thing that happened. */
export type NotificationFacts =
  | { kind: 'label_application'; place: PlaceFacts }
  | { kind: 'bank_details'; place: PlaceFacts; enteredByUserId: number }
  | { kind: 'order_paid'; funderOrganisationId: number }
  | { kind: 'booklets_allocated'; recipientOrganisationId: number }
  | { kind: 'label_decided'; place: PlaceFacts }
  | { kind: 'bank_details_refused'; place: PlaceFacts }
  | { kind: 'pilotage_nudge'; nudge: NudgeKind; holder: NudgeHolder; organisationId: number };

/**
 * Whom to notify: the permission row whose scopes say where to look for candidates, the target, and the named
 * policy that decides for each candidate (the same function the use case asks before letting them act).
 */
export interface RecipientRule {
  rule: ActionRule;
  target: Target;
  may(principal: Principal): boolean;
}

const placeTarget = (place: PlaceFacts): Target => ({ organisationIds: [place.organisationId], departementCodes: [place.departementCode] });

export function recipientRule(facts: NotificationFacts): RecipientRule {
  switch (facts.kind) {
    case 'label_application':
      return { rule: PLACES_PERMISSIONS['label.review'], target: placeTarget(facts.place), may: (p) => canReviewLabel(p, facts.place) };
    case 'bank_details':
      return { rule: REIMBURSEMENT_PERMISSIONS['bank.confirm'], target: placeTarget(facts.place), may: (p) => canConfirmBankDetails(p, facts.place, facts.enteredByUserId) };
    case 'order_paid': {
      // Paid: its booklets are active and wait to be allocated by the funder that ordered them.
      const rule = PASS_PERMISSIONS['booklets.allocate'];
      const target = { organisationIds: [facts.funderOrganisationId] };
      return { rule, target, may: (p) => allows(p, rule, target) };
    }
    case 'label_decided':
      // The answer goes to those who may ask for the label: the place's mediators.
      return { rule: PLACES_PERMISSIONS['label.apply'], target: placeTarget(facts.place), may: (p) => canApplyForLabel(p, facts.place) };
    case 'bank_details_refused':
      // Refused details: those who may enter new ones are told why.
      return { rule: REIMBURSEMENT_PERMISSIONS['bank.enter'], target: placeTarget(facts.place), may: (p) => canEnterBankDetails(p, facts.place) };
    case 'pilotage_nudge': {
      // Sleeping value: those who act on it in the nudged organisation (pilotage/domain/nudges.ts says which row).
      const rule = nudgeRecipientRule(facts.nudge, facts.holder);
      const target = { organisationIds: [facts.organisationId] };
      return { rule, target, may: (p) => allows(p, rule, target) };
    }
    case 'booklets_allocated': {
      // Allocated: the receiving organisation's prescribers hand them to people.
      const rule = PASS_PERMISSIONS['booklets.hand'];
      const target = { organisationIds: [facts.recipientOrganisationId] };
      return { rule, target, may: (p) => allows(p, rule, target) };
    }
  }
}

/**
 * Where the candidates are, read from the rule's scopes: members with the role (anywhere for 'all', in the target's
 * organisations for 'own', hubs covering the target's départements for 'territory'). A superset of the recipients:
 * `may` decides. A notification is never for everyone: a rule open to anonymous or all signed-in people has none.
 */
export interface CandidateGroup {
  role?: Role;
  orgAdmin?: true;
  organisationIds?: number[];
  departementCodes?: string[];
}

export function candidateGroups(rule: ActionRule, target: Target): CandidateGroup[] {
  const groups: CandidateGroup[] = [];
  const organisationIds = (target.organisationIds ?? []).filter((id): id is number => id !== null);
  const departementCodes = [...(target.departementCodes ?? [])];
  for (const [actor, scope] of Object.entries(rule.scopes)) {
    if (actor === 'anonymous' || actor === 'signed_in') continue;
    const who: CandidateGroup = actor === 'org_admin' ? { orgAdmin: true } : { role: actor as Role };
    if (scope === 'all') groups.push(who);
    else if (scope === 'own' && organisationIds.length) groups.push({ ...who, organisationIds });
    else if (scope === 'territory' && actor === 'hub' && departementCodes.length) groups.push({ ...who, departementCodes });
  }
  return groups;
}
