import type { Obstacles } from './obstacles.js';
import { TOPICS, type Level, type Topic } from './topics.js';

export interface DiagnosticResult {
  levels: Record<Topic, Level>;
  overall: Level;
  obstacles: Obstacles;
}

export interface Recommendation {
  /** Workshops to plan, null when the person can train alone. */
  workshops: { min: number; max: number } | null;
  /** Vouchers to hand (0: no booklet needed). */
  vouchers: number;
  /** Services of the national standard the workshop places should offer. */
  services: string[];
  /** Services of the places that help with equipment or a connection. */
  helpServices: string[];
  selfTraining: boolean;
  helperReferral: boolean;
  individualSupport: boolean;
  /** What to tell the person, in plain words, in the order of the rules. */
  advice: string[];
  rules: string[];
}

/** Which services of the national standard train each topic. */
export const TOPIC_SERVICES: Record<Topic, string> = {
  device: 'Maîtrise des outils numériques du quotidien',
  internet: 'Maîtrise des outils numériques du quotidien',
  messaging: 'Maîtrise des outils numériques du quotidien',
  procedures: 'Aide aux démarches administratives',
  security: 'Utilisation sécurisée du numérique',
};

export const EQUIPMENT_SERVICE = 'Acquisition de matériel informatique à prix solidaire';
export const CONNECTION_SERVICE = 'Accès internet et matériel informatique';

/** Free resources to train alone, for people at level 3. */
export const SELF_TRAINING_RESOURCES = [
  { name: 'Pix', url: 'https://pix.fr', text: 'tester et améliorer ses compétences numériques, gratuitement' },
  { name: 'Les Bons Clics', url: 'https://www.lesbonsclics.fr', text: 'des exercices pas à pas pour les démarches du quotidien' },
];

interface OrientationRule {
  id: string;
  when: string;
  then: string;
  applies(result: DiagnosticResult): boolean;
  apply(recommendation: Recommendation, result: DiagnosticResult): void;
}

const weakTopics = (result: DiagnosticResult) => (Object.keys(result.levels) as Topic[]).filter((t) => result.levels[t] < 3);
const addService = (list: string[], service: string) => (list.includes(service) ? undefined : list.push(service));

/**
 * The orientation rules, applied in this order; docs/DIAGNOSTIC.md shows the same table (a test keeps them equal).
 * `when` and `then` are what a prescriber reads.
 */
export const ORIENTATION_RULES: readonly OrientationRule[] = [
  {
    id: 'niveau-1',
    when: 'Niveau global 1',
    then: '8 à 10 ateliers : un carnet de 10 chèques',
    applies: (r) => r.overall === 1,
    apply: (rec) => {
      rec.workshops = { min: 8, max: 10 };
      rec.vouchers = 10;
      rec.advice.push('Nous vous conseillons 8 à 10 ateliers, pas à pas, dans un lieu près de chez vous.');
    },
  },
  {
    id: 'niveau-2',
    when: 'Niveau global 2',
    then: '5 à 6 ateliers : 6 chèques',
    applies: (r) => r.overall === 2,
    apply: (rec) => {
      rec.workshops = { min: 5, max: 6 };
      rec.vouchers = 6;
      rec.advice.push('Nous vous conseillons 5 à 6 ateliers pour devenir autonome.');
    },
  },
  {
    id: 'niveau-3',
    when: 'Niveau global 3',
    then: 'Pas de chèque : des ressources pour se former seul',
    applies: (r) => r.overall === 3,
    apply: (rec) => {
      rec.selfTraining = true;
      rec.advice.push('Vous êtes autonome : des sites gratuits vous permettent d’aller plus loin seul.');
    },
  },
  {
    id: 'themes',
    when: 'Niveau global 1 ou 2 : chaque thème sous le niveau 3',
    then: 'Les lieux offrant le service qui travaille ce thème',
    applies: (r) => r.overall < 3 && weakTopics(r).length > 0,
    apply: (rec, r) => {
      for (const topic of weakTopics(r)) addService(rec.services, TOPIC_SERVICES[topic]);
      rec.advice.push(`À travailler en priorité : ${weakTopics(r).map((t) => TOPICS[t].toLowerCase()).join(', ')}.`);
    },
  },
  {
    id: 'aidant',
    when: 'Démarche urgente et niveau 1 en démarches',
    then: 'Un aidant habilité fait la démarche pour la personne (Aidants Connect), en plus des ateliers',
    applies: (r) => r.obstacles.feelings.includes('urgent') && r.levels.procedures === 1,
    apply: (rec) => {
      rec.helperReferral = true;
      addService(rec.services, TOPIC_SERVICES.procedures);
      rec.advice.push('Pour votre démarche urgente, un aidant habilité peut la faire avec vous et pour vous, sans attendre.');
    },
  },
  {
    id: 'materiel',
    when: 'Aucun appareil',
    then: 'Aide pour s’équiper : lieux offrant du matériel à prix solidaire',
    applies: (r) => r.obstacles.equipment.includes('none'),
    apply: (rec) => {
      addService(rec.helpServices, EQUIPMENT_SERVICE);
      rec.advice.push('Des lieux proposent des ordinateurs et des téléphones à petit prix.');
    },
  },
  {
    id: 'connexion',
    when: 'Pas d’internet chez soi',
    then: 'Aide à la connexion : lieux offrant un accès à internet',
    applies: (r) => r.obstacles.internet === 'none',
    apply: (rec) => {
      addService(rec.helpServices, CONNECTION_SERVICE);
      rec.advice.push('Des lieux vous donnent accès à internet et à un ordinateur, gratuitement ou presque.');
    },
  },
  {
    id: 'individuel',
    when: 'Peur de l’erreur ou besoin de quelqu’un à côté',
    then: 'Commencer par un accompagnement individuel avant les ateliers collectifs',
    applies: (r) => r.obstacles.feelings.includes('fear') || r.obstacles.feelings.includes('help'),
    apply: (rec) => {
      rec.individualSupport = true;
      rec.advice.push('Vous pouvez commencer seul avec un médiateur, avant d’aller en groupe. Se tromper fait partie de l’apprentissage.');
    },
  },
];

export function recommend(result: DiagnosticResult): Recommendation {
  const recommendation: Recommendation = {
    workshops: null, vouchers: 0, services: [], helpServices: [], selfTraining: false, helperReferral: false, individualSupport: false, advice: [], rules: [],
  };
  for (const rule of ORIENTATION_RULES) {
    if (!rule.applies(result)) continue;
    rule.apply(recommendation, result);
    recommendation.rules.push(rule.id);
  }
  return recommendation;
}
