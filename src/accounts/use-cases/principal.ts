import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import type pg from 'pg';
import { queryPrepared } from '../../db/prepared.js';
import type { DB } from '../../db/schema.js';
import type { Membership, Principal } from '../domain/principal.js';
import { roleFitsKindsSql } from '../domain/organisation-kinds.js';

export * from '../domain/principal.js';

/**
 * From a user to the principal: memberships whose role the organisation's kinds allow (the rule of
 * organisation-kinds.ts, built into the SQL), each hub membership with its départements (those recorded for the
 * hub, and its own). One query, prepared for the credential paths.
 */
const PRINCIPAL_SQL = (userCondition: string) => `
  select u.id, u.email, u.display_name,
    coalesce(json_agg(json_build_object('organisationId', m.organisation_id, 'organisationName', o.name,
                                        'role', m.role, 'isOrgAdmin', m.is_org_admin,
                                        'departements', case when m.role = 'hub' then
                                          (select coalesce(json_agg(distinct d.code), '[]'::json) from (
                                             select od.departement_code as code from organisation_departements od where od.organisation_id = o.id
                                             union select o.departement_code where o.departement_code is not null) d)
                                          else '[]'::json end) order by o.name)
             filter (where m.user_id is not null), '[]') as memberships
  from users u
  left join (memberships m join organisations o on o.id = m.organisation_id and ${roleFitsKindsSql('m', 'o')})
    on m.user_id = u.id
  where u.id = (${userCondition})
  group by u.id`;
const BY_API_TOKEN = PRINCIPAL_SQL('select user_id from api_tokens where token_hash = $1 and revoked_at is null');
const BY_SESSION = PRINCIPAL_SQL('select user_id from sessions where token_hash = $1 and expires_at > now()');
const BY_USER = PRINCIPAL_SQL('select $1::bigint');

type PrincipalRow = { id: number; email: string; display_name: string; memberships: Membership[] };
const toPrincipal = (row: PrincipalRow): Principal => ({ userId: Number(row.id), email: row.email, displayName: row.display_name, memberships: row.memberships });

export async function loadPrincipal(db: Kysely<DB>, userId: number): Promise<Principal | null> {
  const { rows } = await sql<PrincipalRow>`${sql.raw(BY_USER.replace('$1', String(Math.trunc(userId))))}`.execute(db);
  return rows[0] ? toPrincipal(rows[0]) : null;
}

/** One prepared query from a credential to the principal: the API's hot path pays a single round trip for it. */
export async function principalByCredential(pool: pg.Pool, kind: 'api_token' | 'session', tokenHash: string): Promise<Principal | null> {
  const [row] = await queryPrepared<PrincipalRow>(pool, `principal_by_${kind}`, kind === 'api_token' ? BY_API_TOKEN : BY_SESSION, [tokenHash]);
  return row ? toPrincipal(row) : null;
}
