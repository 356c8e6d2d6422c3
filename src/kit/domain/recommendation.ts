import type { Obstacles } from './obstacles.js';
import type { Reader } from './reader.js';
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
  /** What to tell the person, in plain words, in the order of the rules (the person's words of `items`). */
  advice: string[];
  /** The same advice for each reader, with where it sends the person (adviceFor). */
  items?: Advice[];
  rules: string[];
}

/** Where an advice sends the person: the places search it links to (adviceSearch). */
export type AdviceTarget = 'workshops' | 'topics' | 'self_training' | 'helper' | 'equipment' | 'connection' | 'individual';

export interface Advice {
  rule: string;
  target: AdviceTarget;
  /** Said to the person alone (« vous »), or to the professional filling it in with the person (« la personne »). */
  text: Record<Reader, string>;
}

/** The places search an advice links to: the services (and support mode) of its places, from the person's commune. */
export interface AdviceSearch {
  services: string[];
  supportModes: string[];
  acceptsPass: boolean;
  /** The link's words. */
  label: string;
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
const say = (rec: Recommendation, rule: string, target: AdviceTarget, person: string, professional: string) => {
  rec.advice.push(person);
  (rec.items ??= []).push({ rule, target, text: { person, professional } });
};

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
      say(rec, 'niveau-1', 'workshops', 'Nous vous conseillons 8 à 10 ateliers, pas à pas, dans un lieu près de chez vous.', 'Conseillez à la personne 8 à 10 ateliers, pas à pas, dans un lieu près de chez elle.');
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
      say(rec, 'niveau-2', 'workshops', 'Nous vous conseillons 5 à 6 ateliers pour devenir autonome.', 'Conseillez à la personne 5 à 6 ateliers pour devenir autonome.');
    },
  },
  {
    id: 'niveau-3',
    when: 'Niveau global 3',
    then: 'Pas de chèque : des ressources pour se former seul',
    applies: (r) => r.overall === 3,
    apply: (rec) => {
      rec.selfTraining = true;
      say(rec, 'niveau-3', 'self_training', 'Vous êtes autonome : des sites gratuits vous permettent d’aller plus loin seul.', 'La personne est autonome : des sites gratuits lui permettent d’aller plus loin seule.');
    },
  },
  {
    id: 'themes',
    when: 'Niveau global 1 ou 2 : chaque thème sous le niveau 3',
    then: 'Les lieux offrant le service qui travaille ce thème',
    applies: (r) => r.overall < 3 && weakTopics(r).length > 0,
    apply: (rec, r) => {
      for (const topic of weakTopics(r)) addService(rec.services, TOPIC_SERVICES[topic]);
      const topics = weakTopics(r).map((t) => TOPICS[t].toLowerCase()).join(', ');
      say(rec, 'themes', 'topics', `À travailler en priorité : ${topics}.`, `À travailler en priorité avec la personne : ${topics}.`);
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
      say(rec, 'aidant', 'helper', 'Pour votre démarche urgente, un aidant habilité peut la faire avec vous et pour vous, sans attendre.', 'Pour sa démarche urgente, orientez la personne vers un aidant habilité (Aidants Connect) : il peut la faire avec elle et pour elle, sans attendre.');
    },
  },
  {
    id: 'materiel',
    when: 'Aucun appareil',
    then: 'Aide pour s’équiper : lieux offrant du matériel à prix solidaire',
    applies: (r) => r.obstacles.equipment.includes('none'),
    apply: (rec) => {
      addService(rec.helpServices, EQUIPMENT_SERVICE);
      say(rec, 'materiel', 'equipment', 'Des lieux proposent des ordinateurs et des téléphones à petit prix.', 'La personne n’a pas d’appareil : des lieux proposent des ordinateurs et des téléphones à petit prix.');
    },
  },
  {
    id: 'connexion',
    when: 'Pas d’internet chez soi',
    then: 'Aide à la connexion : lieux offrant un accès à internet',
    applies: (r) => r.obstacles.internet === 'none',
    apply: (rec) => {
      addService(rec.helpServices, CONNECTION_SERVICE);
      say(rec, 'connexion', 'connection', 'Des lieux vous donnent accès à internet et à un ordinateur, gratuitement ou presque.', 'La personne n’a pas internet chez elle : des lieux lui donnent accès à internet et à un ordinateur, gratuitement ou presque.');
    },
  },
  {
    id: 'individuel',
    when: 'Peur de l’erreur ou besoin de quelqu’un à côté',
    then: 'Commencer par un accompagnement individuel avant les ateliers collectifs',
    applies: (r) => r.obstacles.feelings.includes('fear') || r.obstacles.feelings.includes('help'),
    apply: (rec) => {
      rec.individualSupport = true;
      say(rec, 'individuel', 'individual', 'Vous pouvez commencer seul avec un médiateur, avant d’aller en groupe. Se tromper fait partie de l’apprentissage.', 'Proposez d’abord à la personne un accompagnement individuel avec un médiateur, avant les ateliers en groupe : se tromper fait partie de l’apprentissage.');
    },
  },
];

