import { openingHoursError } from './opening-hours.js';
import { addressKey, normalisePhone, normaliseText } from './normalise.js';
import { ENUMERATED_FIELDS, REQUIRED_FIELDS, TYPOLOGIES, UNKNOWN_PIVOT, V0_SERVICES, VALUE_ALIASES, type EnumeratedField, type StandardField } from './standard.js';

/** A place as the national standard describes it, multi-valued fields split into lists. */
export interface StandardPlace {
  id: string;
  pivot: string | null;
  nom: string;
  commune: string;
  code_postal: string;
  code_insee: string | null;
  adresse: string;
  complement_adresse: string | null;
  latitude: number | null;
  longitude: number | null;
  typologie: string[];
  telephone: string | null;
  courriels: string[];
  site_web: string[];
  horaires: string | null;
  presentation_resume: string | null;
  presentation_detail: string | null;
  source: string | null;
  itinerance: string[];
  structure_parente: string | null;
  date_maj: string;
  services: string[];
  publics_specifiquement_adresses: string[];
  prise_en_charge_specifique: string[];
  frais_a_charge: string[];
  dispositif_programmes_nationaux: string[];
  formations_labels: string[];
  autres_formations_labels: string | null;
  modalites_acces: string[];
  modalites_accompagnement: string[];
  fiche_acces_libre: string | null;
  prise_rdv: string | null;
}

export interface FieldError {
  field: string;
  reason: string;
}

export interface ValidationOptions {
  /** Translate v0.1.1 services ("Prendre en main un ordinateur"…) into their v1 successors. */
  mapV0Services?: boolean;
}

export type RowVerdict = { ok: true; place: StandardPlace } | { ok: false; errors: FieldError[] };

const EMAIL = /^[^\s@|]+@[^\s@|]+\.[^\s@|]+$/;
const PHONE = /^(\+33|\+590|\+594|\+262|\+596|\+269|\+687|\+689|\+508|\+681)(\d){6,9}$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

function text(raw: Record<string, unknown>, field: StandardField): string | null {
  const value = raw[field];
  if (value === null || value === undefined) return null;
  const string = (typeof value === 'string' ? value : String(value)).trim();
  return string === '' ? null : string;
}

function list(raw: Record<string, unknown>, field: StandardField): string[] {
  const value = raw[field];
  const parts = Array.isArray(value) ? value.map(String) : (text(raw, field) ?? '').split('|');
  return [...new Set(parts.map((part) => part.trim()).filter(Boolean))];
}

