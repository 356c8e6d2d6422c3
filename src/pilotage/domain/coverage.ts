/**
 * Coverage gaps (déséquilibres territoriaux): the pure rules. One colour binning of the IFN used by every map,
 * table and CSV; the estimate of people to reach; the offer; the gap score. docs/INDICATEURS.md (section
 * « Couverture territoriale ») is rendered from the constants and texts of this file (coverageDocSection).
 */

/** The IFN (indice de fragilité numérique, State variant): mean of five scores 0–10, 10 = most fragile. */
export const IFN_MAX = 10;
export const IFN_CLASSES = 7;

/**
 * The one binning: class = min(7, ⌊s · 7 / 10⌋ + 1) for a score s in [0, 10] — seven classes of equal width 10/7,
 * closed on the left: [0 ; 1,43[, [1,43 ; 2,86[ … [8,57 ; 10]. Chosen because every score has a class (0 is a score,
 * not a missing value as in FNE v1, whose ⌊(s − 1) · 7/10⌋ also falls below the first class under 1), 10 is in the
 * last class, and the bounds are the same for every map. A missing score (null) is class 0, « sans donnée ».
 * Any other 0–10 score shown with the palette (the gap score divided by 10) uses the same function.
 */
export function ifnClass(score: number | null): number {
  if (score === null || !Number.isFinite(score)) return 0;
  const s = Math.min(Math.max(score, 0), IFN_MAX);
  return Math.min(IFN_CLASSES, Math.floor((s * IFN_CLASSES) / IFN_MAX + 1e-9) + 1);
}

/** The lower and upper bounds of a class (1–7) on the 0–10 scale. */
export const classBounds = (klass: number): { from: number; to: number } => ({ from: ((klass - 1) * IFN_MAX) / IFN_CLASSES, to: (klass * IFN_MAX) / IFN_CLASSES });

export interface ClassColour {
  /** Fill of the shape or dot. */
  fill: string;
  /** Text written on the fill (legend swatches, table cells): black or white, whichever contrasts at least 4.5:1. */
  text: string;
  /** Where the colour comes from. */
  token: string;
}

/**
 * Sequential palette, light (low fragility) to dark (high), from the DSFR illustrative colours « orange terre
 * battue » and « rouge Marianne » (light theme tokens): the lightness decreases strictly from class 1 to 7, and the
 * shapes are outlined in grey #3a3a3a (contrast 11,4:1 on white) so that a light class stays visible. Colour is
 * never the only carrier: every map has its table, every cell its class number and its value.
 */
export const PALETTE: readonly ClassColour[] = [
  { fill: '#eeeeee', text: '#161616', token: 'gris (sans donnée)' },
  { fill: '#fddfd8', text: '#161616', token: 'orange-terre-battue-925' },
  { fill: '#fcc0b0', text: '#161616', token: 'orange-terre-battue-850' },
  { fill: '#faa184', text: '#161616', token: 'orange-terre-battue-925-active' },
  { fill: '#e4794a', text: '#161616', token: 'orange-terre-battue-main-645' },
  { fill: '#e1000f', text: '#ffffff', token: 'red-marianne-main-472' },
  { fill: '#c9191e', text: '#ffffff', token: 'red-marianne-425' },
  { fill: '#755348', text: '#ffffff', token: 'orange-terre-battue-sun-370' },
];

export const OUTLINE = '#3a3a3a';

