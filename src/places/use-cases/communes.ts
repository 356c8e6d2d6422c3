import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { normaliseText } from '../domain/normalise.js';
import type { FieldError, StandardPlace } from '../domain/validation.js';
import type { CommuneRef } from './record.js';

/** A commune as the indexes hold it: with its département, which the territory rules need. */
export interface IndexedCommune extends CommuneRef {
  departement_code: string;
}

export interface CommuneIndex {
  byInsee: Map<string, IndexedCommune>;
  byPostalCode: Map<string, IndexedCommune[]>;
}

const COLUMNS = ['insee_code', 'name', 'postal_codes', 'lat', 'lng', 'departement_code'] as const;

function indexCommunes(communes: IndexedCommune[]): CommuneIndex {
  const byPostalCode = new Map<string, IndexedCommune[]>();
  for (const commune of communes) for (const code of commune.postal_codes) byPostalCode.set(code, [...(byPostalCode.get(code) ?? []), commune]);
  return { byInsee: new Map(communes.map((c) => [c.insee_code, c])), byPostalCode };
}

/** Every commune, for an import that may name any of them. */
export async function loadAllCommunes(db: Kysely<DB>): Promise<CommuneIndex> {
  return indexCommunes(await db.selectFrom('communes').select([...COLUMNS]).execute());
}

/** Only the communes one place may be in: its INSEE code or its postal code. */
export async function loadCommunesFor(db: Kysely<DB>, place: Pick<StandardPlace, 'code_insee' | 'code_postal'>): Promise<CommuneIndex> {
  const communes = await db
    .selectFrom('communes')
    .select([...COLUMNS])
    .where((eb) => (place.code_insee ? eb('insee_code', '=', place.code_insee) : eb('postal_codes', '@>', sql<string[]>`array[${place.code_postal}]::text[]`)))
    .execute();
  return indexCommunes(communes);
}

/** The INSEE code when given; otherwise the commune of that postal code, by name when several share it. */
export function resolveCommune(place: StandardPlace, index: CommuneIndex): IndexedCommune | FieldError {
  if (place.code_insee) return index.byInsee.get(place.code_insee) ?? { field: 'code_insee', reason: `aucune commune n’a le code INSEE ${place.code_insee}` };
  const candidates = index.byPostalCode.get(place.code_postal) ?? [];
  if (candidates.length === 1) return candidates[0]!;
  const name = normaliseText(place.commune);
  const named = candidates.find((c) => normaliseText(c.name) === name);
  if (named) return named;
  if (candidates.length === 0) return { field: 'code_postal', reason: `aucune commune n’a le code postal ${place.code_postal}` };
  return { field: 'commune', reason: `« ${place.commune} » ne correspond à aucune des communes du code postal ${place.code_postal} : renseignez code_insee` };
}
