import { invalid } from '../../shared/errors.js';

/** The referential of themes a mediator ticks when recording an accompaniment: digital first, then procedures. */
export const THEMES = {
  prise_en_main: 'Prise en main d’un ordinateur, d’une tablette ou d’un smartphone',
  internet: 'Naviguer et chercher sur internet',
  courriel: 'Courriel et messageries',
  documents: 'Scanner, photographier et envoyer un document',
  comptes: 'Créer et gérer ses comptes en ligne, mots de passe',
  identite: 'Identité numérique et FranceConnect',
  securite: 'Sécurité, arnaques et données personnelles',
  caf: 'Démarches CAF et MSA',
  emploi: 'Emploi et France Travail',
  sante: 'Santé : Ameli, Mon espace santé, prise de rendez-vous',
  impots: 'Impôts',
  retraite: 'Retraite',
  logement: 'Logement et énergie',
  justice_etat_civil: 'État civil, titres d’identité et permis (ANTS)',
  banque: 'Banque et paiements en ligne',
  parentalite: 'Scolarité et parentalité',
} as const;

export type Theme = keyof typeof THEMES;

export const REFERRALS = {
  helper: 'Un aidant habilité (démarche faite pour la personne)',
  other_place: 'Un autre lieu de médiation',
  social_worker: 'Un travailleur social',
  equipment: 'Une aide pour l’équipement ou la connexion',
} as const;

export type Referral = keyof typeof REFERRALS;

export const ACCOMPANIMENT_KINDS = { individual: 'Accompagnement individuel', workshop: 'Atelier collectif' } as const;
export type AccompanimentKind = keyof typeof ACCOMPANIMENT_KINDS;

export interface ParticipantInput {
  /** The voucher this participant paid with; absent for an anonymous participant. */
  voucherCode?: string | null;
  autonomy?: number | null;
  referral?: string | null;
}

export interface AccompanimentInput {
  kind: string;
  placeId: number;
  date: string;
  durationMinutes: number;
  themes: string[];
  participants: ParticipantInput[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MAX_PARTICIPANTS = 30;

/** Checks what does not need the database; the first problem found is reported, nothing is written. */
export function checkAccompaniment(input: AccompanimentInput, today: string): void {
  if (!(input.kind in ACCOMPANIMENT_KINDS)) throw invalid('Choisissez « accompagnement individuel » ou « atelier collectif ».', 'type_accompagnement');
  if (!DATE.test(input.date) || Number.isNaN(Date.parse(input.date))) throw invalid('La date doit être au format JJ/MM/AAAA.', 'date');
  if (input.date > today) throw invalid('La date ne peut pas être dans le futur.', 'date_future');
  if (!Number.isInteger(input.durationMinutes) || input.durationMinutes < 5 || input.durationMinutes > 600) {
    throw invalid('La durée se compte en minutes, entre 5 et 600.', 'duree');
  }
  if (input.themes.length === 0) throw invalid('Cochez au moins un thème.', 'themes');
  const unknownTheme = input.themes.find((t) => !(t in THEMES));
  if (unknownTheme) throw invalid(`Le thème « ${unknownTheme} » n’existe pas dans le référentiel.`, 'theme_inconnu');
  if (input.participants.length === 0) throw invalid('Indiquez au moins un participant.', 'participants');
  if (input.kind === 'individual' && input.participants.length !== 1) throw invalid('Un accompagnement individuel compte une seule personne.', 'participants');
  if (input.participants.length > MAX_PARTICIPANTS) throw invalid(`Un atelier compte au plus ${MAX_PARTICIPANTS} participants.`, 'participants');
  input.participants.forEach((p, index) => {
    if (p.autonomy !== undefined && p.autonomy !== null && ![1, 2, 3].includes(p.autonomy)) throw invalid(`Participant ${index + 1} : l’autonomie observée est 1, 2 ou 3.`, 'autonomie');
    if (p.referral && !(p.referral in REFERRALS)) throw invalid(`Participant ${index + 1} : orientation inconnue.`, 'orientation');
  });
}
