import { BREAKDOWN_LABELS, BREAKDOWNS, DEFAULT_PERIOD_MONTHS, LEVEL_LABELS, LEVELS } from './filters.js';
import {
  ATTRIBUTION_LABELS,
  DICTIONARY_CHANGELOG,
  DICTIONARY_VERSION,
  GROUP_LABELS,
  INDICATORS,
  NATIONAL_YEARLY_GOAL,
  indicatorsOf,
  type IndicatorDefinition,
  type IndicatorGroup,
  type IndicatorKind,
  type IndicatorUnit,
} from './indicators.js';
import { K_ANONYMITY, operandsOf, PRIVACY_RULES_FR } from './privacy.js';
import { COVERAGE_DOC_SECTION } from './coverage.js';

/**
 * docs/INDICATEURS.md, rendered from the metric dictionary (indicators.ts) and the privacy rules (privacy.ts);
 * test/unit/pilotage/indicators.test.ts keeps the file equal to this rendering, and
 * `node --import tsx scripts/indicators-doc.ts > docs/INDICATEURS.md` regenerates it.
 */

/** A section another module of the pilotage adds to the dictionary (e.g. the IFN binning of the coverage maps). */
export interface DocSection {
  /** The section's title (a level-2 heading). */
  title: string;
  /** Markdown, without the heading. */
  body: string;
}

/**
 * The extra sections of the document, in order, after the indicators and before the privacy rules. A module that
 * documents its method here adds its section to this list (imported from its pure domain module), so the script
 * and the test render the same document.
 */
export const EXTRA_SECTIONS: DocSection[] = [COVERAGE_DOC_SECTION];

export const KIND_LABELS: Record<IndicatorKind, string> = {
  flow: 'flux : des événements comptés le jour où ils ont lieu, qui s’additionnent sur les jours, les territoires et les ventilations',
  stock: 'stock : l’état du réseau aujourd’hui, qui ne dépend pas de la période choisie',
  rate: 'taux : le rapport de deux indicateurs, calculé après l’agrégation (jamais la moyenne de taux)',
  median: 'médiane : le délai médian en jours, lu sur l’histogramme des délais (qui, lui, s’additionne)',
};
const KIND_SHORT: Record<IndicatorKind, string> = { flow: 'flux', stock: 'stock', rate: 'taux', median: 'médiane' };

export const UNIT_LABELS: Record<IndicatorUnit, string> = {
  vouchers: 'chèques',
  people: 'personnes',
  accompaniments: 'accompagnements',
  hours: 'heures',
  diagnostics: 'diagnostics',
  places: 'lieux',
  mediators: 'médiateurs',
  euros: 'euros',
  percent: 'pourcentage',
  days: 'jours',
  ratio: 'rapport (sans unité)',
};

/** Thousands separated by a narrow no-break space, as src/shared/french.ts writes them (not importable from a domain). */
const thousands = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u202f');
const label = (id: keyof typeof INDICATORS) => `${INDICATORS[id].label} (\`${id}\`)`;

function renderIndicator(def: IndicatorDefinition): string {
  const lines = [`### ${def.label}`, '', `Identifiant : \`${def.id}\`.`, '', `- **Définition** : ${def.definition}`, `- **Source** : ${def.source}.`];
  lines.push(`- **Nature** : ${KIND_SHORT[def.kind]} ; **unité** : ${UNIT_LABELS[def.unit]}${def.amount ? ', avec leur montant en euros (valeur faciale)' : ''}.`);
  if (def.dated) lines.push(`- **Daté par** : ${def.dated}.`);
  lines.push(`- **Localisé par** : ${ATTRIBUTION_LABELS[def.attribution]}.`);
  if (def.ratio) lines.push(`- **Formule** : ${label(def.ratio.numerator)} ÷ ${label(def.ratio.denominator)}${def.unit === 'percent' ? ' × 100' : ''}.`);
  else if (def.derivedFrom) lines.push(`- **Calculé à partir de** : ${def.derivedFrom.map(label).join(', ')}.`);
  const personal = def.personal
    ? `oui : les règles de confidentialité s’appliquent (moins de ${K_ANONYMITY} bénéficiaires distincts : case masquée)`
    : operandsOf(def).some((id) => INDICATORS[id].personal)
      ? 'non, mais calculé à partir d’un indicateur personnel : masqué avec lui'
      : 'non';
  lines.push(`- **Personnel** : ${personal}.`);
  if (def.estimate) lines.push('- **Estimation** : oui, affiché avec la mention « estimation ».');
  if (def.openData) lines.push('- **Données ouvertes** : publié par commune et par mois.');
  return lines.join('\n');
}

export function renderIndicatorsDoc(extraSections: DocSection[] = EXTRA_SECTIONS): string {
  const out: string[] = [
    '# Dictionnaire des indicateurs du pilotage',
    '',
    `Version **${DICTIONARY_VERSION}**. Ce document est produit à partir du code (\`src/pilotage/domain/indicators.ts\`,`,
    '`src/pilotage/domain/privacy.ts`) : `node --import tsx scripts/indicators-doc.ts > docs/INDICATEURS.md` le régénère, et',
    'un test échoue s’il diffère du code. Les tableaux de bord, les exports CSV, tableur et PDF, l’API',
    '(`GET /api/v1/pilotage/indicators`) et les données ouvertes lisent ces mêmes définitions : chaque carte affiche sa',
    'définition, sa source, la date de la dernière mise à jour et la version du dictionnaire.',
    '',
    '## Historique des versions',
    '',
    '| version | date | changement |',
    '| --- | --- | --- |',
    ...DICTIONARY_CHANGELOG.map((c) => `| ${c.version} | ${c.date} | ${c.change} |`),
    '',
    '## Lecture',
    '',
    ...(Object.keys(KIND_LABELS) as IndicatorKind[]).map((k) => `- ${KIND_LABELS[k]} ;`),
    `- niveaux : ${LEVELS.map((l) => LEVEL_LABELS[l]).join(', ')} ; un hub couvre de 2 à 5 départements, et deux hubs peuvent se recouvrir ;`,
    `- ventilations : ${BREAKDOWNS.map((b) => BREAKDOWN_LABELS[b]).join(', ')} ;`,
    `- période : toute période de jours entiers (heure de Paris), bornes comprises ; sans période, les ${DEFAULT_PERIOD_MONTHS} derniers mois jusqu’à aujourd’hui ;`,
    `- objectif national : ${thousands(NATIONAL_YEARLY_GOAL)} personnes accompagnées par an.`,
    '',
  ];
  for (const group of Object.keys(GROUP_LABELS) as IndicatorGroup[]) {
    const defs = indicatorsOf(group);
    if (defs.length === 0) continue;
    out.push(`## ${GROUP_LABELS[group]}`, '');
    for (const def of defs) out.push(renderIndicator(def), '');
  }
  for (const section of extraSections) out.push(`## ${section.title}`, '', section.body.trim(), '');
  out.push('## Règles de confidentialité', '', ...PRIVACY_RULES_FR.map((rule) => `- ${rule}`), '', 'Décision et limites : [ADR 0011](adr/0011-privacy-of-aggregates.md).', '');
  return out.join('\n');
}