export function recommend(result: DiagnosticResult): Recommendation {
  const recommendation: Recommendation = {
    workshops: null, vouchers: 0, services: [], helpServices: [], selfTraining: false, helperReferral: false, individualSupport: false, advice: [], items: [], rules: [],
  };
  for (const rule of ORIENTATION_RULES) {
    if (!rule.applies(result)) continue;
    rule.apply(recommendation, result);
    recommendation.rules.push(rule.id);
  }
  return recommendation;
}

export const INDIVIDUAL_SUPPORT_MODE = 'Accompagnement individuel';

/**
 * The places search each advice links to, from the person's commune: the recommended services (the pass accepted
 * when vouchers are recommended), the procedures service for a helper, the equipment or connection help, an
 * individual support mode. Self-training sends to free resources, not to places: null.
 */
export function adviceSearch(recommendation: Recommendation, advice: Advice): AdviceSearch | null {
  const pass = recommendation.vouchers > 0;
  const workshops = (label: string, supportModes: string[] = []): AdviceSearch => ({ services: recommendation.services, supportModes, acceptsPass: pass, label });
  switch (advice.target) {
    case 'workshops':
      return workshops(pass ? 'Trouver un lieu qui accepte le pass numérique' : 'Trouver un lieu de médiation numérique');
    case 'topics':
      return workshops('Trouver un lieu qui travaille ces thèmes');
    case 'individual':
      return workshops('Trouver un lieu qui propose un accompagnement individuel', [INDIVIDUAL_SUPPORT_MODE]);
    case 'helper':
      return { services: [TOPIC_SERVICES.procedures], supportModes: [], acceptsPass: false, label: 'Trouver un lieu qui aide aux démarches administratives' };
    case 'equipment':
      return { services: [EQUIPMENT_SERVICE], supportModes: [], acceptsPass: false, label: 'Trouver un lieu pour s’équiper à petit prix' };
    case 'connection':
      return { services: [CONNECTION_SERVICE], supportModes: [], acceptsPass: false, label: 'Trouver un lieu pour se connecter à internet' };
    case 'self_training':
      return null;
  }
}

export interface AdviceLine {
  text: string;
  search: AdviceSearch | null;
}

/**
 * The advice in the reader's words, each with its places search. A recommendation frozen before the advice had a
 * version per reader keeps its words (said to the person) and links nowhere.
 */
export function adviceFor(recommendation: Recommendation, reader: Reader): AdviceLine[] {
  if (!recommendation.items?.length) return recommendation.advice.map((text) => ({ text, search: null }));
  return recommendation.items.map((advice) => ({ text: advice.text[reader], search: adviceSearch(recommendation, advice) }));
}
