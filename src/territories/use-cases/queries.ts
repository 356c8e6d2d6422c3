import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';

/**
 * The benchmark's yardstick (bench/communes.ts): the look-up every commune input used before the resolver, one SQL
 * query by INSEE code, postal code or the start of a name (accents and case ignored), most populous first.
 */
export async function searchCommunes(db: Kysely<DB>, query: string, limit = 10) {
  const text = query.trim();
  if (!text) return [];
  let builder = db.selectFrom('communes').select(['insee_code', 'name', 'postal_codes', 'departement_code', 'population']).limit(limit);
  if (/^[0-9][0-9AB][0-9]{3}$/i.test(text)) {
    builder = builder.where((eb) => eb.or([eb('insee_code', '=', text.toUpperCase()), eb('postal_codes', '@>', sql<string[]>`array[${text}]::text[]`)]));
  } else {
    builder = builder.where(sql`lower(translate(name, 'ÀÂÄÉÈÊËÎÏÔÖÙÛÜÇàâäéèêëîïôöùûüç', 'AAAEEEEIIOOUUUCaaaeeeeiioouuuc'))`, 'like', `${text.toLowerCase().normalize('NFD').replace(/[\u0300-\u036f]/g, '')}%`);
  }
  return builder.orderBy('population', 'desc').execute();
}