/** Relative luminance (WCAG 2.x) of a #rrggbb colour. */
export function luminance(hex: string): number {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

/** WCAG contrast ratio of two colours (1 to 21). */
export function contrastRatio(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

const one = (n: number) => n.toLocaleString('fr-FR', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const two = (n: number) => n.toLocaleString('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/**
 * The legend: one entry per class, « classe 1 : de 0,00 à moins de 1,43 », class 0 last (« sans donnée »). `scale`
 * 100 writes the bounds of the gap score (the same classes on 0–100).
 */
export function legend(scale: 10 | 100 = 10): { klass: number; label: string; colour: ClassColour }[] {
  const factor = scale / IFN_MAX;
  const entries = [];
  for (let k = 1; k <= IFN_CLASSES; k += 1) {
    const { from, to } = classBounds(k);
    const text = (n: number) => (scale === 100 ? one(n * factor) : two(n));
    entries.push({ klass: k, label: `classe ${k} : ${k === IFN_CLASSES ? `de ${text(from)} à ${scale}` : `de ${text(from)} à moins de ${text(to)}`}`, colour: PALETTE[k]! });
  }
  entries.push({ klass: 0, label: 'sans donnée', colour: PALETTE[0]! });
  return entries;
}

/** A score as the pages and files write it: « 6,4/10 », or « sans donnée ». */
export const formatScore = (score: number | null): string => (score === null ? 'sans donnée' : `${one(score)}/10`);

// ---------------------------------------------------------------------------------------------------------------
// People to reach (estimate)

/**
 * INSEE 2021 (enquête TIC ménages): share of people in illectronism by age, people 15 and over. The file gives
 * 15–24, 25–39, 60–74 and 75 +; 40–59 is derived so that the national rate is 15,4 % with the 2021 age structure
 * below. These are national rates: the estimate is an order of magnitude, not a count.
 */
export const ILLECTRONISM_RATES = { overall: 0.154, '15-24': 0.02, '25-39': 0.04, '40-59': 0.059, '60-74': 0.24, '75+': 0.62 } as const;

/**
 * France 2021, millions of people by age (INSEE population estimates, rounded): 0–14 12,0 ; 15–24 7,9 ; 25–39 11,9 ;
 * 40–59 17,0 ; 60–64 4,1 ; 65–74 7,4 ; 75 + 6,5. The referential gives each commune its population and its
 * population aged 15–64, not a full pyramid: what is left once 15–64 and the national share of children are taken
 * off is counted as 65 +.
 */
export const AGE_STRUCTURE_2021 = { '0-14': 12.0, '15-24': 7.9, '25-39': 11.9, '40-59': 17.0, '60-64': 4.1, '65-74': 7.4, '75+': 6.5 } as const;

const total2021 = Object.values(AGE_STRUCTURE_2021).reduce((a, b) => a + b, 0);
/** National share of children under 15 (not counted: the rates concern people 15 and over). */
export const CHILDREN_SHARE = AGE_STRUCTURE_2021['0-14'] / total2021;
/** Rate of the 15–64 (weighted by the national structure): about 6,4 %. */
export const RATE_15_64 =
  (AGE_STRUCTURE_2021['15-24'] * ILLECTRONISM_RATES['15-24'] + AGE_STRUCTURE_2021['25-39'] * ILLECTRONISM_RATES['25-39'] + AGE_STRUCTURE_2021['40-59'] * ILLECTRONISM_RATES['40-59'] + AGE_STRUCTURE_2021['60-64'] * ILLECTRONISM_RATES['60-74']) /
  (AGE_STRUCTURE_2021['15-24'] + AGE_STRUCTURE_2021['25-39'] + AGE_STRUCTURE_2021['40-59'] + AGE_STRUCTURE_2021['60-64']);
/** Rate of the 65 + (weighted by the national structure): about 41,8 %. */
export const RATE_65_PLUS = (AGE_STRUCTURE_2021['65-74'] * ILLECTRONISM_RATES['60-74'] + AGE_STRUCTURE_2021['75+'] * ILLECTRONISM_RATES['75+']) / (AGE_STRUCTURE_2021['65-74'] + AGE_STRUCTURE_2021['75+']);

/**
 * People to reach in a commune (estimate): 15–64 × 6,4 % + 65 + × 41,8 %, where 65 + = population − 15–64 − the
 * national share of children (never below 0). Without the 15–64 figure: population 15 + × 15,4 %.
 */
export function peopleToReach(population: number, workingAge: number | null): number {
  const p = Math.max(0, population);
  if (workingAge === null) return p * (1 - CHILDREN_SHARE) * ILLECTRONISM_RATES.overall;
  const adults = Math.min(Math.max(0, workingAge), p);
  const older = Math.max(0, p - adults - p * CHILDREN_SHARE);
  return adults * RATE_15_64 + older * RATE_65_PLUS;
}

// ---------------------------------------------------------------------------------------------------------------
// Offer and gap

/** Nearest-first candidates read from the places' GiST index before the exact great-circle distance chooses. */
export const NEAREST_CANDIDATES = 8;

/** Beyond this distance (km, great circle) from the commune's centre, a labelled place does not count as near. */
export const REACH_KM = 20;
/** Reference capacity: weighted people to reach that one labelled place can serve (a parameter, not a norm). */
export const PEOPLE_PER_PLACE = 2000;
/** An IFN weight of 1 (score 5) when the commune has no IFN score. */
export const NEUTRAL_IFN = 5;

/** The IFN weight of the need: 0,5 at score 0, 1 at 5, 1,5 at 10. */
export const ifnWeight = (ifn: number | null): number => 0.5 + Math.min(Math.max(ifn ?? NEUTRAL_IFN, 0), IFN_MAX) / IFN_MAX;

export interface GapInput {
  /** Estimated people to reach (peopleToReach). */
  need: number;
  /** IFN score 0–10, null when unknown. */
  ifn: number | null;
  /** Labelled places (label valid today) in the commune. */
  labelledPlaces: number;
  /** Distance (km) to the nearest labelled place, null when there is none. */
  nearestLabelledKm: number | null;
}

export interface Gap {
  /** Need weighted by the IFN (people). */
  weightedNeed: number;
  /** Share of the weighted need the offer covers, 0–1. */
  offer: number;
  /** Weighted need not covered (people, estimate). */
  unmetNeed: number;
  /** 0–100: 100 × (1 − offer) × IFN weight / 1,5. */
  score: number;
}

/**
 * The gap of a commune.
 * - weighted need W = need × IFN weight;
 * - capacity c = min(1, labelled places × 2 000 / W) (1 when W = 0 and there is a place);
 * - proximity p = max(0, 1 − d / 20 km) × min(1, 2 000 / W): a place near serves a small commune, not a city;
 * - offer O = max(c, p), in [0, 1];
 * - unmet need U = W × (1 − O) (people);
 * - gap score G = 100 × (1 − O) × IFN weight / 1,5 = 100 × U / (1,5 × need), in [0, 100].
 * More places or a nearer place never raise G; a higher IFN or a larger need never lower it (property tests).
 */
export function gap(input: GapInput): Gap {
  const need = Math.max(0, input.need);
  const weight = ifnWeight(input.ifn);
  const weightedNeed = need * weight;
  const places = Math.max(0, input.labelledPlaces);
  const share = weightedNeed === 0 ? 1 : Math.min(1, PEOPLE_PER_PLACE / weightedNeed);
  const capacity = places === 0 ? 0 : weightedNeed === 0 ? 1 : Math.min(1, (places * PEOPLE_PER_PLACE) / weightedNeed);
  const proximity = input.nearestLabelledKm === null ? 0 : Math.max(0, 1 - Math.max(0, input.nearestLabelledKm) / REACH_KM) * share;
  const offer = Math.min(1, Math.max(capacity, proximity));
  const unmetNeed = weightedNeed * (1 - offer);
  const score = Math.min(100, Math.max(0, (100 * (1 - offer) * weight) / 1.5));
  return { weightedNeed, offer, unmetNeed, score };
}

/** A département's (or any group's) gap score from its sums: 100 × U / (1,5 × need), 0 without need. */
export const aggregateGapScore = (unmetNeed: number, need: number): number => (need > 0 ? Math.min(100, Math.max(0, (100 * unmetNeed) / (1.5 * need))) : 0);

/** Per 10 000 inhabitants, null without population. */
export const per10000 = (count: number, population: number): number | null => (population > 0 ? (count * 10_000) / population : null);

/** The gap score on the palette: the same binning, on the 0–10 scale (G / 10). */
export const gapClass = (score: number | null): number => ifnClass(score === null ? null : score / 10);

/** Population-weighted mean of scores (a département's IFN from its communes'), null when none has a score. */
export function weightedMean(items: { value: number | null; weight: number }[]): number | null {
  let sum = 0;
  let weights = 0;
  for (const item of items) {
    if (item.value === null || item.weight <= 0) continue;
    sum += item.value * item.weight;
    weights += item.weight;
  }
  return weights > 0 ? sum / weights : null;
}

// ---------------------------------------------------------------------------------------------------------------
// docs/INDICATEURS.md

/** Thousands separated by U+202F, as shared/french.ts writes them (not importable from a domain). */
const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
const pct = (rate: number) => `${(Math.round(rate * 1000) / 10).toString().replace('.', ',')} %`;

/** The method of the coverage pages, rendered into docs/INDICATEURS.md (dictionary-doc.ts EXTRA_SECTIONS). */
export const COVERAGE_DOC_SECTION = {
  title: 'Couverture territoriale (déséquilibres territoriaux)',
  body: [
    'Pages `/pilotage/couverture` (France par département), `/pilotage/couverture/:departement` (ses communes), leurs CSV, `GET /api/v1/pilotage/coverage` et la page d’un hub `/pilotage/couverture/hub/:id` (ses communes les moins bien desservies). Publiques : aucune donnée personnelle (population INSEE, lieux et médiateurs du réseau). Calcul par `refreshCoverage` (chaque heure, à la fin du chargement de la démonstration, `inclusif coverage refresh`) ; chaque page dit quand.',
    '',
    '### IFN et couleurs',
    '',
    '- **IFN** : indice de fragilité numérique, variante des outils de l’État : moyenne de cinq scores de 0 à 10 (locaux sans très haut débit, sans 4G, pauvreté, part des 65 ans et plus, 15 ans et plus peu ou pas diplômés), 10 = le plus fragile. Source : `src/pilotage/data/ifn-communes.csv` (dépôt inclusion-numerique/inclusion-numerique, AGPL-3.0, scores de fragilite-numerique.fr, La MedNum et Credoc). Paris, Lyon et Marseille : moyenne de leurs arrondissements pondérée par la population. Un département : moyenne de ses communes pondérée par la population (l’IFN départemental officiel n’est pas publié dans ces fichiers).',
    `- **Classes** (une seule règle, pour toutes les cartes, tableaux et CSV) : classe = min(${IFN_CLASSES}, ⌊s × ${IFN_CLASSES} ÷ ${IFN_MAX}⌋ + 1), sept classes de même largeur fermées à gauche ; 0 est la classe 1, 10 la classe 7 ; sans score : classe 0, « sans donnée ». Les trois outils de l’État rangent le même score dans des couleurs différentes (⌊(s − 1) × 7/10⌋, max(1, ⌈s × 7/10⌉), interpolation linéaire) ; celle-ci donne une classe à tout score de 0 à 10. Le score d’écart (0 à 100) est rangé par la même règle sur score ÷ 10.`,
    `- **Palette** : ${PALETTE.slice(1).map((c, i) => `${i + 1} \`${c.fill}\` (${c.token})`).join(', ')} ; sans donnée \`${PALETTE[0]!.fill}\`. Luminance strictement décroissante de 1 à 7 ; le texte des pastilles de légende (noir ou blanc) contraste d’au moins 4,5:1 ; contours \`${OUTLINE}\` (11,4:1 sur blanc). La couleur n’est jamais seule : chaque carte a son tableau et chaque ligne sa classe et sa valeur (test/unit/pilotage/coverage.test.ts vérifie ces rapports).`,
    '',
    '### Personnes à atteindre (estimation)',
    '',
    `- Taux d’illectronisme INSEE 2021 par âge : ${pct(ILLECTRONISM_RATES['15-24'])} (15-24 ans), ${pct(ILLECTRONISM_RATES['25-39'])} (25-39), ${pct(ILLECTRONISM_RATES['40-59'])} (40-59, déduit pour retrouver ${pct(ILLECTRONISM_RATES.overall)} au total avec la pyramide nationale 2021), ${pct(ILLECTRONISM_RATES['60-74'])} (60-74), ${pct(ILLECTRONISM_RATES['75+'])} (75 ans et plus).`,
    `- Le référentiel donne à chaque commune sa population et ses 15-64 ans, pas sa pyramide : 15-64 ans × ${pct(RATE_15_64)} + 65 ans et plus × ${pct(RATE_65_PLUS)} (taux pondérés par la pyramide nationale), les 65 ans et plus étant estimés par population − 15-64 ans − la part nationale des moins de 15 ans (${pct(CHILDREN_SHARE)}), jamais moins de 0. Sans le chiffre des 15-64 ans : population de 15 ans et plus × ${pct(ILLECTRONISM_RATES.overall)}. Un ordre de grandeur affiché comme estimation, jamais un décompte.`,
    '',
    '### Offre, besoin non couvert, score d’écart',
    '',
    '- **Lieux** : lieux actifs de la commune (ceux d’un arrondissement comptent pour sa commune) ; **labellisés** : label valide aujourd’hui ; **acceptant le pass** : labellisés et acceptant au moins un programme (les mêmes définitions SQL que l’encaissement et la recherche, `places/domain/sql-fragments.ts`). **Médiateurs** : personnes ayant le rôle de médiateur dans une structure qui gère un lieu actif de la commune (comptées une fois par département). Pour 10 000 habitants : nombre × 10 000 ÷ population.',
    `- **Distances** : à vol d’oiseau (grand cercle) du centre de la commune au lieu labellisé le plus proche, et au lieu acceptant le pass le plus proche ; les ${NEAREST_CANDIDATES} plus proches candidats sont lus dans l’index GiST de la position projetée (comme la recherche des lieux), puis la distance exacte choisit.`,
    `- **Besoin pondéré** W = personnes à atteindre × (0,5 + IFN ÷ 10) : × 0,5 pour un IFN de 0, × 1 pour 5, × 1,5 pour 10 ; sans IFN, le poids d’un IFN de ${NEUTRAL_IFN}.`,
    `- **Offre** O (0 à 1) = max(capacité, proximité) : capacité = min(1, lieux labellisés de la commune × ${thousands(PEOPLE_PER_PLACE)} ÷ W) — un lieu labellisé sert environ ${thousands(PEOPLE_PER_PLACE)} personnes à atteindre (un paramètre, pas une norme) ; proximité = max(0, 1 − d ÷ ${REACH_KM} km) × min(1, ${thousands(PEOPLE_PER_PLACE)} ÷ W) — un lieu proche sert une petite commune, pas une ville.`,
    '- **Besoin non couvert** U = W × (1 − O), en personnes (estimation) : l’ordre « les moins bien desservies d’abord ».',
    '- **Score d’écart** G = 100 × (1 − O) × (0,5 + IFN ÷ 10) ÷ 1,5 = 100 × U ÷ (1,5 × personnes à atteindre), de 0 à 100 ; pour un département, la même formule sur ses sommes. Plus de lieux ou un lieu plus proche ne l’augmentent jamais, un IFN plus fort ou plus de personnes à atteindre ne le diminuent jamais (tests de propriétés).',
    `- **Population éloignée** : part de la population des communes à plus de ${REACH_KM} km du lieu labellisé le plus proche (ou sans aucun).`,
    '- Limites : distances à vol d’oiseau depuis le centre de la commune (pas de temps de trajet) ; l’offre ne lit pas les horaires ni le nombre de médiateurs par lieu ; les communes sans score dans le fichier (Les Trois Lacs, par exemple) sont « sans donnée ».',
  ].join('\n'),
};
