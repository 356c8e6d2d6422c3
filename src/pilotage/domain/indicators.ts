/**
 * The metric dictionary of the pilotage: every indicator a card, an export, a report, the API or the open data shows
 * is defined here once, with its definition, its source and how it is placed on the map. docs/INDICATEURS.md is
 * rendered from this table and kept equal by a test (test/unit/pilotage/indicators.test.ts). The aggregation SQL is
 * built from the same table (pilotage/use-cases/cube-sql.ts): a rule written twice would drift.
 *
 * Versioned: change DICTIONARY_VERSION (semver) and add a line to DICTIONARY_CHANGELOG whenever a definition changes.
 */
export const DICTIONARY_VERSION = '1.0.0';
export const DICTIONARY_CHANGELOG: { version: string; date: string; change: string }[] = [
  { version: '1.0.0', date: '2026-12-04', change: 'Première version du dictionnaire : pass numérique, personnes, accompagnements, diagnostics, lieux, financement, objectif national.' },
];

/** The national goal of the plan: people trained each year. */
export const NATIONAL_YEARLY_GOAL = 1_500_000;

/** How an indicator adds up. */
export type IndicatorKind =
  /** Events counted on the day they happen: additive over days, territories and dimensions. */
  | 'flow'
  /** The state of the network today (places, mediators): not dated by the period. */
  | 'stock'
  /** A ratio of two other indicators of the dictionary, computed after aggregation. */
  | 'rate'
  /** The median of a delay in days, read from a histogram of delays (additive). */
  | 'median';

export type IndicatorUnit = 'vouchers' | 'people' | 'accompaniments' | 'hours' | 'diagnostics' | 'places' | 'mediators' | 'euros' | 'percent' | 'days' | 'ratio';

export type IndicatorGroup = 'pass' | 'funnel' | 'people' | 'activity' | 'diagnostic' | 'network' | 'money' | 'goal';

export const GROUP_LABELS: Record<IndicatorGroup, string> = {
  pass: 'Pass numérique',
  funnel: 'Parcours des chèques',
  people: 'Personnes',
  activity: 'Accompagnements',
  diagnostic: 'Diagnostics et progrès',
  network: 'Lieux et médiateurs',
  money: 'Financement',
  goal: 'Objectif national',
};

/** Where a dated event is placed on the map (commune, and always a département when one is known). */
export type Attribution =
  | 'programme' // the programme's département when it covers one, otherwise the funder's département
  | 'prescriber' // the département of the organisation the booklet is allocated to
  | 'person' // the commune the person gave at hand-out, otherwise the prescriber's département
  | 'place' // the commune of the place of mediation
  | 'organisation' // the département of the organisation that recorded it
  | 'none'; // not placed (France only)

export const ATTRIBUTION_LABELS: Record<Attribution, string> = {
  programme: 'le département du programme s’il n’en couvre qu’un, sinon celui du financeur',
  prescriber: 'le département de la structure prescriptrice à qui le carnet est attribué',
  person: 'la commune donnée par la personne à la remise du carnet, sinon le département de la structure prescriptrice',
  place: 'la commune du lieu de médiation',
  organisation: 'le département de la structure qui l’a enregistré',
  none: 'non localisé : compté au niveau France seulement',
};

export interface IndicatorDefinition {
  id: IndicatorId;
  group: IndicatorGroup;
  kind: IndicatorKind;
  unit: IndicatorUnit;
  /** The card's title, in French. */
  label: string;
  /** What is counted, in one or two French sentences (shown on every card). */
  definition: string;
  /** Where the number comes from, in French (shown on every card). */
  source: string;
  /** For flows and medians: the date that places an event in a period, in French. */
  dated?: string;
  attribution: Attribution;
  /** A count of people or of what people did: shared and public outputs apply the privacy rules (privacy.ts). */
  personal: boolean;
  /** Shown with « estimation » (anonymous participants may be counted several times). */
  estimate?: boolean;
  /** Also carries an amount in euro cents (vouchers' face value, money). */
  amount?: boolean;
  /** For a rate: numerator / denominator, two indicators of this table. */
  ratio?: { numerator: IndicatorId; denominator: IndicatorId };
  /** For a number computed from other indicators without being their ratio: withheld with them (privacy.ts). */
  derivedFrom?: IndicatorId[];
  /** Which exports may name it in the open data (aggregated per commune and month). */
  openData?: boolean;
}

