import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { SYSTEM_PRINCIPAL } from '../accounts/domain/principal.js';
import { importPlaces } from '../places/use-cases/import.js';
import { SERVICES } from '../places/domain/standard.js';
import { ofName } from '../shared/french.js';

export interface DemoPlace {
  name: string;
  commune: string;
  insee: string;
  postalCode: string;
  address: string;
  lat: number;
  lon: number;
  hours: string;
  account: string | null;
  labelled: boolean | 'pending';
}

export const DEMO_PLACES: DemoPlace[] = [
  { name: 'Médiathèque Jacques Demy', commune: 'Nantes', insee: '44109', postalCode: '44000', address: '24 quai de la Fosse', lat: 47.2108, lon: -1.5655, hours: 'Tu-Sa 10:00-18:00', account: 'mediateur', labelled: true },
  { name: 'Espace numérique de Saint-Nazaire', commune: 'Saint-Nazaire', insee: '44184', postalCode: '44600', address: '6 rue Auguste Baptiste Lechat', lat: 47.2735, lon: -2.2138, hours: 'Mo-Fr 09:00-12:00,14:00-17:00', account: 'mediateur2', labelled: true },
  { name: 'Centre socioculturel Château de Rezé', commune: 'Rezé', insee: '44143', postalCode: '44400', address: 'Rue du Château de Rezé', lat: 47.1833, lon: -1.5497, hours: 'Mo-Fr 09:00-12:30,13:30-18:00', account: null, labelled: true },
  { name: 'France services de Châteaubriant', commune: 'Châteaubriant', insee: '44036', postalCode: '44110', address: '1 place Charles de Gaulle', lat: 47.7172, lon: -1.3761, hours: 'Mo-Fr 08:30-12:00,13:30-17:00', account: null, labelled: true },
  { name: 'Tiers-lieu numérique d’Ancenis', commune: 'Ancenis-Saint-Géréon', insee: '44003', postalCode: '44150', address: '30 place Francis Robert', lat: 47.3653, lon: -1.1772, hours: 'We,Sa 14:00-18:00', account: null, labelled: true },
  { name: 'Médiathèque Charles Gautier-Hermeland', commune: 'Saint-Herblain', insee: '44162', postalCode: '44800', address: 'Rue François Rabelais', lat: 47.2196, lon: -1.6269, hours: 'Tu,Th,Fr 14:00-19:00; We,Sa 10:00-18:00', account: null, labelled: 'pending' },
];

/** Places of the national cartography around the demo's, without an account here: they fill the map. */
const CARTOGRAPHY_COMMUNES = ['44020', '44035', '44047', '44052', '44055', '44069', '44072', '44082', '44101', '44114', '44131', '44150', '44154', '44172', '44190', '44194', '44204', '44215'];
const KINDS = ['Espace public numérique', 'Médiathèque', 'Centre social', 'Point numérique CAF', 'Association de quartier'];
const HOURS = ['Mo-Fr 09:00-12:00,14:00-17:00', 'Tu,Th 14:00-18:00; Sa 09:00-12:00', 'Mo-Sa 10:00-19:00', 'We 09:00-12:00,14:00-18:00'];

function standardRow(place: DemoPlace, pivot: string | null, index: number) {
  return {
    id: `demo-${index + 1}`,
    pivot: pivot ?? '00000000000000',
    nom: place.name,
    commune: place.commune,
    code_postal: place.postalCode,
    code_insee: place.insee,
    adresse: place.address,
    latitude: place.lat,
    longitude: place.lon,
    horaires: place.hours,
    date_maj: '2026-09-01',
    source: 'Démonstration Numérique inclusif',
    services: SERVICES.filter((_, i) => (i + index) % 3 !== 2).join('|'),
    publics_specifiquement_adresses: index % 2 ? 'Seniors' : 'Jeunes|Familles et/ou enfants',
    prise_en_charge_specifique: index % 3 === 0 ? 'Handicaps moteurs|Déficience visuelle' : '',
    frais_a_charge: index % 4 === 3 ? 'Payant' : 'Gratuit',
    modalites_acces: 'Se présenter|Téléphoner',
    modalites_accompagnement: index % 2 ? 'Accompagnement individuel|Dans un atelier collectif' : 'En autonomie|Accompagnement individuel',
    telephone: `+3324${String(1000000 + index * 7331).slice(-7)}`,
    presentation_resume: 'Accompagnement gratuit aux usages du numérique : ordinateur, smartphone, démarches en ligne.',
  };
}

/** The demo's places go through the same import as a national file; pivots link them to their organisations. */
export async function importDemoPlaces(db: Kysely<DB>, pivots: (string | null)[]) {
  const rows = DEMO_PLACES.map((place, index) => standardRow(place, pivots[index] ?? null, index));
  const communes = await db.selectFrom('communes').select(['insee_code', 'name', 'postal_codes', 'lat', 'lng']).where('insee_code', 'in', CARTOGRAPHY_COMMUNES).execute();
  for (const [index, commune] of communes.entries()) {
    const place: DemoPlace = {
      name: `${KINDS[index % KINDS.length]} ${ofName(commune.name)}`, commune: commune.name, insee: commune.insee_code, postalCode: commune.postal_codes[0]!,
      address: `${index + 2} place de la Mairie`, lat: (commune.lat ?? 47.2) + 0.002, lon: (commune.lng ?? -1.5) - 0.002, hours: HOURS[index % HOURS.length]!, account: null, labelled: false,
    };
    rows.push(standardRow(place, null, DEMO_PLACES.length + index));
  }
  const report = await importPlaces(db, SYSTEM_PRINCIPAL, JSON.stringify(rows), { fileName: 'demo.json' });
  if (report.errors.length) throw new Error(`Lieux de démonstration invalides : ${JSON.stringify(report.errors)}`);
  return db.selectFrom('places').select(['id', 'standard_id']).where('standard_id', 'like', 'demo-%').orderBy('id').execute();
}
