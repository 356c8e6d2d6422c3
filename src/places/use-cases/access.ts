import type { Kysely } from 'kysely';
import { isAdmin, organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { forbidden, notFound } from '../../shared/errors.js';

/**
 * The départements whose places this principal reviews (labels, imports, duplicates): every one for the national
 * administration (null), those of their hubs otherwise (a hub covers 2 to 5; its own when none are recorded).
 */
export async function reviewedDepartements(db: Kysely<DB>, principal: Principal): Promise<string[] | null> {
  if (isAdmin(principal)) return null;
  const hubs = organisationsWithRole(principal, 'hub');
  if (hubs.length === 0) return [];
  const listed = await db.selectFrom('organisation_departements').select('departement_code').where('organisation_id', 'in', hubs).execute();
  const own = await db.selectFrom('organisations').select('departement_code').where('id', 'in', hubs).where('departement_code', 'is not', null).execute();
  return [...new Set([...listed.map((r) => r.departement_code), ...own.map((r) => r.departement_code!)])];
}

export async function requireReviewer(db: Kysely<DB>, principal: Principal): Promise<string[] | null> {
  const departements = await reviewedDepartements(db, principal);
  if (departements !== null && departements.length === 0) throw forbidden('Cette action est réservée aux hubs et à l’administration nationale.');
  return departements;
}

export const covers = (departements: string[] | null, departementCode: string) => departements === null || departements.includes(departementCode);

/** A place is run by its organisation's mediators; the hub of its territory and the administration may act too. */
export async function canManagePlace(db: Kysely<DB>, principal: Principal, place: { organisation_id: number | null; departement_code: string }): Promise<boolean> {
  if (place.organisation_id !== null && organisationsWithRole(principal, 'mediator').includes(place.organisation_id)) return true;
  return covers(await reviewedDepartements(db, principal), place.departement_code);
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
