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

/** Services a programme can pay for, from the national standard of mediation places. */
export const SERVICES = {
  'Prendre en main un smartphone ou une tablette': 'Prendre en main un smartphone ou une tablette',
  'Prendre en main un ordinateur': 'Prendre en main un ordinateur',
  'Utiliser le numérique au quotidien': 'Utiliser le numérique au quotidien',
  'Réaliser des démarches administratives avec un accompagnement': 'Réaliser des démarches administratives avec un accompagnement',
  'Approfondir ma culture numérique': 'Approfondir ma culture numérique',
  'Favoriser mon insertion professionnelle': 'Favoriser mon insertion professionnelle',
  'Accéder à une connexion internet': 'Accéder à une connexion internet',
  'Accéder à du matériel': 'Accéder à du matériel',
} as const;
export const SERVICE_NAMES = Object.keys(SERVICES);
