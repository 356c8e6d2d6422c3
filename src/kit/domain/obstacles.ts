import { invalid } from '../../shared/errors.js';
import type { Reader } from './reader.js';

/**
 * The three obstacle questions asked before any skill: what the person has, whether they are connected, and how
 * they feel. Each answer is a choice code; "none" excludes the other choices of a multiple question.
 */
export const OBSTACLE_QUESTIONS = [
  {
    id: 'equipment',
    question: 'Quels appareils avez-vous ?',
    hint: 'Vous pouvez en choisir plusieurs.',
    multiple: true,
    choices: [
      { id: 'smartphone', text: 'Un smartphone (téléphone avec écran tactile)' },
      { id: 'computer', text: 'Un ordinateur' },
      { id: 'tablet', text: 'Une tablette' },
      { id: 'none', text: 'Aucun de ces appareils' },
    ],
  },
  {
    id: 'internet',
    question: 'Avez-vous internet chez vous ?',
    hint: '',
    multiple: false,
    choices: [
      { id: 'home', text: 'Oui, avec une box ou la fibre' },
      { id: 'mobile', text: 'Seulement avec mon forfait de téléphone' },
      { id: 'none', text: 'Non' },
    ],
  },
  {
    id: 'feelings',
    question: 'Qu’est-ce qui vous ressemble ?',
    hint: 'Vous pouvez en choisir plusieurs.',
    multiple: true,
    choices: [
      { id: 'fear', text: 'J’ai peur de faire une erreur' },
      { id: 'help', text: 'J’ai besoin de quelqu’un à côté de moi' },
      { id: 'urgent', text: 'J’ai une démarche urgente à faire (CAF, impôts, retraite…)' },
      { id: 'none', text: 'Rien de tout cela' },
    ],
  },
] as const;

export type ObstacleQuestion = (typeof OBSTACLE_QUESTIONS)[number];

/** The devices a person may have (the equipment question's choices but « none »), which items may require. */
export const EQUIPMENT_CODES = ['smartphone', 'computer', 'tablet'] as const;
export type EquipmentCode = (typeof EQUIPMENT_CODES)[number];
export type ObstacleQuestionId = ObstacleQuestion['id'];

export interface Obstacles {
  equipment: string[];
  internet: string;
  feelings: string[];
}

export function obstacleQuestion(id: string): ObstacleQuestion | undefined {
  return OBSTACLE_QUESTIONS.find((q) => q.id === id);
}

/** Checks an answer to an obstacle question and returns its choice codes, in the question's order. */
export function checkObstacleAnswer(question: ObstacleQuestion, answer: readonly string[]): string[] {
  const known = question.choices.map((c) => c.id as string);
  const chosen = known.filter((id) => answer.includes(id));
  if (answer.some((a) => !known.includes(a))) throw invalid('Cette réponse ne fait pas partie des choix proposés.', 'reponse_inconnue');
  if (chosen.length === 0) throw invalid(question.multiple ? 'Choisissez au moins une réponse.' : 'Choisissez une réponse.', 'reponse_manquante');
  if (!question.multiple && chosen.length > 1) throw invalid('Choisissez une seule réponse.', 'reponse_unique');
  if (chosen.includes('none') && chosen.length > 1) throw invalid('« Aucun » ou « Rien de tout cela » ne va pas avec une autre réponse.', 'reponse_incompatible');
  return chosen;
}

export function obstaclesFrom(answers: ReadonlyMap<string, readonly string[]>): Obstacles {
  return {
    equipment: [...(answers.get('equipment') ?? [])],
    internet: answers.get('internet')?.[0] ?? 'none',
    feelings: [...(answers.get('feelings') ?? [])],
  };
}

/** Each obstacle said to the person (« vous ») and to the professional filling the diagnostic in (« la personne »). */
const OBSTACLE_WORDS = {
  noDevice: ['Vous n’avez pas d’appareil pour aller sur internet.', 'La personne n’a pas d’appareil pour aller sur internet.'],
  phoneOnly: ['Vous avez seulement un téléphone : certaines démarches sont plus faciles sur un écran plus grand.', 'La personne a seulement un téléphone : certaines démarches sont plus faciles sur un écran plus grand.'],
  noInternet: ['Vous n’avez pas internet chez vous.', 'La personne n’a pas internet chez elle.'],
  mobileOnly: ['Vous utilisez seulement internet sur votre forfait de téléphone.', 'La personne utilise seulement internet sur son forfait de téléphone.'],
  fear: ['Vous avez peur de faire une erreur.', 'La personne a peur de faire une erreur.'],
  help: ['Vous préférez avoir quelqu’un à côté de vous.', 'La personne préfère avoir quelqu’un à côté d’elle.'],
  urgent: ['Vous avez une démarche urgente à faire.', 'La personne a une démarche urgente à faire.'],
} as const;

/** The obstacles in plain words, for the result and the summary, addressed to the reader. */
export function describeObstacles(obstacles: Obstacles, reader: Reader = 'person'): string[] {
  const found: (keyof typeof OBSTACLE_WORDS)[] = [];
  if (obstacles.equipment.includes('none')) found.push('noDevice');
  else if (!obstacles.equipment.includes('computer') && !obstacles.equipment.includes('tablet')) found.push('phoneOnly');
  if (obstacles.internet === 'none') found.push('noInternet');
  if (obstacles.internet === 'mobile') found.push('mobileOnly');
  if (obstacles.feelings.includes('fear')) found.push('fear');
  if (obstacles.feelings.includes('help')) found.push('help');
  if (obstacles.feelings.includes('urgent')) found.push('urgent');
  return found.map((key) => OBSTACLE_WORDS[key][reader === 'person' ? 0 : 1]);
}
