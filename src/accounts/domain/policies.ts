import type { Role } from '../../db/schema.js';
import { allows, mayAttempt, type PermissionTable } from './permissions.js';
import { forbidden } from '../../shared/errors.js';
import { roleFitsKinds } from './organisation-kinds.js';
import type { Principal } from './principal.js';

/** Accounts, organisations and roles: who may do what (docs/PERMISSIONS.md is rendered from this table). */
export const ACCOUNTS_PERMISSIONS = {
  'account.sign_in': { label: 'se connecter, demander un nouveau mot de passe, accepter une invitation', scopes: { anonymous: 'all' } },
  'account.self': { label: 'voir son compte, se déconnecter', scopes: { signed_in: 'all' } },
  'api_token.manage': {
    label: 'créer, lister et révoquer ses propres jetons d’API',
    scopes: { signed_in: 'all' },
    conditions: 'seulement ses propres jetons (ceux d’une autre personne sont introuvables) ; le jeton n’est montré qu’à sa création ; un nouveau mot de passe les révoque tous ; journalisé',
  },
  'organisation.list': { label: 'lister les organisations', scopes: { signed_in: 'all' } },
  'organisation.create': { label: 'créer une organisation', scopes: { admin: 'all' } },
  'organisation.kinds.grant': {
    label: 'donner ou retirer un type d’organisation (financeur, hub…) et le territoire d’un hub',
    scopes: { admin: 'all' },
    conditions: 'journalisé ; liste les adhésions qui ne correspondent plus',
  },
  'members.manage': {
    label: 'inviter un collègue, changer son rôle, le retirer, révoquer une invitation',
    scopes: { org_admin: 'own', admin: 'all' },
    conditions: 'seulement les rôles que le type de l’organisation permet ; jamais le dernier administrateur ; le rôle « administration nationale » seulement par elle',
  },
} satisfies PermissionTable;

export interface OrganisationFacts {
  id: number;
  kinds: readonly string[];
}

export const canManageMembers = (principal: Principal, organisationId: number): boolean =>
  allows(principal, ACCOUNTS_PERMISSIONS['members.manage'], { organisationIds: [organisationId] });

/**
 * Granting a role (invitation, role change): the granter manages the organisation's members, the role fits the
 * organisation's kinds, and only the national administration gives its own role.
 */
export function canGrantRole(principal: Principal, organisation: OrganisationFacts, role: Role): boolean {
  if (!canManageMembers(principal, organisation.id)) return false;
  if (!roleFitsKinds(role, organisation.kinds)) return false;
  if (role === 'admin' && !allows(principal, ACCOUNTS_PERMISSIONS['organisation.kinds.grant'])) return false;
  return true;
}

export const canGrantKinds = (principal: Principal): boolean => allows(principal, ACCOUNTS_PERMISSIONS['organisation.kinds.grant']);
export const canCreateOrganisation = (principal: Principal): boolean => allows(principal, ACCOUNTS_PERMISSIONS['organisation.create']);

/** The longest name a person may give one of their API tokens. */
export const API_TOKEN_NAME_MAX = 80;

/** A person manages their own API tokens, and nobody else's (not even the national administration). */
export const canManageApiToken = (principal: Principal, token: { userId: number }): boolean =>
  mayAttempt(principal, ACCOUNTS_PERMISSIONS['api_token.manage']) && !principal.system && token.userId === principal.userId;

export function requireApiTokenManager(principal: Principal): void {
  if (!mayAttempt(principal, ACCOUNTS_PERMISSIONS['api_token.manage']) || principal.system) throw forbidden('Connectez-vous pour gérer vos jetons d’API.');
}