function url(value: string): string | null {
  const candidate = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`;
  try {
    const parsed = new URL(candidate);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? candidate : null;
  } catch {
    return null;
  }
}

function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}

function coordinate(raw: Record<string, unknown>, field: 'latitude' | 'longitude', limit: number, errors: FieldError[]): number | null {
  const value = raw[field];
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : NUMBER.test(String(value).trim()) ? Number(String(value).trim()) : Number.NaN;
  if (!Number.isFinite(number) || Math.abs(number) > limit) {
    errors.push({ field, reason: `« ${String(value)} » n’est pas une ${field} en degrés décimaux (entre -${limit} et ${limit}, point décimal)` });
    return null;
  }
  return number;
}

function enumerated(raw: Record<string, unknown>, field: EnumeratedField, options: ValidationOptions, errors: FieldError[]): string[] {
  const allowed: readonly string[] = ENUMERATED_FIELDS[field];
  const values = list(raw, field).map((value) => {
    const aliased = VALUE_ALIASES[value] ?? value;
    return field === 'services' && options.mapV0Services ? (V0_SERVICES[aliased] ?? aliased) : aliased;
  });
  for (const value of values) {
    if (!allowed.includes(value)) {
      const hint = field === 'services' && V0_SERVICES[value] ? ' (service de la version 0.1 du standard : demandez la conversion des anciens services)' : '';
      errors.push({ field, reason: `valeur « ${value} » absente du standard${hint}` });
    }
  }
  return [...new Set(values)];
}

/**
 * Checks one row against the national standard and returns it normalised (international phone numbers, the
 * schema's spelling of aliased values, unknown pivot as null), or every problem found, field by field, in French.
 */
export function validateStandardRow(raw: Record<string, unknown>, options: ValidationOptions = {}): RowVerdict {
  const errors: FieldError[] = [];
  for (const field of REQUIRED_FIELDS) if (text(raw, field) === null) errors.push({ field, reason: 'champ obligatoire vide' });

  const pivotText = text(raw, 'pivot');
  if (pivotText !== null && !/^[a-zA-Z0-9]{9,14}$/.test(pivotText)) {
    errors.push({ field: 'pivot', reason: `« ${pivotText} » n’est pas un SIRET, SIREN ou RNA (9 à 14 lettres ou chiffres, sans espace)` });
  }
  const postalCode = text(raw, 'code_postal');
  if (postalCode !== null && !/^\d{5}$/.test(postalCode)) errors.push({ field: 'code_postal', reason: `« ${postalCode} » n’est pas un code postal à 5 chiffres` });
  const insee = text(raw, 'code_insee');
  if (insee !== null && !/^([013-9]\d|2[AB1-9])\d{3}$/.test(insee)) errors.push({ field: 'code_insee', reason: `« ${insee} » n’est pas un code INSEE de commune` });

  const latitude = coordinate(raw, 'latitude', 90, errors);
  const longitude = coordinate(raw, 'longitude', 180, errors);
  if ((latitude === null) !== (longitude === null) && !errors.some((e) => e.field === 'latitude' || e.field === 'longitude')) {
    errors.push({ field: latitude === null ? 'latitude' : 'longitude', reason: 'latitude et longitude vont ensemble : renseignez les deux ou aucune' });
  }

  const phoneText = text(raw, 'telephone');
  const phone = phoneText === null ? null : normalisePhone(phoneText);
  if (phone !== null && !PHONE.test(phone)) errors.push({ field: 'telephone', reason: `« ${phoneText} » n’est pas un numéro de téléphone (10 chiffres, par exemple 02 40 00 00 00, ou au format international, par exemple +33 2 40 00 00 00)` });

  const emails = list(raw, 'courriels');
  for (const email of emails) if (!EMAIL.test(email)) errors.push({ field: 'courriels', reason: `« ${email} » n’est pas une adresse électronique` });

  const websites = list(raw, 'site_web').map((site) => {
    const normalised = url(site);
    if (!normalised) errors.push({ field: 'site_web', reason: `« ${site} » n’est pas une adresse web` });
    return normalised ?? site;
  });
  const singleUrl = (field: 'fiche_acces_libre' | 'prise_rdv') => {
    const value = text(raw, field);
    if (value === null) return null;
    const normalised = url(value);
    if (!normalised) errors.push({ field, reason: `« ${value} » n’est pas une adresse web` });
    return normalised ?? value;
  };
  const accessibilityUrl = singleUrl('fiche_acces_libre');
  const bookingUrl = singleUrl('prise_rdv');

  const hours = text(raw, 'horaires');
  const hoursError = hours === null ? null : openingHoursError(hours);
  if (hoursError) errors.push({ field: 'horaires', reason: hoursError });

  const rawDate = text(raw, 'date_maj');
  const date = rawDate && /^\d{4}-\d{2}-\d{2}T/.test(rawDate) ? rawDate.slice(0, 10) : rawDate;
  if (date !== null && !isCalendarDate(date)) errors.push({ field: 'date_maj', reason: `« ${rawDate} » n’est pas une date au format AAAA-MM-JJ` });

  const typologies = list(raw, 'typologie');
  for (const code of typologies) if (!(code in TYPOLOGIES)) errors.push({ field: 'typologie', reason: `type de structure « ${code} » inconnu` });

  const values = Object.fromEntries(
    (Object.keys(ENUMERATED_FIELDS) as EnumeratedField[]).map((field) => [field, enumerated(raw, field, options, errors)]),
  ) as Record<EnumeratedField, string[]>;

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    place: {
      id: text(raw, 'id')!,
      pivot: pivotText === UNKNOWN_PIVOT ? null : pivotText,
      nom: text(raw, 'nom')!,
      commune: text(raw, 'commune')!,
      code_postal: postalCode!,
      code_insee: insee,
      adresse: text(raw, 'adresse')!,
      complement_adresse: text(raw, 'complement_adresse'),
      latitude,
      longitude,
      typologie: typologies,
      telephone: phone,
      courriels: emails,
      site_web: websites,
      horaires: hours,
      presentation_resume: text(raw, 'presentation_resume'),
      presentation_detail: text(raw, 'presentation_detail'),
      source: text(raw, 'source'),
      structure_parente: text(raw, 'structure_parente'),
      date_maj: date!,
      autres_formations_labels: text(raw, 'autres_formations_labels'),
      fiche_acces_libre: accessibilityUrl,
      prise_rdv: bookingUrl,
      ...values,
    },
  };
}

/** The keys an import matches an existing place on, besides the standard's identifier. */
export function matchingKeys(place: Pick<StandardPlace, 'nom' | 'adresse' | 'code_postal'>) {
  return { normalisedName: normaliseText(place.nom), addressKey: addressKey(place.adresse, place.code_postal) };
}
