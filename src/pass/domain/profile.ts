import { SERVICES } from '../../places/domain/standard.js';

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

/** Services a programme can pay for: those of the national standard of mediation places. */
export const SERVICE_NAMES: readonly string[] = SERVICES;
