import { sql, type Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB, LabelStatus } from '../../db/schema.js';
import { forbidden } from '../../shared/errors.js';
import { readPage } from '../../shared/paged-query.js';
import type { Page, PageRequest } from '../../shared/pagination.js';
import { normaliseText } from '../domain/normalise.js';
import { canListTerritoryPlaces, reviewScope } from '../domain/policies.js';
import { labelRecordValidToday } from '../domain/sql-fragments.js';

/** A place's label as a territory's list filters it: its latest label record, valid today or not. */
export const TERRITORY_LABEL_STATES = {
  sans: 'Sans label',
  pending: 'Demande en cours d’examen',
  valide: 'Labellisé',
  echu: 'Label échu ou pas encore en vigueur',
  suspended: 'Label suspendu',
  refused: 'Demande refusée',
} as const;
export type TerritoryLabelState = keyof typeof TERRITORY_LABEL_STATES;

export interface TerritoryFilters {
  label?: TerritoryLabelState;
  departement?: string;
  /** Part of the place's name, of its commune's name, or its postal code; accents and case ignored. */
  text?: string;
}

export interface TerritoryPlace {
  id: number;
  name: string;
  postalCode: string;
  commune: string;
  departementCode: string;
  organisationName: string | null;
  labelState: TerritoryLabelState;
  labelStatus: LabelStatus | null;
  validUntil: string | null;
}

/**
 * The départements whose places the principal lists (place.territory): every one for the administration (null),
 * those of its hubs otherwise; none is a refusal.
 */
export function territoryOf(principal: Principal): string[] | null {
  const scope = reviewScope(principal);
  if (scope === null) return null;
  const covered = scope.filter((code) => canListTerritoryPlaces(principal, code));
  if (covered.length === 0) throw forbidden('La liste des lieux d’un territoire est réservée à son hub et à l’administration nationale.');
  return covered;
}

/** French letters without their accents, in SQL, as normaliseText does in TypeScript (for commune names). */
const ACCENTED = 'àâäáãåçéèêëíìîïñóòôöõúùûüýÿ';
const PLAIN = 'aaaaaaceeeeiiiinooooouuuuyy';
export const normalisedSql = (column: string) => sql<string>`regexp_replace(translate(lower(${sql.ref(column)}), ${ACCENTED}, ${PLAIN}), '[^a-z0-9]+', ' ', 'g')`;

/** Every active place of the principal's territory, filtered, by département then name, page by page. */
export async function territoryPlaces(db: Kysely<DB>, principal: Principal, filters: TerritoryFilters, request: PageRequest): Promise<{ places: TerritoryPlace[]; page: Page }> {
  const departements = territoryOf(principal);
  if (filters.departement && departements !== null && !departements.includes(filters.departement)) {
    throw forbidden(`Le département ${filters.departement} n’est pas sur le territoire de votre hub.`);
  }
  const validToday = sql<boolean>`coalesce(${sql.raw(labelRecordValidToday('l'))}, false)`;
  let query = db
    .selectFrom('places as p')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .leftJoin('organisations as o', 'o.id', 'p.organisation_id')
    .leftJoinLateral(
      (eb) => eb.selectFrom('place_labels').select(['id', 'status', 'valid_from', 'valid_until']).whereRef('place_labels.place_id', '=', 'p.id').orderBy('id', 'desc').limit(1).as('l'),
      (join) => join.onTrue(),
    )
    .select(['p.id', 'p.name', 'p.postal_code', 'p.commune_name', 'c.departement_code', 'o.name as organisation_name', 'l.status', 'l.valid_until', validToday.as('valid')])
    .where('p.active', '=', true)
    .orderBy('c.departement_code')
    .orderBy('p.normalised_name')
    .orderBy('p.id');
  if (departements !== null) query = query.where('c.departement_code', 'in', departements.length ? departements : ['']);
  if (filters.departement) query = query.where('c.departement_code', '=', filters.departement);
  if (filters.label === 'sans') query = query.where('l.id', 'is', null);
  if (filters.label === 'valide') query = query.where(validToday);
  if (filters.label === 'echu') query = query.where('l.status', '=', 'approved').where(sql<boolean>`not ${validToday}`);
  if (filters.label === 'pending' || filters.label === 'suspended' || filters.label === 'refused') query = query.where('l.status', '=', filters.label);
  const text = normaliseText(filters.text ?? '');
  if (filters.text && !text) query = query.where(sql<boolean>`false`);
  if (text) {
    const pattern = `%${text}%`;
    query = query.where((eb) => eb.or([eb('p.normalised_name', 'like', pattern), sql<boolean>`${normalisedSql('p.commune_name')} like ${pattern}`, eb('p.postal_code', 'like', `${text}%`)]));
  }
  const { rows, page } = await readPage(query, request);
  return {
    places: rows.map((r) => ({
      id: r.id, name: r.name, postalCode: r.postal_code, commune: r.commune_name, departementCode: r.departement_code, organisationName: r.organisation_name,
      labelStatus: r.status, validUntil: r.valid_until,
      labelState: r.status === null ? 'sans' : r.status === 'approved' ? (r.valid ? 'valide' : 'echu') : r.status,
    })),
    page,
  };
}

/** The départements a territory's list offers in its filter: the hub's, or every one for the administration. */
export async function territoryDepartements(db: Kysely<DB>, principal: Principal) {
  const departements = territoryOf(principal);
  let query = db.selectFrom('departements').select(['code', 'name']).orderBy('code');
  if (departements !== null) query = query.where('code', 'in', departements.length ? departements : ['']);
  return query.execute();
}
