import type { Kysely } from 'kysely';
import { loadPrincipal, type Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { candidateGroups, type RecipientRule } from '../domain/kinds.js';

/**
 * The people a notification goes to: the candidates the rule's scopes point at (one query), each loaded as the
 * principal the policies judge, kept when the named policy lets them act; never the person who did the thing.
 */
export async function recipientsOf(db: Kysely<DB>, recipients: RecipientRule, exceptUserId: number | null): Promise<Principal[]> {
  const groups = candidateGroups(recipients.rule, recipients.target);
  if (groups.length === 0) return [];
  const rows = await db
    .selectFrom('memberships as m')
    .select('m.user_id')
    .distinct()
    .where((eb) =>
      eb.or(
        groups.map((group) => {
          const conditions = [group.orgAdmin ? eb('m.is_org_admin', '=', true) : eb('m.role', '=', group.role!)];
          if (group.organisationIds) conditions.push(eb('m.organisation_id', 'in', group.organisationIds));
          if (group.departementCodes) {
            // A hub covers the départements recorded for it and its own (as the principal query reads them).
            conditions.push(
              eb.or([
                eb('m.organisation_id', 'in', eb.selectFrom('organisation_departements').select('organisation_id').where('departement_code', 'in', group.departementCodes)),
                eb('m.organisation_id', 'in', eb.selectFrom('organisations').select('id').where('departement_code', 'in', group.departementCodes)),
              ]),
            );
          }
          return eb.and(conditions);
        }),
      ),
    )
    .orderBy('m.user_id')
    .execute();
  const principals: Principal[] = [];
  for (const { user_id } of rows) {
    if (user_id === exceptUserId) continue;
    const principal = await loadPrincipal(db, user_id);
    if (principal && recipients.may(principal)) principals.push(principal);
  }
  return principals;
}
