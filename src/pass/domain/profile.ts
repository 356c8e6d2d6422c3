import { SERVICES } from '../../places/domain/standard.js';
import { COMMUNE_KINDS } from '../../territories/domain/commune-resolver.js';

/** The pseudonymous profile recorded when a booklet is handed: enough to steer the plan, never a name. */
export const AGE_BANDS = ['16-24', '25-39', '40-59', '60-74', '75+'] as const;

export const SITUATIONS = {
  job_seeker: 'Demandeur ou demandeuse d’emploi',
  rsa: 'Bénéficiaire du RSA',
  retiree: 'Retraité ou retraitée',
  employee: 'En emploi',
  student: 'En formation ou étudiant',
  disability: 'En situation de handicap',
  other: 'Autre situation',
} as const;

export type Situation = keyof typeof SITUATIONS;

export const DIAGNOSTIC_LEVELS = {
  1: 'Niveau 1 : fait une tâche simple avec de l’aide',
  2: 'Niveau 2 : seul, jusqu’au premier obstacle',
  3: 'Niveau 3 : autonome au quotidien',
} as const;

/**
 * Every profile select starts on « Non renseigné » (value « »): nothing is preselected, so an unanswered question is
 * never counted as a real answer. Stored as null on a handed booklet; the funder report counts it as its own group.
 */
export const NOT_GIVEN_LABEL = 'Non renseigné';

/** The commune of residence in the hand-out forms (the shared commune field): a name or a postal code, never the INSEE code. */
export const RESIDENCE_FIELD = {
  name: 'commune',
  label: 'Commune de résidence',
  hint: 'Nom ou code postal, par exemple Saint-Nazaire ou 44600 ; laissez vide si la personne ne le dit pas',
  kinds: COMMUNE_KINDS,
};

/** A profile value as stored: « Non renseigné » (empty, absent or null) is null. */
export function profileValue(value: string | null | undefined): string | null {
  return value === undefined || value === null || value.trim() === '' ? null : value.trim();
}

/** Services a programme can pay for: those of the national standard of mediation places. */
export const SERVICE_NAMES: readonly string[] = SERVICES;
