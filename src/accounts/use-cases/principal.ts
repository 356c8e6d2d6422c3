import type { Kysely } from 'kysely';
import type pg from 'pg';
import { queryPrepared } from '../../db/prepared.js';
import type { DB, Role } from '../../db/schema.js';
import { forbidden } from '../../shared/errors.js';

export interface Membership {
  organisationId: number;
  organisationName: string;
  role: Role;
  isOrgAdmin: boolean;
}

/** Who is acting, and as what: every query of the platform is filtered through this. */
export interface Principal {
  userId: number;
  email: string;
  displayName: string;
  memberships: Membership[];
}

export async function loadPrincipal(db: Kysely<DB>, userId: number): Promise<Principal | null> {
  const user = await db.selectFrom('users').select(['id', 'email', 'display_name']).where('id', '=', userId).executeTakeFirst();
  if (!user) return null;
  const memberships = await db
    .selectFrom('memberships')
    .innerJoin('organisations', 'organisations.id', 'memberships.organisation_id')
    .select(['memberships.organisation_id', 'organisations.name', 'memberships.role', 'memberships.is_org_admin'])
    .where('memberships.user_id', '=', userId)
    .orderBy('organisations.name')
    .execute();
  return {
    userId: user.id,
    email: user.email,
    displayName: user.display_name,
    memberships: memberships.map((row) => ({
      organisationId: row.organisation_id,
      organisationName: row.name,
      role: row.role,
      isOrgAdmin: row.is_org_admin,
    })),
  };
}

export const hasRole = (principal: Principal, role: Role): boolean => principal.memberships.some((m) => m.role === role);

export const isAdmin = (principal: Principal): boolean => hasRole(principal, 'admin');

export function organisationsWithRole(principal: Principal, role: Role): number[] {
  return principal.memberships.filter((m) => m.role === role).map((m) => m.organisationId);
}

const ROLE_REQUIRED: Record<Role, string> = {
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

const PRINCIPAL_SQL = (credential: string) => `
  select u.id, u.email, u.display_name,
    coalesce(json_agg(json_build_object('organisationId', m.organisation_id, 'organisationName', o.name,
                                        'role', m.role, 'isOrgAdmin', m.is_org_admin) order by o.name)
             filter (where m.user_id is not null), '[]') as memberships
  from users u
  left join memberships m on m.user_id = u.id
  left join organisations o on o.id = m.organisation_id
  where u.id = (${credential})
  group by u.id`;
const BY_API_TOKEN = PRINCIPAL_SQL('select user_id from api_tokens where token_hash = $1 and revoked_at is null');
const BY_SESSION = PRINCIPAL_SQL('select user_id from sessions where token_hash = $1 and expires_at > now()');

/** One prepared query from a credential to the principal: the API's hot path pays a single round trip for it. */
export async function principalByCredential(pool: pg.Pool, kind: 'api_token' | 'session', tokenHash: string): Promise<Principal | null> {
  const [row] = await queryPrepared<{ id: number; email: string; display_name: string; memberships: Membership[] }>(
    pool,
    `principal_by_${kind}`,
    kind === 'api_token' ? BY_API_TOKEN : BY_SESSION,
    [tokenHash],
  );
  return row ? { userId: row.id, email: row.email, displayName: row.display_name, memberships: row.memberships } : null;
}
