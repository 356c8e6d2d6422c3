import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { invalid } from '../../shared/errors.js';
import {
  ambiguityMessage,
  buildTerritoryIndex,
  COMMUNE_KINDS,
  decide,
  findTerritories,
  notFoundMessage,
  splitDepartementList,
  TERRITORY_KINDS,
  type Candidate,
  type CommuneFieldInput,
  type CommuneFieldOutcome,
  type FindOptions,
  type Resolution,
  type Territory,
  type TerritoryIndex,
  type TerritoryKind,
  territoriesOf,
} from '../domain/commune-resolver.js';

/**
 * The resolver's index, one per database, built on first use from the communes and départements (35,000 rows, a
 * few megabytes) and kept: the referential changes only when the loader runs, which forgets it. This is a cache of
 * read-only data, not state: every instance builds the same one.
 */
const indexes = new WeakMap<Kysely<DB>, Promise<TerritoryIndex>>();

export function forgetTerritoryIndex(db: Kysely<DB>): void {
  indexes.delete(db);
}

/** Every commune, arrondissement and département as the resolver sees them. */
export async function readTerritories(db: Kysely<DB>): Promise<Territory[]> {
  const departements = await db.selectFrom('departements').select(['code', 'name', 'lat', 'lng']).execute();
  const communes = await db.selectFrom('communes').select(['insee_code', 'name', 'kind', 'departement_code', 'postal_codes', 'population', 'lat', 'lng', 'parent_code']).execute();
  return territoriesOf(departements, communes);
}

export function territoryIndex(db: Kysely<DB>): Promise<TerritoryIndex> {
  let index = indexes.get(db);
  if (!index) {
    index = readTerritories(db).then(buildTerritoryIndex);
    index.catch(() => indexes.delete(db));
    indexes.set(db, index);
  }
  return index;
}

/** Candidates for what was typed, best first (autocomplete, API). */
export async function findCandidates(db: Kysely<DB>, query: string, options: FindOptions = {}): Promise<Candidate[]> {
  return findTerritories(await territoryIndex(db), query, options);
}

/** One territory, or the candidates to choose from, or none. */
export async function resolveTerritory(db: Kysely<DB>, query: string, options: FindOptions = {}): Promise<Resolution> {
  return decide(await findCandidates(db, query, options));
}

/** A commune or arrondissement by its INSEE code (to show a stored code as its label). */
export async function communeByCode(db: Kysely<DB>, inseeCode: string): Promise<Candidate | null> {
  const entry = (await territoryIndex(db)).byInsee.get(inseeCode);
  return entry ? { territory: entry.territory, match: 'exact', by: 'insee_code', label: entry.label } : null;
}

export interface FieldOptions extends FindOptions {
  /** A postal code typed beside the field (the place form): among several candidates, the one having it. */
  postalCode?: string;
}

/** A form's commune field, resolved: the choice made if it still applies, else the text. */
export async function resolveCommuneField(db: Kysely<DB>, input: CommuneFieldInput, options: FieldOptions = {}): Promise<CommuneFieldOutcome> {
  const kinds: readonly TerritoryKind[] = options.kinds ?? TERRITORY_KINDS;
  const text = input.text.trim();
  if (!text) return { status: 'empty' };
  if (input.choice && input.choiceFor !== undefined && input.choiceFor.trim() === text) {
    const chosen = await resolveTerritory(db, input.choice, { ...options, kinds });
    if (chosen.status === 'resolved') return { status: 'resolved', candidate: chosen.candidate };
  }
  const resolution = await resolveTerritory(db, text, { ...options, kinds });
  if (resolution.status === 'resolved') return { status: 'resolved', candidate: resolution.candidate };
  if (resolution.status === 'none') return { status: 'none', message: notFoundMessage(text, kinds) };
  if (options.postalCode) {
    const having = resolution.candidates.filter((c) => c.territory.postalCodes.includes(options.postalCode!));
    if (having.length === 1) return { status: 'resolved', candidate: having[0]! };
  }
  return { status: 'ambiguous', candidates: resolution.candidates, message: ambiguityMessage(text, kinds) };
}

export { COMMUNE_KINDS, TERRITORY_KINDS };
export type { Candidate, CommuneFieldInput, CommuneFieldOutcome, TerritoryKind };

/**
 * The départements of a list typed in a form (a programme's territory): each item by its name or number; an item
 * naming none, or several, is refused with the candidates to choose from.
 */
export async function resolveDepartementList(db: Kysely<DB>, text: string): Promise<string[]> {
  const codes: string[] = [];
  for (const item of splitDepartementList(text)) {
    const resolution = await resolveTerritory(db, item, { kinds: ['departement'] });
    if (resolution.status === 'none') throw invalid(notFoundMessage(item, ['departement']), 'departement_inconnu');
    if (resolution.status === 'ambiguous') {
      throw invalid(`Plusieurs départements correspondent à « ${item} » (${resolution.candidates.map((c) => c.label).join(', ')}) : écrivez son nom complet ou son numéro.`, 'departement_ambigu');
    }
    if (!codes.includes(resolution.candidate.territory.code)) codes.push(resolution.candidate.territory.code);
  }
  return codes;
}
