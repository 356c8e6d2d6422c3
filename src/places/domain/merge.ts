import type { StandardField } from './standard.js';
import type { StandardPlace } from './validation.js';

/**
 * Merging two records of the same place, field by field: the reviewer keeps one record (its id, its label history,
 * its bank details and redemptions) and, for each field where the two differ, chooses whose value the kept record
 * takes. The standard's identifier, source and update date stay those of the kept record.
 */

/** One record of a pair, as the merge compares it. */
export interface MergeSide {
  placeId: number;
  standard: StandardPlace;
  organisationId: number | null;
  stepFreeAccess: boolean | null;
  accessibilityNotes: string | null;
  programmeIds: number[];
}

type Extra = 'organisation' | 'accessibility' | 'programmes';

export interface MergeField {
  key: string;
  label: string;
  /** The standard's fields taken together (an address goes with its commune and position). */
  standard?: StandardField[];
  extra?: Extra;
}

export const MERGE_FIELDS: readonly MergeField[] = [
  { key: 'nom', label: 'Nom', standard: ['nom'] },
  { key: 'structure', label: 'Structure qui tient la fiche', extra: 'organisation' },
  { key: 'pivot', label: 'SIRET', standard: ['pivot'] },
  { key: 'adresse', label: 'Adresse et position', standard: ['adresse', 'complement_adresse', 'code_postal', 'commune', 'code_insee', 'latitude', 'longitude'] },
  { key: 'telephone', label: 'Téléphone', standard: ['telephone'] },
  { key: 'courriels', label: 'Courriels', standard: ['courriels'] },
  { key: 'site_web', label: 'Sites web', standard: ['site_web'] },
  { key: 'horaires', label: 'Horaires', standard: ['horaires'] },
  { key: 'prise_rdv', label: 'Prise de rendez-vous', standard: ['prise_rdv'] },
  { key: 'presentation', label: 'Présentation', standard: ['presentation_resume', 'presentation_detail'] },
  { key: 'typologie', label: 'Type de structure', standard: ['typologie'] },
  { key: 'structure_parente', label: 'Structure parente', standard: ['structure_parente'] },
  { key: 'services', label: 'Services', standard: ['services'] },
  { key: 'publics', label: 'Publics accueillis en particulier', standard: ['publics_specifiquement_adresses'] },
  { key: 'prise_en_charge', label: 'Accompagnements adaptés', standard: ['prise_en_charge_specifique'] },
  { key: 'frais', label: 'Prix', standard: ['frais_a_charge'] },
  { key: 'acces', label: 'Comment venir', standard: ['modalites_acces'] },
  { key: 'accompagnement', label: 'Modes d’accompagnement', standard: ['modalites_accompagnement'] },
  { key: 'itinerance', label: 'Itinérance', standard: ['itinerance'] },
  { key: 'dispositifs', label: 'Dispositifs nationaux', standard: ['dispositif_programmes_nationaux'] },
  { key: 'formations', label: 'Formations et labels', standard: ['formations_labels', 'autres_formations_labels'] },
  { key: 'accessibilite', label: 'Accessibilité', standard: ['fiche_acces_libre'], extra: 'accessibility' },
  { key: 'programmes', label: 'Programmes du pass numérique acceptés', extra: 'programmes' },
];

function extraValue(side: MergeSide, extra: Extra): unknown {
  if (extra === 'organisation') return side.organisationId;
  if (extra === 'accessibility') return [side.stepFreeAccess, side.accessibilityNotes];
  return [...side.programmeIds].sort((a, b) => a - b);
}

/** What the field holds in a record, comparable as JSON. */
function valueOf(side: MergeSide, field: MergeField): string {
  const parts: unknown[] = (field.standard ?? []).map((name) => side.standard[name]);
  if (field.extra) parts.push(extraValue(side, field.extra));
  return JSON.stringify(parts);
}

/** The fields whose values differ between the two records: the ones the reviewer chooses. */
export function differingFields(a: MergeSide, b: MergeSide): MergeField[] {
  return MERGE_FIELDS.filter((field) => valueOf(a, field) !== valueOf(b, field));
}

function isEmpty(side: MergeSide, field: MergeField): boolean {
  const values: unknown[] = (field.standard ?? []).map((name) => side.standard[name]);
  if (field.extra === 'organisation') values.push(side.organisationId);
  if (field.extra === 'accessibility') values.push(side.stepFreeAccess, side.accessibilityNotes);
  if (field.extra === 'programmes') values.push(side.programmeIds);
  return values.every((v) => v === null || v === '' || (Array.isArray(v) && v.length === 0));
}

/** The value offered first: the kept record's, unless it has none and the other has one. */
export function defaultChoice(kept: MergeSide, other: MergeSide, field: MergeField): number {
  return isEmpty(kept, field) && !isEmpty(other, field) ? other.placeId : kept.placeId;
}

/** The kept record with, for each field chosen from the other one, the other's value. */
export function mergeSides(kept: MergeSide, other: MergeSide, fromOther: ReadonlySet<string>): MergeSide {
  const standard = { ...kept.standard } as Record<StandardField, unknown>;
  const merged: MergeSide = { ...kept, standard: standard as unknown as StandardPlace };
  for (const field of MERGE_FIELDS) {
    if (!fromOther.has(field.key)) continue;
    for (const name of field.standard ?? []) standard[name] = other.standard[name];
    if (field.extra === 'organisation') merged.organisationId = other.organisationId;
    if (field.extra === 'accessibility') {
      merged.stepFreeAccess = other.stepFreeAccess;
      merged.accessibilityNotes = other.accessibilityNotes;
    }
    if (field.extra === 'programmes') merged.programmeIds = [...other.programmeIds];
  }
  return merged;
}

const list = (values: string[]) => (values.length ? values.join(', ') : '');

/** The field's value in plain French, for the choice beside its radio button ("non renseigné" when empty). */
export function fieldText(side: MergeSide, field: MergeField, names: { organisations: Map<number, string>; programmes: Map<number, string> }): string {
  const s = side.standard;
  let text: string;
  switch (field.key) {
    case 'structure':
      text = side.organisationId === null ? '' : (names.organisations.get(side.organisationId) ?? `structure n° ${side.organisationId}`);
      break;
    case 'adresse':
      text = [s.adresse, s.complement_adresse, `${s.code_postal} ${s.commune}`].filter(Boolean).join(', ')
        + (s.latitude !== null && s.longitude !== null ? ` (position ${s.latitude}, ${s.longitude})` : ' (position : centre de la commune)');
      break;
    case 'presentation':
      text = [s.presentation_resume, s.presentation_detail].filter(Boolean).join(' — ');
      break;
    case 'formations':
      text = [list(s.formations_labels), s.autres_formations_labels].filter(Boolean).join(' ; ');
      break;
    case 'accessibilite': {
      const access = side.stepFreeAccess === null ? '' : side.stepFreeAccess ? 'accessible en fauteuil roulant' : 'non accessible en fauteuil roulant';
      text = [access, side.accessibilityNotes, s.fiche_acces_libre].filter(Boolean).join(' ; ');
      break;
    }
    case 'programmes':
      text = list(side.programmeIds.map((id) => names.programmes.get(id) ?? `programme n° ${id}`));
      break;
    default: {
      const values = (field.standard ?? []).map((name) => s[name]);
      text = values.map((v) => (Array.isArray(v) ? list(v as string[]) : v === null ? '' : String(v))).filter(Boolean).join(' ; ');
    }
  }
  return text || 'non renseigné';
}
