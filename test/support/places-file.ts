import { stringify } from 'csv-stringify/sync';
import { STANDARD_FIELDS } from '../../src/places/domain/standard.js';

export type Row = Record<string, string | number | null>;

/** Places of Loire-Atlantique in the national standard, one per line, as a producer would publish them. */
export function sampleRows(): Row[] {
  return [
    { id: 'src-1', pivot: '21440109300015', nom: 'Médiathèque de la Manufacture', commune: 'Nantes', code_postal: '44000', code_insee: '44109', adresse: '10 bis boulevard de Stalingrad', latitude: 47.2215, longitude: -1.5377, horaires: 'Tu-Sa 10:00-18:00', date_maj: '2026-10-01', services: 'Aide aux démarches administratives|Maîtrise des outils numériques du quotidien', frais_a_charge: 'Gratuit', modalites_accompagnement: 'Accompagnement individuel', telephone: '02 40 41 95 95', source: 'Hubik' },
    { id: 'src-2', pivot: '77984737600013', nom: 'Point numérique CAF de Rezé', commune: 'Rezé', code_postal: '44400', adresse: '2 rue Jean Jaurès', latitude: 47.1905, longitude: -1.5694, horaires: 'Mo-Fr 08:30-12:30', date_maj: '2026-09-15', services: 'Aide aux démarches administratives', frais_a_charge: 'Gratuit', prise_en_charge_specifique: 'Handicaps moteurs', source: 'Hubik' },
    { id: 'src-3', pivot: '00000000000000', nom: 'Espace public numérique de Saint-Herblain', commune: 'Saint-Herblain', code_postal: '44800', adresse: '1 rue Abbé Pierre', date_maj: '2026-08-01', services: 'Loisirs et créations numériques', frais_a_charge: 'Payant', modalites_accompagnement: 'Dans un atelier collectif', source: 'Hubik' },
  ];
}

export function toCsv(rows: Row[]): string {
  return stringify(rows, { header: true, columns: [...STANDARD_FIELDS] });
}
