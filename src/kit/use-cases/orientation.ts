import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { resolveOrigin, searchAround, type Origin, type PlaceHit } from '../../places/use-cases/search.js';
import type { Recommendation } from '../domain/recommendation.js';

export interface Orientation {
  origin: Origin;
  /** Labelled places accepting the pass and offering a recommended service (or any place for self-training). */
  workshopPlaces: PlaceHit[];
  /** Places helping with equipment or a connection, when that is the obstacle. */
  helpPlaces: PlaceHit[];
}

const NEAREST = 5;
const RADII_KM = [30, 100];

/** The nearest places first; a wider circle only when the first one finds nothing (rural communes). */
async function nearest(db: Kysely<DB>, origin: Origin, services: string[], acceptsPass: boolean, now: Date): Promise<PlaceHit[]> {
  for (const radiusKm of RADII_KM) {
    const { results } = await searchAround(db, origin, { services, acceptsPass, radiusKm, limit: NEAREST }, now);
    if (results.length) return results;
  }
  return [];
}

export async function orient(db: Kysely<DB>, recommendation: Recommendation, near: string, now = new Date()): Promise<Orientation> {
  const origin = await resolveOrigin(db, near);
  return {
    origin,
    workshopPlaces: await nearest(db, origin, recommendation.services, recommendation.vouchers > 0, now),
    helpPlaces: recommendation.helpServices.length ? await nearest(db, origin, recommendation.helpServices, false, now) : [],
  };
}
