import { createHash } from 'node:crypto';
import type { Insertable, Selectable } from 'kysely';
import type { DB } from '../../db/schema.js';
import { matchingKeys, type StandardPlace } from '../domain/validation.js';
import { STANDARD_FIELDS, UNKNOWN_PIVOT, type StandardField } from '../domain/standard.js';

type PlaceRow = Selectable<DB['places']>;
export type PlaceColumns = Omit<Insertable<DB['places']>, 'organisation_id'>;

export interface CommuneRef {
  insee_code: string;
  name: string;
  postal_codes: string[];
  lat: number | null;
  lng: number | null;
}

/** The content an import compares to decide "unchanged": the standard's fields minus its identifier. */
export function contentHash(place: StandardPlace): string {
  const { id: _id, ...content } = place;
  return createHash('sha256').update(JSON.stringify(content)).digest('base64url');
}

/** Columns of a place from a standard record; a place without coordinates sits at its commune's centre. */
export function placeColumns(place: StandardPlace, commune: CommuneRef): PlaceColumns {
  const { normalisedName, addressKey } = matchingKeys(place);
  const fromCommune = place.latitude === null || place.longitude === null;
  return {
    standard_id: place.id,
    pivot: place.pivot,
    name: place.nom,
    commune_code: commune.insee_code,
    commune_name: place.commune,
    postal_code: place.code_postal,
    address: place.adresse,
    address_complement: place.complement_adresse,
    latitude: fromCommune ? (commune.lat ?? 0) : place.latitude!,
    longitude: fromCommune ? (commune.lng ?? 0) : place.longitude!,
    coordinates_from_commune: fromCommune,
    typologies: place.typologie,
    phone: place.telephone,
    emails: place.courriels,
    websites: place.site_web,
    opening_hours: place.horaires,
    summary: place.presentation_resume,
    description: place.presentation_detail,
    source: place.source,
    mobility: place.itinerance,
    parent_structure: place.structure_parente,
    updated_on: place.date_maj,
    services: place.services,
    publics: place.publics_specifiquement_adresses,
    specific_support: place.prise_en_charge_specifique,
    costs: place.frais_a_charge,
    national_programmes: place.dispositif_programmes_nationaux,
    training_labels: place.formations_labels,
    other_labels: place.autres_formations_labels,
    access_modes: place.modalites_acces,
    support_modes: place.modalites_accompagnement,
    accessibility_url: place.fiche_acces_libre,
    booking_url: place.prise_rdv,
    normalised_name: normalisedName,
    address_key: addressKey,
    // The commune as resolved, so that a file without code_insee and its export (which has it) compare equal.
    content_hash: contentHash({ ...place, code_insee: commune.insee_code }),
  };
}

/** The standard record of a stored place: what the export writes and the import reads back. */
export function standardRecord(row: PlaceRow): StandardPlace {
  return {
    id: row.standard_id,
    pivot: row.pivot,
    nom: row.name,
    commune: row.commune_name,
    code_postal: row.postal_code,
    code_insee: row.commune_code,
    adresse: row.address,
    complement_adresse: row.address_complement,
    latitude: row.coordinates_from_commune ? null : row.latitude,
    longitude: row.coordinates_from_commune ? null : row.longitude,
    typologie: row.typologies,
    telephone: row.phone,
    courriels: row.emails,
    site_web: row.websites,
    horaires: row.opening_hours,
    presentation_resume: row.summary,
    presentation_detail: row.description,
    source: row.source,
    itinerance: row.mobility,
    structure_parente: row.parent_structure,
    date_maj: row.updated_on,
    services: row.services,
    publics_specifiquement_adresses: row.publics,
    prise_en_charge_specifique: row.specific_support,
    frais_a_charge: row.costs,
    dispositif_programmes_nationaux: row.national_programmes,
    formations_labels: row.training_labels,
    autres_formations_labels: row.other_labels,
    modalites_acces: row.access_modes,
    modalites_accompagnement: row.support_modes,
    fiche_acces_libre: row.accessibility_url,
    prise_rdv: row.booking_url,
  };
}

/** One row of the standard's file: lists joined with "|", an unknown pivot written as the aggregators do. */
export function standardFileRow(place: StandardPlace): Record<StandardField, string | number | null> {
  const row = {} as Record<StandardField, string | number | null>;
  for (const field of STANDARD_FIELDS) {
    const value = place[field];
    row[field] = Array.isArray(value) ? (value.length ? value.join('|') : null) : value;
  }
  row.pivot = place.pivot ?? UNKNOWN_PIVOT;
  return row;
}
