/**
 * The one place where French is written out: numbers, money, plurals, elision and ordinals. Pages (as Nunjucks
 * filters), PDFs, human-readable CSVs and the CLI all use these functions, so « 2 000,00 € » is spelt the same way
 * everywhere: decimal comma, thousands separated by a narrow no-break space (U+202F), « € » after a no-break space.
 */

/** U+202F NARROW NO-BREAK SPACE: French thousands separator and the space before « ; : ! ? % » and inside « ». */
export const NARROW_NBSP = '\u202f';
/** U+00A0 NO-BREAK SPACE: between a number and its unit (« 12 km », « 5 € »). */
export const NBSP = '\u00a0';

const integerFormat = new Intl.NumberFormat('fr-FR', { maximumFractionDigits: 0 });
const eurosFormat = new Intl.NumberFormat('fr-FR', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Intl's French output already groups with U+202F; normalise any other space it may use to our two spaces. */
function normaliseSpaces(text: string): string {
  return text.replace(/[\u0020\u00a0\u2009\u202f](?=\d)/g, NARROW_NBSP);
}

/** A whole or decimal number in French: 12 345 ; 3,5 (up to `fractionDigits` decimals, trailing zeros dropped). */
export function formatNumber(value: number, fractionDigits = 0): string {
  if (!Number.isFinite(value)) return '—';
  const format = fractionDigits === 0 ? integerFormat : new Intl.NumberFormat('fr-FR', { maximumFractionDigits: fractionDigits });
  return normaliseSpaces(format.format(value));
}

/** Integer cents as euros: 200000 → « 2 000,00 € » (narrow no-break space for thousands, no-break space before €). */
export function formatEuros(cents: number): string {
  if (!Number.isFinite(cents)) return '—';
  return `${normaliseSpaces(eurosFormat.format(cents / 100))}${NBSP}€`;
}

/** Integer cents as a bare French decimal, for spreadsheets: 200050 → « 2000,50 » (no grouping, no unit). */
export function formatEurosForSpreadsheet(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(Math.trunc(cents));
  return `${sign}${Math.floor(absolute / 100)},${String(absolute % 100).padStart(2, '0')}`;
}

/** Basis points as a French percentage: 2500 → « 25 % », 3333 → « 33,33 % ». */
export function formatPercent(basisPoints: number): string {
  return `${formatNumber(basisPoints / 100, 2)}${NARROW_NBSP}%`;
}

/**
 * A count with its noun, French style: 0 → « aucun lieu » (or `zero` if given), 1 → « 1 lieu », 2 → « 2 lieux ».
 * French singular covers 0 and 1, but « 0 lieu » reads badly on a page: say « aucun » / « aucune ».
 */
export function plural(
  count: number,
  singular: string,
  pluralForm = `${singular}s`,
  options: { feminine?: boolean; zero?: string } = {},
): string {
  if (count === 0) return options.zero ?? `${options.feminine ? 'aucune' : 'aucun'} ${singular}`;
  return `${formatNumber(count)}${NBSP}${Math.abs(count) >= 2 ? pluralForm : singular}`;
}

/** The first letter in capitals, for a name or a phrase that opens a sentence: « la Médiathèque » → « La Médiathèque ». */
export const capitalise = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/** The same, capitalised for the start of a sentence or a heading: « Aucun lieu », « 3 lieux ». */
export function pluralCapitalised(...args: Parameters<typeof plural>): string {
  const text = plural(...args);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Words starting with these letters take the elided article; a handful of aspirated h (« le hall ») do not. */
const VOWEL_START = /^[aàâäeéèêëiîïoôöuùûüyœæh]/i;
const ASPIRATED_H = new Set(['hall', 'handicap', 'hameau', 'haut', 'hauts', 'halle', 'halles', 'hangar', 'hérisson', 'héros', 'hêtre', 'honte', 'hublot', 'hub']);

function elides(word: string): boolean {
  const first = word.trim().split(/[\s'’-]/)[0]?.toLowerCase() ?? '';
  if (!VOWEL_START.test(first)) return false;
  return !ASPIRATED_H.has(first);
}

/**
 * Elision before a name: elide('de', 'État') → « d’État », elide('de', 'Espace Lumière') → « d’Espace Lumière »,
 * elide('le', 'Atelier') → « l’Atelier », elide('de', 'Nantes') → « de Nantes ». Works for de, le, la, que, ne, je.
 * « de le » becomes « du » and « de les » « des » through `deArticle`.
 */
export function elide(word: 'de' | 'le' | 'la' | 'que' | 'ne' | 'je' | 'ce', name: string): string {
  const trimmed = name.trim();
  if (elides(trimmed)) return `${word === 'ce' ? 'cet' : word.slice(0, -1)}${word === 'ce' ? ' ' : '’'}${trimmed}`;
  return `${word} ${trimmed}`;
}

/**
 * « de » followed by a name that may start with its own article: « de la Loire », « du Rhône » (Le Rhône),
 * « des Hauts-de-Seine » (Les Hauts-de-Seine), « de l’Ain » (L’Ain), « de Paris ».
 */
export function ofName(name: string): string {
  const trimmed = name.trim();
  const article = trimmed.match(/^(Les|Le|La)\s+(.*)$/) ?? trimmed.match(/^(L['’])(.*)$/);
  if (article) {
    const [, art, rest] = article;
    if (art === 'Le') return `du ${rest}`;
    if (art === 'Les') return `des ${rest}`;
    if (art === 'La') return `de la ${rest}`;
    return `de l’${rest}`;
  }
  return elide('de', trimmed);
}

/**
 * The common nouns that open the names of organisations and places and take the definite article in running text,
 * with their gender: « le rapport de l’État », « le label de l’Espace Lumière », « les membres du Centre social »,
 * « la part de la CAF de Loire-Atlantique ». Acronyms read as words are listed with their gender too.
 */
const INSTITUTION_NOUNS: Record<string, 'm' | 'f'> = Object.fromEntries([
  ...['état', 'espace', 'atelier', 'office', 'institut', 'établissement', 'hôtel', 'centre', 'conseil', 'département', 'point', 'pôle',
    'lieu', 'tiers-lieu', 'café', 'club', 'foyer', 'relais', 'bureau', 'service', 'secours', 'syndicat', 'groupement', 'comité', 'collectif',
    'fablab', 'campus', 'musée', 'ccas', 'cias', 'gip', 'groupe', 'réseau', 'hub', 'opérateur', 'ministère'].map((w) => [w, 'm' as const]),
  ...['agence', 'association', 'université', 'union', 'maison', 'médiathèque', 'bibliothèque', 'mairie', 'mission', 'caisse', 'caf', 'cpam',
    'msa', 'fédération', 'communauté', 'région', 'préfecture', 'ville', 'métropole', 'commune', 'cité', 'fondation', 'ludothèque', 'régie',
    'chambre', 'direction', 'délégation', 'permanence', 'structure', 'coopérative', 'anct', 'république'].map((w) => [w, 'f' as const]),
]);

/**
 * « de » before the name of an organisation or a place: when the name opens with a common noun that takes the
 * article (INSTITUTION_NOUNS), the article is written: ofInstitution('État — ANCT') → « de l’État — ANCT »,
 * ofInstitution('Espace Lumière') → « de l’Espace Lumière », ofInstitution('Centre social Malakoff') → « du Centre
 * social Malakoff », ofInstitution('Médiathèque Jacques Demy') → « de la Médiathèque Jacques Demy »; any other name as
 * `ofName` does: « de Nantes », « d’Orvault », « du Rhône » (Le Rhône), « de la Poste » (La Poste).
 */
export function ofInstitution(name: string): string {
  return withPreposition('de', name);
}

/**
 * The name as it stands in running text, with its definite article when it opens with a common noun
 * (INSTITUTION_NOUNS): « l’État — ANCT », « le Centre social Malakoff », « la Médiathèque Jacques Demy »; a
 * proper name or a name carrying its own article stays as written (« Nantes », « La Poste »).
 */
export function withArticle(name: string): string {
  const trimmed = name.trim();
  const first = trimmed.split(/[\s'’—–,(]/)[0]?.toLowerCase() ?? '';
  const gender = INSTITUTION_NOUNS[first];
  if (!gender) return trimmed;
  if (elides(trimmed)) return `l’${trimmed}`;
  return `${gender === 'm' ? 'le' : 'la'} ${trimmed}`;
}

/**
 * « de », « à » or « par » before a name, with the article and its contractions: de + le → du, de + les → des,
 * à + le → au, à + les → aux, de before a vowel → d’ (« d’Orvault »): withPreposition('à', 'Médiathèque Jacques
 * Demy') → « à la Médiathèque Jacques Demy », withPreposition('à', 'Centre social') → « au Centre social »,
 * withPreposition('par', 'République française') → « par la République française », withPreposition('de', 'Le
 * Mans') → « du Mans ».
 */
export function withPreposition(preposition: 'de' | 'à' | 'par', name: string): string {
  const text = withArticle(name);
  const article = text.match(/^(Les|Le|La|les|le|la)\s+(.*)$/) ?? text.match(/^([Ll]['’])(.*)$/);
  if (article) {
    const [, art, rest] = article;
    const lower = art!.toLowerCase().replace('\'', '’');
    if (lower === 'le' && preposition !== 'par') return `${preposition === 'de' ? 'du' : 'au'} ${rest}`;
    if (lower === 'les' && preposition !== 'par') return `${preposition === 'de' ? 'des' : 'aux'} ${rest}`;
    return lower === 'l’' ? `${preposition} l’${rest}` : `${preposition} ${lower} ${rest}`;
  }
  return preposition === 'de' ? elide('de', text) : `${preposition} ${text}`;
}

/** Day of month in French: 1 → « 1er », 2 → « 2 ». */
export function dayOfMonth(day: number): string {
  return day === 1 ? '1er' : String(day);
}

/** An ordinal number: 1 → « 1er » (« 1re » feminine), 2 → « 2e ». */
export function ordinal(value: number, feminine = false): string {
  if (value === 1) return feminine ? '1re' : '1er';
  return `${value}e`;
}

/** French punctuation: a narrow no-break space before « ; : ! ? » is the typographer's job, not the writer's. */
export function guillemets(text: string): string {
  return `«${NARROW_NBSP}${text}${NARROW_NBSP}»`;
}

/** A list in French: « a », « a et b », « a, b et c ». */
export function frenchList(items: string[], conjunction = 'et'): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} ${conjunction} ${items[items.length - 1]}`;
}
