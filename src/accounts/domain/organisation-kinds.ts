import type { Role } from '../../db/schema.js';

/**
 * What an organisation is decides which roles its members may hold. The national administration grants kinds
 * (and hub territories); an organisation's administrator invites colleagues only into roles its kinds allow.
 */
export const ORGANISATION_KINDS = ['funder', 'prescriber', 'place_operator', 'hub', 'national_operator', 'state'] as const;
export type OrganisationKind = (typeof ORGANISATION_KINDS)[number];

export const KIND_LABELS: Record<OrganisationKind, string> = {
  funder: 'Financeur (commanditaire)',
  prescriber: 'Structure prescriptrice',
  place_operator: 'Gestionnaire de lieux de médiation',
  hub: 'Hub France Connectée',
  national_operator: 'Opérateur national',
  state: 'Service de l’État',
};

/** The one table of which kind allows which roles; the SQL that loads principals is built from it. */
export const KIND_ROLES: Record<OrganisationKind, readonly Role[]> = {
  funder: ['funder'],
  prescriber: ['prescriber', 'helper'],
  place_operator: ['mediator'],
  hub: ['hub'],
  national_operator: ['admin'],
  /** A State service funds (its co-funding is the « part de l’État » of the pilotage); it holds no other role. */
  state: ['funder'],
};

export function rolesAllowedFor(kinds: readonly string[]): Role[] {
  return [...new Set(kinds.flatMap((kind) => KIND_ROLES[kind as OrganisationKind] ?? []))];
}

export const roleFitsKinds = (role: Role, kinds: readonly string[]): boolean => rolesAllowedFor(kinds).includes(role);

export const isOrganisationKind = (value: string): value is OrganisationKind => (ORGANISATION_KINDS as readonly string[]).includes(value);

/**
 * SQL condition "the membership's role fits its organisation's kinds", built from KIND_ROLES: the same rule in the
 * principal query, the review of memberships and the members page. `membership` and `organisation` are aliases.
 */
export function roleFitsKindsSql(membership: string, organisation: string): string {
  const cases = Object.entries(KIND_ROLES)
    .flatMap(([kind, roles]) => roles.map((role) => `(${membership}.role = '${role}' and '${kind}' = any(${organisation}.kinds))`))
    .join(' or ');
  return `(${cases})`;
}
