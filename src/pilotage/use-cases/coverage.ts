import { sql, type Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { EARTH_RADIUS_KM, projectedPoint } from '../../places/domain/geo.js';
import { acceptsAnyProgramme, labelValidToday } from '../../places/domain/sql-fragments.js';
import { forbidden, invalid, notFound } from '../../shared/errors.js';
import { paginate, type Page, type PageRequest } from '../../shared/pagination.js';
import { aggregateGapScore, gap, NEAREST_CANDIDATES, gapClass, ifnClass, peopleToReach, per10000, REACH_KM, weightedMean } from '../domain/coverage.js';
import { canReadHubCoverage } from '../domain/policies.js';
import { loadCommuneFactsIfMissing } from './commune-facts.js';

/** When the coverage was last computed (app_settings). */
const COMPUTED_KEY = 'coverage.computed_at';
/*
 * Nearest-first candidates (NEAREST_CANDIDATES) read from the GiST index on the projected location (as
 * places/use-cases/search.ts), then the exact great-circle distance keeps the nearest: the projection's order
 * differs from the true one only by its small local distortion, far less than eight places deep.
 */

const LABELLED = sql.raw(`p.active and ${labelValidToday('p')}`);
const ACCEPTS_PASS = sql.raw(`p.active and ${labelValidToday('p')} and ${acceptsAnyProgramme('p')}`);
const distance = sql`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
  power(sin(radians(p.latitude - cm.lat) / 2), 2) + cos(radians(cm.lat)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - cm.lng) / 2), 2)))))`;

const nearest = (condition: typeof LABELLED) => sql`(select min(k.d) as km from (
    select ${distance} as d from places p where ${condition}
    order by p.location <-> point(cm.x, cm.y) limit ${NEAREST_CANDIDATES}) k)`;

interface CommuneBase {
  insee_code: string;
  departement_code: string;
  population: number | null;
  lat: number | null;
  lng: number | null;
  ifn_total: number | null;
  working_age_population: number | null;
}

/**
 * Recomputes the coverage of every commune (kind = 'commune') and every département, and replaces the tables in one
 * transaction (an advisory lock keeps two instances' hourly jobs from interleaving). Called hourly by `serve`, at
 * the end of the demo seeding and by `inclusif coverage refresh`.
 */
export async function refreshCoverage(db: Kysely<DB>, now = new Date()): Promise<{ communes: number; computedAt: Date }> {
  await loadCommuneFactsIfMissing(db);
  const communes = (await db.selectFrom('communes as c').leftJoin('commune_facts as f', 'f.insee_code', 'c.insee_code')
    .select(['c.insee_code', 'c.departement_code', 'c.population', 'c.lat', 'c.lng', 'f.ifn_total', 'f.working_age_population'])
    .where('c.kind', '=', 'commune').orderBy('c.insee_code').execute()) as CommuneBase[];
  const located = communes.filter((c) => c.lat !== null && c.lng !== null);
  const points = located.map((c) => projectedPoint(c.lat!, c.lng!));
  const { rows: distances } = located.length === 0 ? { rows: [] } : await sql<{ code: string; labelled_km: number | null; pass_km: number | null }>`
    select cm.code, nl.km as labelled_km, np.km as pass_km
    from unnest(${located.map((c) => c.insee_code)}::text[], ${located.map((c) => c.lat)}::float8[], ${located.map((c) => c.lng)}::float8[],
                ${points.map((p) => p.x)}::float8[], ${points.map((p) => p.y)}::float8[]) as cm(code, lat, lng, x, y)
    left join lateral ${nearest(LABELLED)} nl on true
    left join lateral ${nearest(ACCEPTS_PASS)} np on true`.execute(db);
  const { rows: counts } = await sql<{ code: string; places: number; labelled: number; pass: number }>`
    select coalesce(pc.parent_code, pc.insee_code) as code, count(*)::int as places,
           count(*) filter (where ${LABELLED})::int as labelled, count(*) filter (where ${ACCEPTS_PASS})::int as pass
    from places p join communes pc on pc.insee_code = p.commune_code
    where p.active group by 1`.execute(db);
  const mediatorsOf = async (level: 'commune' | 'departement') => (await sql<{ code: string; n: number }>`
    select po.code, count(distinct m.user_id)::int as n from (
      select distinct ${level === 'commune' ? sql`coalesce(pc.parent_code, pc.insee_code)` : sql`pc.departement_code`} as code, p.organisation_id
      from places p join communes pc on pc.insee_code = p.commune_code where p.active and p.organisation_id is not null) po
    join memberships m on m.organisation_id = po.organisation_id and m.role = 'mediator'
    group by po.code`.execute(db)).rows;
  const byCode = <T extends { code: string }>(rows: T[]) => new Map(rows.map((r) => [r.code, r]));
  const distanceOf = byCode(distances);
  const countOf = byCode(counts);
  const mediatorOf = byCode(await mediatorsOf('commune'));
  const departementMediators = byCode(await mediatorsOf('departement'));

  const rows = communes.map((c) => {
    const population = c.population ?? 0;
    const need = peopleToReach(population, c.working_age_population);
    const d = distanceOf.get(c.insee_code);
    const n = countOf.get(c.insee_code);
    const labelled = n?.labelled ?? 0;
    const nearestLabelled = d?.labelled_km ?? null;
    const g = gap({ need, ifn: c.ifn_total, labelledPlaces: labelled, nearestLabelledKm: labelled > 0 ? 0 : nearestLabelled });
    return {
      insee_code: c.insee_code, departement_code: c.departement_code, population, ifn_total: c.ifn_total, need_people: need,
      weighted_need: g.weightedNeed, places: n?.places ?? 0, labelled_places: labelled, places_accepting_pass: n?.pass ?? 0,
      mediators: mediatorOf.get(c.insee_code)?.n ?? 0, nearest_labelled_km: nearestLabelled, nearest_pass_km: d?.pass_km ?? null,
      offer: g.offer, unmet_need: g.unmetNeed, gap_score: g.score,
    };
  });
  const departements = new Map<string, typeof rows>();
  for (const row of rows) departements.set(row.departement_code, [...(departements.get(row.departement_code) ?? []), row]);
  const sum = (items: typeof rows, f: (r: (typeof rows)[number]) => number) => items.reduce((a, r) => a + f(r), 0);
  const departementRows = [...departements].map(([code, items]) => {
    const need = sum(items, (r) => r.need_people);
    const unmet = sum(items, (r) => r.unmet_need);
    return {
      departement_code: code, communes: items.length, population: sum(items, (r) => r.population),
      ifn_total: weightedMean(items.map((r) => ({ value: r.ifn_total, weight: r.population }))),
      need_people: need, weighted_need: sum(items, (r) => r.weighted_need), unmet_need: unmet,
      places: sum(items, (r) => r.places), labelled_places: sum(items, (r) => r.labelled_places), places_accepting_pass: sum(items, (r) => r.places_accepting_pass),
      mediators: departementMediators.get(code)?.n ?? 0,
      population_far: sum(items, (r) => (r.nearest_labelled_km === null || r.nearest_labelled_km > REACH_KM ? r.population : 0)),
      gap_score: aggregateGapScore(unmet, need),
    };
  });

  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('pilotage-coverage'))`.execute(trx);
    await sql`delete from coverage_communes`.execute(trx);
    await sql`delete from coverage_departements`.execute(trx);
    const col = <K extends keyof (typeof rows)[number]>(key: K) => rows.map((r) => r[key]);
    if (rows.length > 0) await sql`insert into coverage_communes (insee_code, departement_code, population, ifn_total, need_people, weighted_need, places,
        labelled_places, places_accepting_pass, mediators, nearest_labelled_km, nearest_pass_km, offer, unmet_need, gap_score, computed_at)
      select v.*, ${now}::timestamptz from unnest(${col('insee_code')}::text[], ${col('departement_code')}::text[], ${col('population')}::int[],
        ${col('ifn_total')}::float8[], ${col('need_people')}::float8[], ${col('weighted_need')}::float8[], ${col('places')}::int[],
        ${col('labelled_places')}::int[], ${col('places_accepting_pass')}::int[], ${col('mediators')}::int[], ${col('nearest_labelled_km')}::float8[],
        ${col('nearest_pass_km')}::float8[], ${col('offer')}::float8[], ${col('unmet_need')}::float8[], ${col('gap_score')}::float8[]) as v`.execute(trx);
    if (departementRows.length > 0) await trx.insertInto('coverage_departements').values(departementRows.map((r) => ({ ...r, computed_at: now }))).execute();
    await trx.insertInto('app_settings').values({ key: COMPUTED_KEY, value: now.toISOString() }).onConflict((oc) => oc.column('key').doUpdateSet({ value: now.toISOString() })).execute();
  });
  return { communes: rows.length, computedAt: now };
}

/** When the coverage was computed, null before the first refresh. */
export async function coverageComputedAt(db: Kysely<DB>): Promise<Date | null> {
  const row = await db.selectFrom('app_settings').select('value').where('key', '=', COMPUTED_KEY).executeTakeFirst();
  return row ? new Date(row.value) : null;
}

/** What a département's and a commune's coverage both say: population, need, offer, gap. */
interface CoverageFigures {
  code: string;
  name: string;
  population: number;
  ifn: number | null;
  ifnClass: number;
  need: number;
  unmetNeed: number;
  places: number;
  labelledPlaces: number;
  placesAcceptingPass: number;
  mediators: number;
  placesPer10000: number | null;
  mediatorsPer10000: number | null;
  gapScore: number;
  gapClass: number;
}

export interface DepartementCoverage extends CoverageFigures {
  communes: number;
  labelledPer10000: number | null;
  /** Share of the population farther than REACH_KM from a labelled place, 0–1. */
  farShare: number | null;
}

export interface CommuneCoverage extends CoverageFigures {
  departementCode: string;
  lat: number | null;
  lng: number | null;
  nearestLabelledKm: number | null;
  nearestPassKm: number | null;
}

export type DepartementSort = 'gap' | 'ifn' | 'code' | 'unmet';
export const DEPARTEMENT_SORTS: Record<DepartementSort, string> = {
  gap: 'score d’écart (le plus fort d’abord)', unmet: 'besoin non couvert (le plus fort d’abord)', ifn: 'IFN (le plus fragile d’abord)', code: 'numéro de département',
};

const toDepartement = (r: Record<string, unknown>): DepartementCoverage => {
  const population = Number(r.population);
  const ifn = r.ifn_total === null ? null : Number(r.ifn_total);
  const gapScore = Number(r.gap_score);
  return {
    code: String(r.departement_code), name: String(r.name), communes: Number(r.communes), population, ifn, ifnClass: ifnClass(ifn),
    need: Number(r.need_people), unmetNeed: Number(r.unmet_need), places: Number(r.places), labelledPlaces: Number(r.labelled_places),
    placesAcceptingPass: Number(r.places_accepting_pass), mediators: Number(r.mediators),
    placesPer10000: per10000(Number(r.places), population), labelledPer10000: per10000(Number(r.labelled_places), population),
    mediatorsPer10000: per10000(Number(r.mediators), population), farShare: population > 0 ? Number(r.population_far) / population : null,
    // Nobody counted (no population in the referential, e.g. Mayotte): no class, « sans donnée », not « best covered ».
    gapScore, gapClass: population > 0 ? gapClass(gapScore) : 0,
  };
};

/** Every département's coverage (public: no personal data), sorted as asked. */
export async function coverageByDepartement(db: Kysely<DB>, sort: DepartementSort = 'gap'): Promise<DepartementCoverage[]> {
  const rows = await db.selectFrom('coverage_departements as cd').innerJoin('departements as d', 'd.code', 'cd.departement_code').selectAll('cd').select('d.name').execute();
  const list = rows.map((r) => toDepartement(r as unknown as Record<string, unknown>));
  const order: Record<DepartementSort, (a: DepartementCoverage, b: DepartementCoverage) => number> = {
    gap: (a, b) => b.gapScore - a.gapScore, unmet: (a, b) => b.unmetNeed - a.unmetNeed,
    ifn: (a, b) => (b.ifn ?? -1) - (a.ifn ?? -1), code: () => 0,
  };
  return list.sort((a, b) => order[sort](a, b) || a.code.localeCompare(b.code));
}

export async function departementCoverage(db: Kysely<DB>, code: string): Promise<DepartementCoverage> {
  if (!/^(?:\d{2}|2[AB]|97\d)$/.test(code)) throw invalid('Numéro de département invalide : deux chiffres (ou 2A, 2B), trois pour l’outre-mer.', 'departement_invalide');
  const row = await db.selectFrom('departements as d').leftJoin('coverage_departements as cd', 'cd.departement_code', 'd.code').selectAll('cd').select(['d.name', 'd.code']).where('d.code', '=', code).executeTakeFirst();
  if (!row) throw notFound(`Le département ${code} n’existe pas.`, 'departement_introuvable');
  if (row.departement_code === null) return toDepartement({ ...row, departement_code: code, communes: 0, population: 0, ifn_total: null, need_people: 0, unmet_need: 0, places: 0, labelled_places: 0, places_accepting_pass: 0, mediators: 0, population_far: 0, gap_score: 0 });
  return toDepartement(row as unknown as Record<string, unknown>);
}

const communeColumns = ['cc.insee_code', 'c.name', 'cc.departement_code', 'cc.population', 'c.lat', 'c.lng', 'cc.ifn_total', 'cc.need_people', 'cc.unmet_need', 'cc.places',
  'cc.labelled_places', 'cc.places_accepting_pass', 'cc.mediators', 'cc.nearest_labelled_km', 'cc.nearest_pass_km', 'cc.gap_score'] as const;

const toCommune = (r: { insee_code: string; name: string; departement_code: string; population: number; lat: number | null; lng: number | null; ifn_total: number | null; need_people: number;
  unmet_need: number; places: number; labelled_places: number; places_accepting_pass: number; mediators: number; nearest_labelled_km: number | null; nearest_pass_km: number | null; gap_score: number }): CommuneCoverage => ({
  code: r.insee_code, name: r.name, departementCode: r.departement_code, population: r.population, lat: r.lat, lng: r.lng, ifn: r.ifn_total, ifnClass: ifnClass(r.ifn_total),
  need: r.need_people, unmetNeed: r.unmet_need, places: r.places, labelledPlaces: r.labelled_places, placesAcceptingPass: r.places_accepting_pass, mediators: r.mediators,
  placesPer10000: per10000(r.places, r.population), mediatorsPer10000: per10000(r.mediators, r.population),
  nearestLabelledKm: r.nearest_labelled_km, nearestPassKm: r.nearest_pass_km, gapScore: r.gap_score, gapClass: r.population > 0 ? gapClass(r.gap_score) : 0,
});

/** Worst served first: the largest unmet need (people), then the highest gap score, then the INSEE code. */
const communesQuery = (db: Kysely<DB>, departements: string[]) => db.selectFrom('coverage_communes as cc').innerJoin('communes as c', 'c.insee_code', 'cc.insee_code')
  .where('cc.departement_code', 'in', departements);

/** A département's communes, worst served first, one page (or all of them: `page` null, for the map and the CSV). */
export async function communesCoverage(db: Kysely<DB>, departement: string, request: PageRequest | null): Promise<{ communes: CommuneCoverage[]; page: Page | null }> {
  const query = communesQuery(db, [departement]).select(communeColumns).orderBy('cc.unmet_need', 'desc').orderBy('cc.gap_score', 'desc').orderBy('cc.insee_code');
  if (request === null) return { communes: (await query.execute()).map(toCommune), page: null };
  const counted = await communesQuery(db, [departement]).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const page = paginate(Number(counted.n), request);
  const rows = page.total ? await query.limit(page.limit).offset(page.offset).execute() : [];
  return { communes: rows.map(toCommune), page };
}

/**
 * A hub's worst-served communes, over its départements (organisation_departements): for its own members and the
 * national administration (policy 'pilotage.coverage.hub').
 */
export async function worstServedCommunes(db: Kysely<DB>, principal: Principal | null, hubOrganisationId: number, limit = 20): Promise<{ hub: { id: number; name: string; departements: string[] }; communes: CommuneCoverage[] }> {
  if (!principal) throw forbidden('Connectez-vous pour voir les communes de votre territoire.', 'connexion_requise');
  const organisation = await db.selectFrom('organisations').select(['id', 'name', 'kinds']).where('id', '=', hubOrganisationId).executeTakeFirst();
  const departements = organisation
    ? (await db.selectFrom('organisation_departements').select('departement_code').where('organisation_id', '=', hubOrganisationId).orderBy('departement_code').execute()).map((d) => d.departement_code)
    : [];
  if (!organisation || departements.length === 0) {
    if (!canReadHubCoverage(principal, hubOrganisationId, [])) throw forbidden('Ce territoire n’est pas le vôtre.', 'hors_perimetre');
    throw notFound('Ce hub n’existe pas ou n’a pas encore de département.', 'hub_introuvable');
  }
  if (!canReadHubCoverage(principal, hubOrganisationId, departements)) throw forbidden('Seuls les membres du hub et l’administration nationale voient les communes les moins bien desservies de ce territoire.', 'hors_perimetre');
  const size = Math.min(Math.max(Math.trunc(limit) || 20, 1), 100);
  const rows = await communesQuery(db, departements).select(communeColumns).orderBy('cc.unmet_need', 'desc').orderBy('cc.gap_score', 'desc').orderBy('cc.insee_code').limit(size).execute();
  return { hub: { id: organisation.id, name: organisation.name, departements }, communes: rows.map(toCommune) };
}
