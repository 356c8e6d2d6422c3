import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { DomainError } from '../../shared/errors.js';
import { resolveTerritory } from '../../territories/use-cases/resolve.js';
import { EARTH_RADIUS_KM, projectedBoxes, projectedPoint } from '../domain/geo.js';
import { acceptsAnyProgramme, acceptsProgramme, inProgrammeTerritory, labelValidToday } from '../domain/sql-fragments.js';
import { openingState } from '../domain/opening-hours.js';
import { notFoundMessage } from '../../territories/domain/commune-resolver.js';
import { pageItems, paginate, type Page } from '../../shared/pagination.js';

export interface SearchFilters {
  services?: string[];
  publics?: string[];
  supportModes?: string[];
  specificSupport?: string[];
  cost?: 'free' | 'paid';
  accessible?: boolean;
  openNow?: boolean;
  acceptsPass?: boolean;
  programmeId?: number;
}

export interface SearchQuery extends SearchFilters {
  near: string;
  /** The browser's position (« Autour de moi »): the origin when `near` is empty. */
  position?: { lat: number; lon: number };
  radiusKm?: number;
  limit?: number;
  /** 1 for the first page of `limit` results. */
  page?: number;
}

export interface Origin {
  label: string;
  lat: number;
  lon: number;
  communeCode: string | null;
}

export interface PlaceHit {
  id: number;
  name: string;
  address: string;
  postalCode: string;
  commune: string;
  lat: number;
  lon: number;
  distanceKm: number;
  services: string[];
  acceptsPass: boolean;
  opening: string | null;
  openNow: boolean | null;
}

export const DEFAULT_RADIUS_KM = 30;
export const MAX_RADIUS_KM = 200;
export const MAX_RESULTS = 100;
export const DEFAULT_RESULTS = 20;
/**
 * « Open now » reads opening hours SQL cannot: the places within the radius are read (nearest first, at most this
 * many), their hours evaluated, then counted and paged.
 */
export const OPEN_NOW_CANDIDATES = 2000;
/** The origin of a search from the browser's position. */
export const POSITION_LABEL = 'votre position';

const COORDINATES = /^\s*(-?\d{1,2}(?:\.\d+)?)\s*,\s*(-?\d{1,3}(?:\.\d+)?)\s*$/;

/** « 47.21,-1.55 »: a starting point given as coordinates, which the commune resolver does not read. */
export const isCoordinates = (text: string): boolean => COORDINATES.test(text);

function unknownOrigin(near: string): DomainError {
  return new DomainError('not_found', 'commune_introuvable', notFoundMessage(near));
}

/**
 * Where a search starts: "lat,lon", or what the commune resolver finds (territories/domain/commune-resolver.ts): a
 * commune, an arrondissement or a département (its centre), by name, postal code, INSEE code or number. When the
 * text names several, the best candidate is taken; the pages offer the choice before searching.
 */
export async function resolveOrigin(db: Kysely<DB>, near: string): Promise<Origin> {
  const coordinates = COORDINATES.exec(near);
  if (coordinates) {
    const lat = Number(coordinates[1]);
    const lon = Number(coordinates[2]);
    if (Math.abs(lat) > 90 || Math.abs(lon) > 180) throw unknownOrigin(near);
    return { label: `${lat}, ${lon}`, lat, lon, communeCode: null };
  }
  const text = near.trim();
  if (!text) throw new DomainError('invalid', 'recherche_vide', 'Indiquez une commune, un code postal ou des coordonnées.');
  const resolution = await resolveTerritory(db, text);
  const chosen = resolution.status === 'resolved' ? resolution.candidate : resolution.status === 'ambiguous' ? resolution.candidates[0]! : null;
  if (!chosen || chosen.territory.lat === null || chosen.territory.lng === null) throw unknownOrigin(near);
  const { territory } = chosen;
  return { label: chosen.label, lat: territory.lat!, lon: territory.lng!, communeCode: territory.kind === 'departement' ? null : territory.code };
}

const LABEL_VALID_TODAY = sql.raw<boolean>(labelValidToday('p'));

/** A valid label today and at least one programme accepted: the place takes pass numérique vouchers. */
const ACCEPTS_PASS = sql<boolean>`(${sql.raw(acceptsAnyProgramme('p'))} and ${LABEL_VALID_TODAY})`;

