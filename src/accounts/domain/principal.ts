import type { Role } from '../../db/schema.js';
import { forbidden } from '../../shared/errors.js';

export interface Membership {
  organisationId: number;
  organisationName: string;
  role: Role;
  isOrgAdmin: boolean;
  /** For a hub membership: the départements the hub covers (its territory); empty otherwise. */
  departements: string[];
}

/**
 * Who is acting, and as what: every use case receives it and asks the policies. Only memberships whose role the
 * organisation's kinds allow are loaded (see organisation-kinds.ts): a role an administrator could not grant
 * gives no power. The CLI acts as the explicit system principal.
 */
export interface Principal {
  userId: number;
  email: string;
  displayName: string;
  memberships: Membership[];
  /** The command line: acts with the operator's powers, journaled as « système (ligne de commande) ». */
  system?: boolean;
}

export const hasRole = (principal: Principal, role: Role): boolean => (role === 'admin' && principal.system === true) || principal.memberships.some((m) => m.role === role);

export const isAdmin = (principal: Principal): boolean => hasRole(principal, 'admin');

export function organisationsWithRole(principal: Principal, role: Role): number[] {
  return [...new Set(principal.memberships.filter((m) => m.role === role).map((m) => m.organisationId))];
}

/** The départements of every hub the principal belongs to. */
export function hubDepartements(principal: Principal): string[] {
  return [...new Set(principal.memberships.filter((m) => m.role === 'hub').flatMap((m) => m.departements))];
}

export const ROLE_REQUIRED: Record<Role, string> = {
  prescriber: 'Cette action est réservée aux prescripteurs.',
  mediator: 'Cette action est réservée aux médiateurs d’un lieu.',
  funder: 'Cette action est réservée aux financeurs.',
  hub: 'Cette action est réservée aux hubs.',
  helper: 'Cette action est réservée aux aidants habilités.',
  admin: 'Cette action est réservée à l’administration nationale.',
};

/** The organisations where the principal holds the role; refused when there is none. */
export function requireOrganisationsWithRole(principal: Principal, role: Role, message = ROLE_REQUIRED[role]): number[] {
  const organisations = organisationsWithRole(principal, role);
  if (organisations.length === 0) throw forbidden(message);
  return organisations;
}

/**
 * The organisation on whose behalf the principal acts with this role: the one asked for, if the principal
 * holds the role there, or their only such organisation.
 */
export function actingOrganisation(principal: Principal, role: Role, requested?: number): number {
  const candidates = organisationsWithRole(principal, role);
  if (requested !== undefined) {
    if (!candidates.includes(requested)) throw forbidden(`Vous n’avez pas le rôle requis dans cette organisation. ${ROLE_REQUIRED[role]}`);
    return requested;
  }
  if (candidates.length === 0) throw forbidden(ROLE_REQUIRED[role]);
  return candidates[0]!;
}

/** The principal of `inclusif` commands: explicit, never a user, journaled with the system actor. */
export const SYSTEM_PRINCIPAL: Principal = Object.freeze({ userId: 0, email: 'systeme@inclusif', displayName: 'Système (ligne de commande)', memberships: [], system: true }) as Principal;
