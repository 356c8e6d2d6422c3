/** Mean Earth radius (IUGG), kilometres. */
export const EARTH_RADIUS_KM = 6371.0088;

const radians = (degrees: number) => (degrees * Math.PI) / 180;

/** Great-circle distance in kilometres. */
export function haversineKm(a: { lat: number; lon: number }, b: { lat: number; lon: number }): number {
  const dLat = radians(b.lat - a.lat);
  const dLon = radians(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(radians(a.lat)) * Math.cos(radians(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** The central meridian of a place's projection: one for metropolitan France, 30° bands overseas. */
export function centralMeridian(lat: number, lon: number): number {
  return lat > 35 ? 2.5 : Math.floor(lon / 30) * 30 + 15;
}

/**
 * The same sinusoidal projection as the generated column `places.location` (migration 002): kilometres, close to
 * true distances near the central meridian, so the GiST index finds nearest places first.
 */
export function projectedPoint(lat: number, lon: number): { x: number; y: number } {
  return {
    x: radians(lon - centralMeridian(lat, lon)) * Math.cos(radians(lat)) * EARTH_RADIUS_KM,
    y: radians(lat) * EARTH_RADIUS_KM,
  };
}

/** A distance as French readers write it: « 800 m », « 12,5 km ». */
export const formatDistance = (km: number): string => (km < 1 ? `${Math.round(km * 1000)} m` : `${km.toLocaleString('fr-FR', { maximumFractionDigits: 1 })} km`);

/** A rectangle of the projected plane (kilometres), as `box(point(xMin, yMin), point(xMax, yMax))`. */
export interface ProjectedBox {
  xMin: number;
  yMin: number;
  xMax: number;
  yMax: number;
}

/** The central meridians of the projection that places between these longitudes may use (metropolitan, bands). */
function centralMeridiansBetween(latMin: number, latMax: number, lonMin: number, lonMax: number): { meridian: number; lonMin: number; lonMax: number }[] {
  const frames: { meridian: number; lonMin: number; lonMax: number }[] = [];
  if (latMax > 35) frames.push({ meridian: 2.5, lonMin, lonMax });
  if (latMin > 35) return frames;
  for (let band = Math.floor(lonMin / 30) * 30; band <= lonMax; band += 30) {
    frames.push({ meridian: band + 15, lonMin: Math.max(lonMin, band), lonMax: Math.min(lonMax, band + 30) });
  }
  return frames;
}

/**
 * Rectangles of the projected plane that hold every point within `radiusKm` (great circle) of the origin: one per
 * projection frame those points may use. The latitude/longitude box of the circle is exact on the sphere; each
 * frame's rectangle bounds x = R·(λ − λc)·cos φ over that box (its corners, and the parallel nearest the equator).
 * Null when the circle reaches a pole or the antimeridian: no rectangle, the exact distance alone decides.
 */
export function projectedBoxes(origin: { lat: number; lon: number }, radiusKm: number): ProjectedBox[] | null {
  const delta = radiusKm / EARTH_RADIUS_KM;
  const phi = radians(origin.lat);
  if (Math.abs(phi) + delta >= Math.PI / 2 - 1e-9) return null;
  const latMin = origin.lat - (delta * 180) / Math.PI;
  const latMax = origin.lat + (delta * 180) / Math.PI;
  const dLon = (Math.asin(Math.min(1, Math.sin(delta) / Math.cos(phi))) * 180) / Math.PI;
  const lonMin = origin.lon - dLon;
  const lonMax = origin.lon + dLon;
  if (lonMin < -180 || lonMax > 180) return null;
  const cosines = [Math.cos(radians(latMin)), Math.cos(radians(latMax)), ...(latMin < 0 && latMax > 0 ? [1] : [])];
  // A margin of a metre covers the rounding of the stored column.
  const margin = 0.001;
  return centralMeridiansBetween(latMin, latMax, lonMin, lonMax).map((frame) => {
    const xs = [frame.lonMin, frame.lonMax].flatMap((lon) => cosines.map((c) => radians(lon - frame.meridian) * c * EARTH_RADIUS_KM));
    return { xMin: Math.min(...xs) - margin, xMax: Math.max(...xs) + margin, yMin: radians(latMin) * EARTH_RADIUS_KM - margin, yMax: radians(latMax) * EARTH_RADIUS_KM + margin };
  });
}