/** The place takes this programme's vouchers: accepted, inside its territory, with a label valid today (as redemption requires). */
const acceptsThisProgramme = (programmeId: number) =>
  sql<boolean>`exists (select 1 from programmes fpr where fpr.id = ${programmeId}
    and ${sql.raw(acceptsProgramme('p', 'fpr.id'))} and ${sql.raw(inProgrammeTerritory('p', 'fpr.id'))}) and ${LABEL_VALID_TODAY}`;

function distanceFrom(origin: { lat: number; lon: number }) {
  return sql<number>`(2 * ${EARTH_RADIUS_KM}::float8 * asin(least(1, sqrt(
    power(sin(radians(p.latitude - ${origin.lat}::float8) / 2), 2)
    + cos(radians(${origin.lat}::float8)) * cos(radians(p.latitude)) * power(sin(radians(p.longitude - ${origin.lon}::float8) / 2), 2)))))`;
}

/** The filters as one SQL condition, shared by the indexed search and its full-scan yardstick. */
export function filterCondition(filters: SearchFilters) {
  const conditions = [sql`p.active`];
  const overlap = (column: string, values?: string[]) => {
    if (values?.length) conditions.push(sql`${sql.ref(`p.${column}`)} && ${values}::text[]`);
  };
  overlap('services', filters.services);
  overlap('publics', filters.publics);
  overlap('support_modes', filters.supportModes);
  overlap('specific_support', filters.specificSupport);
  if (filters.cost === 'free') conditions.push(sql`p.costs && array['Gratuit', 'Gratuit sous condition']::text[]`);
  if (filters.cost === 'paid') conditions.push(sql`'Payant' = any(p.costs)`);
  if (filters.accessible) conditions.push(sql`(p.step_free_access or 'Handicaps moteurs' = any(p.specific_support))`);
  if (filters.acceptsPass) conditions.push(ACCEPTS_PASS);
  if (filters.programmeId !== undefined) {
    conditions.push(acceptsThisProgramme(filters.programmeId));
  }
  return sql.join(conditions, sql` and `);
}

interface HitRow {
  id: number;
  name: string;
  address: string;
  postal_code: string;
  commune_name: string;
  latitude: number;
  longitude: number;
  services: string[];
  opening_hours: string | null;
  accepts_pass: boolean;
  distance_km: number;
}

const toHit = (row: HitRow, state: ReturnType<typeof openingState>): PlaceHit => ({
  id: row.id, name: row.name, address: row.address, postalCode: row.postal_code, commune: row.commune_name,
  lat: row.latitude, lon: row.longitude, distanceKm: Math.round(row.distance_km * 10) / 10, services: row.services,
  acceptsPass: row.accepts_pass, opening: state?.text ?? null, openNow: state?.open ?? null,
});

const radiusOf = (query: { radiusKm?: number }) => Math.min(Math.max(query.radiusKm ?? DEFAULT_RADIUS_KM, 0.1), MAX_RADIUS_KM);

export interface SearchResult {
  origin: Origin;
  radiusKm: number;
  /** This page's places, nearest first. */
  results: PlaceHit[];
  /** Places matching the search within the radius, every page together. */
  total: number;
  /** The page shown (a page past the last is the last), its size, and the number of pages. */
  page: Page;
}

/**
 * Places nearest first within the radius, counted and paged (shared/pagination.ts). The origin is the browser's
 * position when it is given and nothing is typed, else the commune, postal code or coordinates typed.
 */
export async function searchPlaces(db: Kysely<DB>, query: SearchQuery, now = new Date()): Promise<SearchResult> {
  const origin: Origin = !query.near.trim() && query.position
    ? { label: POSITION_LABEL, lat: query.position.lat, lon: query.position.lon, communeCode: null }
    : await resolveOrigin(db, query.near);
  return { origin, ...(await searchPage(db, origin, query, now)) };
}

/**
 * Within the radius, exactly: the GiST index on the projected location finds the places inside the rectangles that
 * hold the circle (geo.ts projectedBoxes), the great-circle distance then keeps those truly within it.
 */
function withinRadius(origin: { lat: number; lon: number }, radiusKm: number) {
  const exact = sql<boolean>`${distanceFrom(origin)} <= ${radiusKm}::float8`;
  const boxes = projectedBoxes(origin, radiusKm);
  if (!boxes) return exact;
  const inBoxes = sql.join(boxes.map((b) => sql`p.location <@ box(point(${b.xMin}::float8, ${b.yMin}::float8), point(${b.xMax}::float8, ${b.yMax}::float8))`), sql` or `);
  return sql<boolean>`(${inBoxes}) and ${exact}`;
}