export const INDICATOR_IDS = [
  'vouchers_issued',
  'vouchers_activated',
  'vouchers_allocated',
  'vouchers_handed',
  'vouchers_redeemed',
  'vouchers_expired',
  'vouchers_reimbursed',
  'allocation_rate',
  'handout_rate',
  'use_rate',
  'expiry_rate',
  'reimbursement_rate',
  'delay_allocation_to_handout',
  'delay_handout_to_first_use',
  'delay_first_to_last_use',
  'delay_redemption_to_reimbursement',
  'people_reached',
  'anonymous_participants',
  'accompaniments',
  'accompaniment_sessions',
  'training_hours',
  'diagnostics_completed',
  'booklets_measured_twice',
  'booklets_progressed',
  'places',
  'labelled_places',
  'places_accepting_pass',
  'mediators',
  'money_ordered',
  'money_state',
  'leverage_per_state_euro',
  'goal_progress',
] as const;
export type IndicatorId = (typeof INDICATOR_IDS)[number];

const VOUCHER_SOURCE = 'chèques du pass numérique (tables vouchers, booklets, orders), agrégés par jour';

export const INDICATORS: Record<IndicatorId, IndicatorDefinition> = {
  vouchers_issued: {
    id: 'vouchers_issued', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: false, attribution: 'programme',
    label: 'Chèques émis',
    definition: 'Chèques créés par l’émission des commandes (imprimables), et leur valeur faciale.',
    source: VOUCHER_SOURCE, dated: 'la date d’émission de la commande',
  },
  vouchers_activated: {
    id: 'vouchers_activated', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: false, attribution: 'programme',
    label: 'Chèques activés',
    definition: 'Chèques dont la commande est payée : ils peuvent être attribués, remis et encaissés.',
    source: VOUCHER_SOURCE, dated: 'la date du paiement de la commande',
  },
  vouchers_allocated: {
    id: 'vouchers_allocated', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: false, attribution: 'prescriber',
    label: 'Chèques attribués',
    definition: 'Chèques des carnets attribués par le financeur à une structure prescriptrice.',
    source: VOUCHER_SOURCE, dated: 'la date d’attribution du carnet',
  },
  vouchers_handed: {
    id: 'vouchers_handed', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: true, attribution: 'person', openData: true,
    label: 'Chèques remis',
    definition: 'Chèques des carnets remis à une personne par une structure prescriptrice.',
    source: VOUCHER_SOURCE, dated: 'la date de remise du carnet',
  },
  vouchers_redeemed: {
    id: 'vouchers_redeemed', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: true, attribution: 'place', openData: true,
    label: 'Chèques encaissés',
    definition: 'Chèques encaissés par un lieu de médiation labellisé (un encaissement annulé n’est plus compté).',
    source: VOUCHER_SOURCE, dated: 'la date d’encaissement',
  },
  vouchers_expired: {
    id: 'vouchers_expired', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: false, attribution: 'person',
    label: 'Chèques expirés',
    definition: 'Chèques arrivés à échéance sans avoir été encaissés.',
    source: VOUCHER_SOURCE, dated: 'la date d’échéance du chèque',
  },
  vouchers_reimbursed: {
    id: 'vouchers_reimbursed', group: 'pass', kind: 'flow', unit: 'vouchers', amount: true, personal: false, attribution: 'place',
    label: 'Chèques remboursés',
    definition: 'Chèques inclus dans un relevé de remboursement d’un lieu (hors virements rejetés par la banque).',
    source: 'lignes des relevés de remboursement (statement_lines, statements, reimbursement_runs)', dated: 'la date de la campagne de remboursement',
  },
  allocation_rate: {
    id: 'allocation_rate', group: 'funnel', kind: 'rate', unit: 'percent', personal: false, attribution: 'none',
    ratio: { numerator: 'vouchers_allocated', denominator: 'vouchers_activated' },
    label: 'Taux d’attribution', definition: 'Chèques attribués rapportés aux chèques activés sur la même période.', source: VOUCHER_SOURCE,
  },
  handout_rate: {
    id: 'handout_rate', group: 'funnel', kind: 'rate', unit: 'percent', personal: false, attribution: 'none',
    ratio: { numerator: 'vouchers_handed', denominator: 'vouchers_allocated' },
    label: 'Taux de remise', definition: 'Chèques remis aux personnes rapportés aux chèques attribués sur la même période.', source: VOUCHER_SOURCE,
  },
  use_rate: {
    id: 'use_rate', group: 'funnel', kind: 'rate', unit: 'percent', personal: false, attribution: 'none',
    ratio: { numerator: 'vouchers_redeemed', denominator: 'vouchers_handed' },
    label: 'Taux d’utilisation', definition: 'Chèques encaissés rapportés aux chèques remis sur la même période.', source: VOUCHER_SOURCE,
  },
  expiry_rate: {
    id: 'expiry_rate', group: 'funnel', kind: 'rate', unit: 'percent', personal: false, attribution: 'none',
    ratio: { numerator: 'vouchers_expired', denominator: 'vouchers_activated' },
    label: 'Taux de perte', definition: 'Chèques expirés sans encaissement rapportés aux chèques activés sur la même période.', source: VOUCHER_SOURCE,
  },
  reimbursement_rate: {
    id: 'reimbursement_rate', group: 'funnel', kind: 'rate', unit: 'percent', personal: false, attribution: 'none',
    ratio: { numerator: 'vouchers_reimbursed', denominator: 'vouchers_redeemed' },
    label: 'Taux de remboursement', definition: 'Chèques remboursés aux lieux rapportés aux chèques encaissés sur la même période.', source: VOUCHER_SOURCE,
  },
  delay_allocation_to_handout: {
    id: 'delay_allocation_to_handout', group: 'funnel', kind: 'median', unit: 'days', personal: true, attribution: 'person',
    label: 'Délai médian attribution → remise',
    definition: 'Nombre médian de jours entre l’attribution d’un carnet à une structure et sa remise à une personne.',
    source: 'carnets (booklets)', dated: 'la date de remise',
  },
  delay_handout_to_first_use: {
    id: 'delay_handout_to_first_use', group: 'funnel', kind: 'median', unit: 'days', personal: true, attribution: 'place',
    label: 'Délai médian remise → premier usage',
    definition: 'Nombre médian de jours entre la remise d’un carnet et le premier chèque encaissé de ce carnet.',
    source: 'carnets et chèques (booklets, vouchers)', dated: 'la date du premier encaissement',
  },
  delay_first_to_last_use: {
    id: 'delay_first_to_last_use', group: 'funnel', kind: 'median', unit: 'days', personal: true, attribution: 'place',
    label: 'Délai médian premier → dernier usage',
    definition: 'Nombre médian de jours entre le premier et le dernier chèque encaissé d’un carnet entièrement utilisé.',
    source: 'chèques (vouchers)', dated: 'la date du dernier encaissement',
  },
  delay_redemption_to_reimbursement: {
    id: 'delay_redemption_to_reimbursement', group: 'funnel', kind: 'median', unit: 'days', personal: false, attribution: 'place',
    label: 'Délai médian encaissement → remboursement',
    definition: 'Nombre médian de jours entre l’encaissement d’un chèque et la campagne de remboursement qui le paie au lieu.',
    source: 'chèques et relevés (vouchers, statement_lines, reimbursement_runs)', dated: 'la date de la campagne de remboursement',
  },
  people_reached: {
    id: 'people_reached', group: 'people', kind: 'flow', unit: 'people', personal: true, attribution: 'place', openData: true,
    label: 'Personnes accompagnées (pass)',
    definition: 'Carnets distincts dont un premier chèque a été encaissé : une personne est comptée une seule fois, le jour de son premier usage.',
    source: 'chèques (vouchers) : premier encaissement de chaque carnet', dated: 'la date du premier encaissement du carnet',
  },
  anonymous_participants: {
    id: 'anonymous_participants', group: 'people', kind: 'flow', unit: 'people', personal: true, estimate: true, attribution: 'place', openData: true,
    label: 'Participants sans chèque (estimation)',
    definition: 'Participants d’ateliers ou d’accompagnements enregistrés sans chèque : comptés à part, une personne venue deux fois peut être comptée deux fois.',
    source: 'accompagnements (accompaniments, accompaniment_participants)', dated: 'la date de l’accompagnement',
  },
  accompaniments: {
    id: 'accompaniments', group: 'activity', kind: 'flow', unit: 'accompaniments', personal: true, attribution: 'place', openData: true,
    label: 'Accompagnements',
    definition: 'Un accompagnement par participant : un atelier de 10 personnes compte 10 accompagnements.',
    source: 'accompagnements (accompaniments, accompaniment_participants)', dated: 'la date de l’accompagnement',
  },
  accompaniment_sessions: {
    id: 'accompaniment_sessions', group: 'activity', kind: 'flow', unit: 'accompaniments', personal: true, attribution: 'place',
    label: 'Séances (ateliers et rendez-vous)',
    definition: 'Ateliers collectifs et accompagnements individuels enregistrés, quel que soit le nombre de participants.',
    source: 'accompagnements (accompaniments)', dated: 'la date de l’accompagnement',
  },
  training_hours: {
    id: 'training_hours', group: 'activity', kind: 'flow', unit: 'hours', personal: true, attribution: 'place', openData: true,
    label: 'Heures de formation',
    definition: 'Durée de chaque séance multipliée par son nombre de participants, en heures.',
    source: 'accompagnements (accompaniments, accompaniment_participants)', dated: 'la date de l’accompagnement',
  },
  diagnostics_completed: {
    id: 'diagnostics_completed', group: 'diagnostic', kind: 'flow', unit: 'diagnostics', personal: true, attribution: 'organisation',
    label: 'Diagnostics terminés',
    definition: 'Diagnostics du kit d’intervention rapide menés jusqu’au résultat (premiers et deuxièmes diagnostics).',
    source: 'diagnostics (diagnostics)', dated: 'la date de fin du diagnostic',
  },
  booklets_measured_twice: {
    id: 'booklets_measured_twice', group: 'diagnostic', kind: 'flow', unit: 'people', personal: true, attribution: 'organisation',
    label: 'Personnes mesurées deux fois',
    definition: 'Carnets ayant un premier diagnostic et un deuxième diagnostic terminé : le progrès est mesurable.',
    source: 'diagnostics (diagnostics)', dated: 'la date de fin du deuxième diagnostic',
  },
  booklets_progressed: {
    id: 'booklets_progressed', group: 'diagnostic', kind: 'flow', unit: 'people', personal: true, attribution: 'organisation',
    label: 'Personnes ayant progressé',
    definition: 'Parmi les personnes mesurées deux fois, celles dont le niveau a monté dans au moins une compétence.',
    source: 'diagnostics (diagnostics)', dated: 'la date de fin du deuxième diagnostic',
  },
  places: {
    id: 'places', group: 'network', kind: 'stock', unit: 'places', personal: false, attribution: 'place',
    label: 'Lieux de médiation', definition: 'Lieux actifs au standard national (les doublons fusionnés ne comptent qu’une fois), aujourd’hui.',
    source: 'lieux de médiation (places)',
  },
  labelled_places: {
    id: 'labelled_places', group: 'network', kind: 'stock', unit: 'places', personal: false, attribution: 'place',
    label: 'Lieux labellisés', definition: 'Lieux actifs dont le label est valide aujourd’hui.', source: 'labels des lieux (place_labels)',
  },
  places_accepting_pass: {
    id: 'places_accepting_pass', group: 'network', kind: 'stock', unit: 'places', personal: false, attribution: 'place',
    label: 'Lieux acceptant le pass', definition: 'Lieux labellisés aujourd’hui qui acceptent au moins un programme du pass numérique.', source: 'lieux, labels et programmes acceptés (place_programmes)',
  },
  mediators: {
    id: 'mediators', group: 'network', kind: 'stock', unit: 'mediators', personal: false, attribution: 'place',
    label: 'Médiateurs', definition: 'Personnes ayant le rôle de médiateur dans une structure qui gère au moins un lieu actif du territoire, aujourd’hui.', source: 'comptes et rôles (memberships)',
  },
  money_ordered: {
    id: 'money_ordered', group: 'money', kind: 'flow', unit: 'euros', amount: true, personal: false, attribution: 'programme',
    label: 'Montant financé', definition: 'Valeur des commandes payées (tous cofinanceurs).', source: 'commandes et cofinancements (orders, order_cofunding)', dated: 'la date du paiement',
  },
  money_state: {
    id: 'money_state', group: 'money', kind: 'flow', unit: 'euros', amount: true, personal: false, attribution: 'programme',
    label: 'Dont part de l’État', definition: 'Part des commandes payées apportée par les organisations de l’État (type « service de l’État »).', source: 'cofinancements (order_cofunding)', dated: 'la date du paiement',
  },
  leverage_per_state_euro: {
    id: 'leverage_per_state_euro', group: 'money', kind: 'rate', unit: 'ratio', personal: false, attribution: 'none',
    ratio: { numerator: 'money_ordered', denominator: 'money_state' },
    label: 'Euros mobilisés par euro de l’État', definition: 'Montant financé divisé par la part de l’État : 4 signifie que chaque euro de l’État a entraîné 3 euros d’autres financeurs.', source: 'cofinancements (order_cofunding)',
  },
  goal_progress: {
    id: 'goal_progress', group: 'goal', kind: 'rate', unit: 'percent', personal: false, attribution: 'none', derivedFrom: ['people_reached'],
    label: 'Progression vers l’objectif national',
    definition: 'Personnes accompagnées (pass) sur la période rapportées à l’objectif de 1,5 million de personnes par an, ramené à la durée de la période et, pour un territoire, à sa part de la population française.',
    source: 'personnes accompagnées (pass) ; population municipale INSEE 2021',
  },
};

export const indicatorsOf = (group: IndicatorGroup): IndicatorDefinition[] => INDICATOR_IDS.map((id) => INDICATORS[id]).filter((d) => d.group === group);
export const isIndicatorId = (value: string): value is IndicatorId => (INDICATOR_IDS as readonly string[]).includes(value);
