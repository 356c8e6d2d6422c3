import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import { canEditPlace, covers, reviewScope, type PlaceFacts } from '../domain/policies.js';
import type { DB } from '../../db/schema.js';
import { forbidden, notFound } from '../../shared/errors.js';

/**
 * The départements whose places this principal reviews: the pure rule of places/domain/policies.ts (`reviewScope`:
 * null for the administration, the hubs' départements carried by the principal otherwise). Kept async and with the
 * database argument for its many callers.
 */
export async function reviewedDepartements(_db: Kysely<DB>, principal: Principal): Promise<string[] | null> {
  return reviewScope(principal);
}

export async function requireReviewer(db: Kysely<DB>, principal: Principal): Promise<string[] | null> {
  const departements = await reviewedDepartements(db, principal);
  if (departements !== null && departements.length === 0) throw forbidden('Cette action est réservée aux hubs et à l’administration nationale.');
  return departements;
}

export { covers };

/** The facts the place policies need, from a row that names the place's organisation and département. */
export const placeFacts = (row: { organisation_id: number | null; departement_code: string }): PlaceFacts => ({ organisationId: row.organisation_id, departementCode: row.departement_code });

/** A place is run by its organisation's mediators; the hub of its territory and the administration may act too. */
export async function canManagePlace(_db: Kysely<DB>, principal: Principal, place: { organisation_id: number | null; departement_code: string }): Promise<boolean> {
  return canEditPlace(principal, placeFacts(place));
}

/** What access rules need of a place: who runs it and in which département it is. */
export async function placeLocation(db: Kysely<DB>, placeId: number) {
  const place = await db
    .selectFrom('places as p')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .select(['p.id', 'p.name', 'p.organisation_id', 'c.departement_code'])
    .where('p.id', '=', placeId)
    .executeTakeFirst();
  if (!place) throw notFound('Ce lieu n’existe pas.');
  return place;
}