/** One page of the search from a known origin, with the total: a count, then the page's rows (nearest first). */
export async function searchPage(db: Kysely<DB>, origin: { lat: number; lon: number }, query: Omit<SearchQuery, 'near'>, now = new Date()): Promise<{ radiusKm: number; results: PlaceHit[]; total: number; page: Page }> {
  const radiusKm = radiusOf(query);
  const request = { page: query.page ?? 1, limit: Math.min(Math.max(query.limit ?? DEFAULT_RESULTS, 1), MAX_RESULTS) };
  const where = sql`${filterCondition(query)} and ${withinRadius(origin, radiusKm)}`;
  const select = (limit: number, offset: number) => sql<HitRow>`
    select p.id, p.name, p.address, p.postal_code, p.commune_name, p.latitude, p.longitude, p.services, p.opening_hours,
           ${ACCEPTS_PASS} as accepts_pass, ${distanceFrom(origin)} as distance_km
    from places p where ${where}
    order by distance_km, p.id limit ${limit} offset ${offset}`.execute(db);
  if (query.openNow) {
    const { rows } = await select(OPEN_NOW_CANDIDATES, 0);
    const open = rows.map((row) => ({ row, state: openingState(row.opening_hours, now) })).filter((c) => c.state?.open);
    const page = paginate(open.length, request);
    return { radiusKm, results: pageItems(open, page).map((c) => toHit(c.row, c.state)), total: open.length, page };
  }
  const { rows: counted } = await sql<{ n: number }>`select count(*)::int as n from places p where ${where}`.execute(db);
  const page = paginate(counted[0]?.n ?? 0, request);
  const { rows } = page.total ? await select(page.limit, page.offset) : { rows: [] };
  return { radiusKm, results: rows.map((row) => toHit(row, openingState(row.opening_hours, now))), total: page.total, page };
}

/** The nearest places from a known origin (the diagnostic's orientation): one indexed query, no count. */
export async function searchAround(db: Kysely<DB>, origin: { lat: number; lon: number }, query: Omit<SearchQuery, 'near'>, now = new Date()) {
  const radiusKm = radiusOf(query);
  const limit = Math.min(Math.max(query.limit ?? DEFAULT_RESULTS, 1), MAX_RESULTS);
  const rows = await nearestCandidates(db, origin, query, radiusKm, query.openNow ? 500 : limit * 2 + 20);
  const results: PlaceHit[] = [];
  for (const row of rows) {
    const state = openingState(row.opening_hours, now);
    if (query.openNow && !state?.open) continue;
    results.push(toHit(row, state));
    if (results.length === limit) break;
  }
  return { radiusKm, results };
}

/**
 * The indexed query alone: candidates in the approximate order of the GiST index on the projected location, then
 * filtered and ordered by their exact great-circle distance.
 */
export async function nearestCandidates(db: Kysely<DB>, origin: { lat: number; lon: number }, filters: SearchFilters, radiusKm: number, candidates: number) {
  const { x, y } = projectedPoint(origin.lat, origin.lon);
  const { rows } = await sql<HitRow>`
    select * from (
      select p.id, p.name, p.address, p.postal_code, p.commune_name, p.latitude, p.longitude, p.services, p.opening_hours,
             ${ACCEPTS_PASS} as accepts_pass, ${distanceFrom(origin)} as distance_km
      from places p
      where ${filterCondition(filters)}
      order by p.location <-> point(${x}::float8, ${y}::float8)
      limit ${candidates}
    ) c
    where distance_km <= ${radiusKm}::float8
    order by distance_km, id`.execute(db);
  return rows;
}

/** The benchmark's yardstick: the same answer by computing every distance, with no index. */
export async function searchByFullScan(db: Kysely<DB>, origin: { lat: number; lon: number }, filters: SearchFilters, radiusKm: number, limit: number) {
  const { rows } = await sql<{ id: number; distance_km: number }>`
    select * from (select p.id, ${distanceFrom(origin)} as distance_km from places p where ${filterCondition(filters)}) c
    where distance_km <= ${radiusKm}::float8 order by distance_km, id limit ${limit}`.execute(db);
  return rows;
}
