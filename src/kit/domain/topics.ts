/** The five skill topics of the diagnostic, in the order a person meets them. Items reference them by code. */
export const TOPICS = {
  device: 'Utiliser un appareil',
  internet: 'Internet et recherche',
  messaging: 'Courriel et messagerie',
  procedures: 'Démarches et comptes en ligne',
  security: 'Sécurité et arnaques',
} as const;

export type Topic = keyof typeof TOPICS;
export const TOPIC_CODES = Object.keys(TOPICS) as Topic[];

export type Level = 1 | 2 | 3;

/** The CRCN levels as the person reads them: plain words, no jargon. */
export const LEVEL_WORDS: Record<Level, { short: string; plain: string; professional: string }> = {
  1: { short: 'Niveau 1', plain: 'Vous faites des choses simples quand quelqu’un vous guide.', professional: 'La personne fait des choses simples quand quelqu’un la guide.' },
  2: { short: 'Niveau 2', plain: 'Vous vous débrouillez seul, jusqu’au premier problème.', professional: 'La personne se débrouille seule, jusqu’au premier problème.' },
  3: { short: 'Niveau 3', plain: 'Vous êtes autonome pour le numérique de tous les jours.', professional: 'La personne est autonome pour le numérique de tous les jours.' },
};
