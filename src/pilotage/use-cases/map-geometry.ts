import fs from 'node:fs';
import simplify from '@turf/simplify';
import { geoConicConformal, geoMercator, geoPath, type GeoProjection } from 'd3-geo';
import type { Feature, FeatureCollection, MultiPolygon, Polygon } from 'geojson';
import { fromRoot } from '../../shared/paths.js';
import type { MapFrame } from '../domain/svg-map.js';

/**
 * The département outlines (src/pilotage/data/departements.geojson, WGS84), simplified once per process and per
 * tolerance (@turf/simplify, Douglas–Peucker) and projected with d3-geo: metropolitan France in a conformal conic
 * projection close to Lambert-93, the five overseas départements in insets below it (Mercator each). Read-only
 * data: the cache is only a cache.
 */
type DepartementFeature = Feature<Polygon | MultiPolygon, { DDEP_C_COD: string; DDEP_L_LIB: string }>;

const FILE = fromRoot('src', 'pilotage', 'data', 'departements.geojson');
export const OVERSEAS = ['971', '972', '973', '974', '976'] as const;
const OVERSEAS_NAMES: Record<string, string> = { '971': 'Guadeloupe', '972': 'Martinique', '973': 'Guyane', '974': 'La Réunion', '976': 'Mayotte' };

let raw: Map<string, DepartementFeature> | null = null;

type Ring = number[][];
/** Twice the signed area of a ring in the longitude/latitude plane: positive when counter-clockwise. */
const signedArea = (ring: Ring) => ring.reduce((sum, [x, y], i) => {
  const [nx, ny] = ring[(i + 1) % ring.length]!;
  return sum + x! * ny! - nx! * y!;
}, 0);
/**
 * d3-geo reads polygons on the sphere: an exterior ring must turn clockwise, a hole counter-clockwise, or the shape
 * is the rest of the world. The file follows RFC 7946 (the other way round): every ring is turned as d3 wants.
 */
function rewind(rings: Ring[]): Ring[] {
  return rings.map((ring, i) => ((i === 0) === (signedArea(ring) > 0) ? [...ring].reverse() : ring));
}
const rewindFeature = (f: DepartementFeature): DepartementFeature => ({
  ...f,
  geometry: f.geometry.type === 'Polygon'
    ? { type: 'Polygon', coordinates: rewind(f.geometry.coordinates) }
    : { type: 'MultiPolygon', coordinates: f.geometry.coordinates.map(rewind) },
});

function outlines(): Map<string, DepartementFeature> {
  raw ??= new Map(((JSON.parse(fs.readFileSync(FILE, 'utf8')) as FeatureCollection<Polygon | MultiPolygon, DepartementFeature['properties']>).features as DepartementFeature[]).map((f) => [f.properties.DDEP_C_COD, rewindFeature(f)]));
  return raw;
}

const simplifyFeature = (f: DepartementFeature, tolerance: number) => rewindFeature(simplify(f, { tolerance, highQuality: false, mutate: false }) as DepartementFeature);

/** Tolerance in degrees: 0,02° (about 2 km, under a pixel) for France, 0,002° for one département. */
function features(tolerance: number): Map<string, DepartementFeature> {
  return new Map([...outlines()].map(([code, f]) => [code, simplifyFeature(f, tolerance)]));
}

const departements = new Map<string, { outline: string; project: (lng: number, lat: number) => [number, number] | null } | null>();

export const FRANCE_WIDTH = 600;
export const FRANCE_HEIGHT = 680;
const INSETS_TOP = 580;

let france: { paths: Map<string, string>; frames: MapFrame[] } | null = null;

/** Every département of the outlines as a projected path (France map), with the insets' frames. */
export function franceGeometry(): { paths: Map<string, string>; frames: MapFrame[] } {
  france ??= projectFrance();
  return france;
}

function projectFrance(): { paths: Map<string, string>; frames: MapFrame[] } {
  const all = features(0.02);
  const metro = [...all.values()].filter((f) => !(OVERSEAS as readonly string[]).includes(f.properties.DDEP_C_COD));
  const projection = geoConicConformal().parallels([44, 49]).rotate([-3, 0]).precision(0).fitExtent([[10, 10], [FRANCE_WIDTH - 10, INSETS_TOP - 10]], { type: 'FeatureCollection', features: metro });
  const path = geoPath(projection).digits(1);
  const paths = new Map<string, string>();
  for (const f of metro) paths.set(f.properties.DDEP_C_COD, path(f) ?? '');
  const frames: MapFrame[] = [];
  const width = (FRANCE_WIDTH - 20) / OVERSEAS.length;
  OVERSEAS.forEach((code, i) => {
    const f = all.get(code);
    if (!f) return;
    const frame = { x: 10 + i * width, y: INSETS_TOP, width: width - 6, height: FRANCE_HEIGHT - INSETS_TOP - 10, label: OVERSEAS_NAMES[code]! };
    const inset = geoMercator().precision(0).fitExtent([[frame.x + 6, frame.y + 6], [frame.x + frame.width - 6, frame.y + frame.height - 14]], f);
    paths.set(code, geoPath(inset).digits(1)(f) ?? '');
    frames.push(frame);
  });
  return { paths, frames };
}

export const DEPARTEMENT_SIZE = 600;

/** One département's outline and the projection of its communes' centres (département map). */
export function departementGeometry(code: string): { outline: string; project: (lng: number, lat: number) => [number, number] | null } | null {
  if (!departements.has(code)) departements.set(code, projectDepartement(code));
  return departements.get(code)!;
}

function projectDepartement(code: string): { outline: string; project: (lng: number, lat: number) => [number, number] | null } | null {
  const source = outlines().get(code);
  if (!source) return null;
  const f = simplifyFeature(source, 0.002);
  const base: GeoProjection = ((OVERSEAS as readonly string[]).includes(code) ? geoMercator() : geoConicConformal().parallels([44, 49]).rotate([-3, 0])).precision(0);
  const projection = base.fitExtent([[20, 20], [DEPARTEMENT_SIZE - 20, DEPARTEMENT_SIZE - 20]], f);
  return { outline: geoPath(projection).digits(1)(f) ?? '', project: (lng, lat) => projection([lng, lat]) };
}
