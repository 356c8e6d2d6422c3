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
