import { allows, reach, reachMatches, type PermissionTable, type Reach } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/domain/principal.js';
import type { PlaceFacts } from '../../places/domain/policies.js';

/** Paying places (docs/PERMISSIONS.md is rendered from this table). */
export const REIMBURSEMENT_PERMISSIONS = {
  'bank.read': { label: 'voir les coordonnées bancaires d’un lieu (IBAN en attente compris)', scopes: { mediator: 'own', hub: 'territory', admin: 'all' } },
  'bank.enter': { label: 'saisir les coordonnées bancaires d’un lieu', scopes: { mediator: 'own' } },
  'bank.confirm': {
    label: 'confirmer ou refuser (avec un motif) les coordonnées bancaires d’un lieu',
    scopes: { mediator: 'own', hub: 'territory', admin: 'all' },
    conditions: 'jamais la personne qui les a saisies ; un hub ou l’administration jamais pour un lieu de sa propre organisation',
  },
  'bank.review': { label: 'voir les coordonnées en attente de confirmation de son territoire', scopes: { hub: 'territory', admin: 'all' } },
  'reimbursement.runs': { label: 'préparer, payer, rejeter les remboursements', scopes: { admin: 'all' } },
  'statement.read': { label: 'lire les relevés de remboursement d’un lieu', scopes: { mediator: 'own', hub: 'territory', admin: 'all' } },
} satisfies PermissionTable;

const target = (place: PlaceFacts) => ({ organisationIds: [place.organisationId], departementCodes: [place.departementCode] });

export const canReadBankDetails = (principal: Principal, place: PlaceFacts): boolean => allows(principal, REIMBURSEMENT_PERMISSIONS['bank.read'], target(place));
export const canEnterBankDetails = (principal: Principal, place: PlaceFacts): boolean => allows(principal, REIMBURSEMENT_PERMISSIONS['bank.enter'], target(place));

/**
 * The two-person rule against a diverted IBAN: another mediator of the place's organisation, the hub of its
 * territory or the administration confirms; never the person who entered the details, and a reviewer never for a
 * place of its own organisation (that would be the same organisation confirming itself).
 */
export function canConfirmBankDetails(principal: Principal, place: PlaceFacts, enteredByUserId: number): boolean {
  return bankConfirmationMatches(bankConfirmationReach(principal), place, enteredByUserId);
}

/**
 * The two-person rule as data (what canConfirmBankDetails decides, and what the notifications query selects): the
 * person acting, what it reaches as a colleague (another mediator of the place's organisation) and as a reviewer
 * (hub of the territory, administration), and the organisations it belongs to (never reviewed by itself).
 */
export interface BankConfirmationReach {
  userId: number;
  asColleague: Reach;
  asReviewer: Reach;
  memberOf: number[];
}

export function bankConfirmationReach(principal: Principal): BankConfirmationReach {
  const rule = REIMBURSEMENT_PERMISSIONS['bank.confirm'];
  return {
    userId: principal.userId,
    asColleague: reach(principal, { ...rule, scopes: { mediator: 'own' } }),
    asReviewer: reach(principal, { ...rule, scopes: { hub: 'territory', admin: 'all' } }),
    memberOf: [...new Set(principal.memberships.map((m) => m.organisationId))],
  };
}

export function bankConfirmationMatches(r: BankConfirmationReach, place: PlaceFacts, enteredByUserId: number): boolean {
  if (r.userId === enteredByUserId) return false;
  if (reachMatches(r.asColleague, target(place))) return true;
  const memberOfPlace = place.organisationId !== null && r.memberOf.includes(place.organisationId);
  return !memberOfPlace && reachMatches(r.asReviewer, target(place));
}

export const canReadStatement = (principal: Principal, place: PlaceFacts): boolean => allows(principal, REIMBURSEMENT_PERMISSIONS['statement.read'], target(place));
export const canRunReimbursements = (principal: Principal): boolean => allows(principal, REIMBURSEMENT_PERMISSIONS['reimbursement.runs']);
