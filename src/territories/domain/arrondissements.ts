/**
 * Paris, Lyon and Marseille: the INSEE referential lists their arrondissements (municipal arrondissements, `ARM`, with
 * their commune's code), not the communes themselves. A commune is rebuilt from its arrondissements: population
 * summed, postal codes gathered, centre weighted by population (the arrondissements' centres, each counted as
 * many times as it has inhabitants), its name read from theirs (« Paris 1er Arrondissement » → « Paris »).
 */

/** What the referential knows of any commune or arrondissement: the one shape the load, the rebuild and the table share. */
export interface CommuneFacts {
  insee_code: string;
  departement_code: string;
  name: string;
  postal_codes: string[];
  lat: number | null;
  lng: number | null;
  population: number | null;
}

export type ArrondissementRow = CommuneFacts & { parent_code: string };

export type RebuiltCommune = CommuneFacts & { population: number };

/** « Marseille 13e Arrondissement » → « Marseille ». */
export function communeNameOfArrondissement(name: string): string {
  return name.replace(/\s+\d+(?:er|e)\s+arrondissement$/i, '').trim();
}

const round = (value: number) => Math.round(value * 100_000) / 100_000;

export function communeFromArrondissements(parentCode: string, arrondissements: ArrondissementRow[]): RebuiltCommune {
  const first = arrondissements[0];
  if (!first) throw new Error(`aucun arrondissement pour ${parentCode}`);
  const population = arrondissements.reduce((sum, a) => sum + (a.population ?? 0), 0);
  const placed = arrondissements.filter((a) => a.lat !== null && a.lng !== null);
  const weight = (a: ArrondissementRow) => (population > 0 ? (a.population ?? 0) : 1);
  const total = placed.reduce((sum, a) => sum + weight(a), 0);
  return {
    insee_code: parentCode,
    departement_code: first.departement_code,
    name: communeNameOfArrondissement(first.name),
    postal_codes: [...new Set(arrondissements.flatMap((a) => a.postal_codes))].sort(),
    lat: total > 0 ? round(placed.reduce((sum, a) => sum + a.lat! * weight(a), 0) / total) : null,
    lng: total > 0 ? round(placed.reduce((sum, a) => sum + a.lng! * weight(a), 0) / total) : null,
    population,
  };
}
