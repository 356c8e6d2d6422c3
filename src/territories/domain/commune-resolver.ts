/**
 * The one commune resolver: what a person types (a name written any way, a postal code, an INSEE code, a
 * département's name or number) → ranked candidates, and whether that is one place or a choice to offer.
 *
 * Pure: the index is built from the referential's rows by the use case (territories/use-cases/resolve.ts), which keeps
 * it per database. Rules:
 * - names compare without accents, case, hyphens or apostrophes; « St », « Ste » are « Saint », « Sainte »; a leading
 *   article is optional (« Mans » finds Le Mans); « 16e », « 16ème », « 16 » name an arrondissement;
 * - a label ends with a qualifier in brackets that the resolver reads back: « Saint-Nazaire (44) » (that
 *   département's communes), « Loire-Atlantique (département 44) », « … (44600) » (that postal code), so any label
 *   shown to a person resolves to exactly that place when it comes back in a form;
 * - a 5-character code is a postal code (every commune having it: the person chooses) and an INSEE code; when both,
 *   the postal code's communes come first; a postal code shared by a commune and its arrondissement gives the
 *   arrondissement (75001 → Paris 1er Arrondissement);
 * - two or three characters that are a département's number give the département, and the postal codes starting so;
 * - ranking: exact > starts with > every word starts a word > contains (only when nothing better matches), then
 *   population, communes before arrondissements before départements, then code; among exact matches the official
 *   name comes before a name matched without its article (« Combes » before « Les Combes »).
 */

export type TerritoryKind = 'commune' | 'arrondissement' | 'departement';
export const TERRITORY_KINDS: readonly TerritoryKind[] = ['commune', 'arrondissement', 'departement'];
export const COMMUNE_KINDS: readonly TerritoryKind[] = ['commune', 'arrondissement'];

export interface Territory {
  kind: TerritoryKind;
  /** INSEE code of a commune or an arrondissement; a département's number. */
  code: string;
  name: string;
  departementCode: string;
  departementName: string;
  postalCodes: string[];
  population: number;
  lat: number | null;
  lng: number | null;
  /** The commune of an arrondissement. */
  parent: { code: string; name: string } | null;
}

export type MatchQuality = 'exact' | 'prefix' | 'word' | 'contains';
export type MatchedBy = 'name' | 'postal_code' | 'insee_code' | 'departement_code';
const QUALITY_RANK: Record<MatchQuality, number> = { exact: 0, prefix: 1, word: 2, contains: 3 };
const KIND_RANK: Record<TerritoryKind, number> = { commune: 0, arrondissement: 1, departement: 2 };

export interface Candidate {
  territory: Territory;
  match: MatchQuality;
  by: MatchedBy;
  /** What a form shows and gets back: resolves to this territory alone. */
  label: string;
}

interface Entry {
  territory: Territory;
  /** The name normalised, then the same without its article, an arrondissement's short forms. */
  forms: string[];
  /** Every word of every form. */
  words: string[];
  label: string;
  /** Rank in the index: population first. */
  position: number;
  /** The forms side by side: a name that does not contain every word typed cannot match, and is skipped at once. */
  haystack: string;
}

export interface TerritoryIndex {
  /** Most populous first: a scan meets the best candidates of each quality first. */
  entries: Entry[];
  byPostalCode: Map<string, Entry[]>;
  /** The postal codes, sorted: those starting as typed, by binary search. */
  postalCodes: string[];
  byInsee: Map<string, Entry>;
  byDepartement: Map<string, Entry>;
  /** Each form → the entries having it: the exact matches without a scan. */
  byForm: Map<string, Entry[]>;
  /** Every word of every name, sorted, with the positions of the entries using it: words starting so, by binary search. */
  words: string[];
  wordEntries: number[][];
  /** Every entry's forms in one text, most populous first, and where each entry starts in it: « contains » by indexOf. */
  text: string;
  starts: Int32Array;
  size: number;
}

const ABBREVIATIONS: Record<string, string> = { st: 'saint', ste: 'sainte', sts: 'saints', stes: 'saintes', arr: 'arrondissement', arrt: 'arrondissement', arrdt: 'arrondissement' };
const ARTICLES = new Set(['le', 'la', 'les', 'l']);
const ORDINAL = /^(\d{1,2})(?:er|ere|re|e|eme|ieme|nd|nde)$/;
const INSEE_OR_POSTAL = /^[0-9][0-9AB][0-9]{3}$/;
const POSTAL_CODE = /^[0-9]{5}$/;
const DEPARTEMENT_CODE = /^(?:[0-9]{2}|2[AB]|97[0-9])$/;
const DIGITS = /^[0-9]{1,4}$/;

/** Lower case, no accents, ligatures spelt out, every separator (hyphen, apostrophe, dot, slash…) one space. */
export function foldText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/œ/g, 'oe')
    .replace(/æ/g, 'ae')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function expandWord(word: string): string {
  const ordinal = ORDINAL.exec(word);
  if (ordinal) return ordinal[1] === '1' ? '1er' : `${Number(ordinal[1])}e`;
  return ABBREVIATIONS[word] ?? word;
}

/** The comparable form of a name: folded, abbreviations spelt out, ordinals written one way (« 1er », « 16e »). */
export function normaliseName(text: string): string {
  const folded = foldText(text);
  return folded ? folded.split(' ').map(expandWord).join(' ') : '';
}

/** The forms a name is found by: itself, without its leading article, an arrondissement's short forms. */
export function nameForms(name: string, kind: TerritoryKind): string[] {
  const full = normaliseName(name);
  const forms = [full];
  const words = full.split(' ');
  if (words.length > 1 && ARTICLES.has(words[0]!)) forms.push(words.slice(1).join(' '));
  if (kind === 'arrondissement' && full.endsWith(' arrondissement')) {
    const short = full.slice(0, -' arrondissement'.length);
    forms.push(short, short.replace(/ (\d+)(?:er|e)$/, ' $1'));
  }
  return [...new Set(forms)];
}

/** The label a form shows and reads back: « Saint-Nazaire (44) », « Loire-Atlantique (département 44) ». */
export function territoryLabel(territory: Pick<Territory, 'kind' | 'name' | 'code' | 'departementCode'>): string {
  return territory.kind === 'departement' ? `${territory.name} (département ${territory.code})` : `${territory.name} (${territory.departementCode})`;
}

/** Postal codes for people: all of them up to three, else the first and the last. */
export function postalCodesText(codes: string[]): string {
  if (codes.length <= 3) return codes.join(', ');
  const sorted = [...codes].sort();
  return `${sorted[0]} à ${sorted[sorted.length - 1]}`;
}

/** One line saying what a candidate is, for a list of choices. */
export function territoryDetails(territory: Territory): string {
  if (territory.kind === 'departement') return 'Département';
  const codes = territory.postalCodes.length ? ` · ${postalCodesText(territory.postalCodes)}` : '';
  if (territory.kind === 'arrondissement') return `Arrondissement de ${territory.parent?.name ?? territory.departementName}${codes}`;
  return `Commune · ${territory.departementName}${codes}`;
}

/** The referential's rows (communes with their kind and parent, départements with their centre) as territories. */
export function territoriesOf(
  departements: { code: string; name: string; lat: number | null; lng: number | null }[],
  communes: { insee_code: string; name: string; kind: 'commune' | 'arrondissement'; departement_code: string; postal_codes: string[]; population: number | null; lat: number | null; lng: number | null; parent_code: string | null }[],
): Territory[] {
  const departementNames = new Map(departements.map((d) => [d.code, d.name]));
  const communeNames = new Map(communes.map((c) => [c.insee_code, c.name]));
  const populations = new Map<string, number>();
  const territories: Territory[] = communes.map((c) => {
    // A département's population counts its communes, not the arrondissements inside them a second time.
    if (c.kind === 'commune') populations.set(c.departement_code, (populations.get(c.departement_code) ?? 0) + (c.population ?? 0));
    const parentName = c.parent_code ? communeNames.get(c.parent_code) : undefined;
    return {
      kind: c.kind,
      code: c.insee_code,
      name: c.name,
      departementCode: c.departement_code,
      departementName: departementNames.get(c.departement_code) ?? c.departement_code,
      postalCodes: c.postal_codes,
      population: c.population ?? 0,
      lat: c.lat,
      lng: c.lng,
      parent: c.parent_code && parentName ? { code: c.parent_code, name: parentName } : null,
    };
  });
  for (const d of departements) {
    territories.push({ kind: 'departement', code: d.code, name: d.name, departementCode: d.code, departementName: d.name, postalCodes: [], population: populations.get(d.code) ?? 0, lat: d.lat, lng: d.lng, parent: null });
  }
  return territories;
}

export function buildTerritoryIndex(territories: Territory[]): TerritoryIndex {
  const entries: Entry[] = territories
    .map((territory) => {
      const forms = nameForms(territory.name, territory.kind);
      return { territory, forms, words: [...new Set(forms.flatMap((form) => form.split(' ')))], label: territoryLabel(territory), position: 0, haystack: forms.join('|') };
    })
    .sort((a, b) => b.territory.population - a.territory.population || KIND_RANK[a.territory.kind] - KIND_RANK[b.territory.kind] || a.territory.code.localeCompare(b.territory.code));
  entries.forEach((entry, position) => (entry.position = position));
  const byPostalCode = new Map<string, Entry[]>();
  const byInsee = new Map<string, Entry>();
  const byDepartement = new Map<string, Entry>();
  for (const entry of entries) {
    const { territory } = entry;
    if (territory.kind === 'departement') {
      byDepartement.set(territory.code, entry);
      continue;
    }
    byInsee.set(territory.code, entry);
    for (const code of territory.postalCodes) byPostalCode.set(code, [...(byPostalCode.get(code) ?? []), entry]);
  }
  const byForm = new Map<string, Entry[]>();
  const byWord = new Map<string, number[]>();
  for (const entry of entries) {
    for (const form of entry.forms) byForm.set(form, [...(byForm.get(form) ?? []), entry]);
    for (const word of entry.words) {
      const positions = byWord.get(word);
      if (positions) positions.push(entry.position);
      else byWord.set(word, [entry.position]);
    }
  }
  const words = [...byWord.keys()].sort();
  const starts = new Int32Array(entries.length);
  let offset = 0;
  for (const entry of entries) {
    starts[entry.position] = offset;
    offset += entry.haystack.length + 1;
  }
  const text = entries.map((entry) => entry.haystack).join('\n');
  return { entries, byPostalCode, postalCodes: [...byPostalCode.keys()].sort(), byInsee, byDepartement, byForm, words, wordEntries: words.map((word) => byWord.get(word)!), text, starts, size: entries.length };
}

export interface ParsedQuery {
  /** The name part, normalised; empty for a code. */
  name: string;
  /** Other spellings to try: the typed « st » kept as is while it may still be the start of a word (« Stenay »). */
  variants: string[];
  /** The whole input when it is a code: 5 characters, a département's number, or the start of a postal code. */
  code: string | null;
  postalCode: string | null;
  departementCode: string | null;
  /** Kinds the qualifier allows: « (44) » communes and arrondissements, « (département 44) » départements. */
  kinds: readonly TerritoryKind[] | null;
  /** Written as a label (« Vergné (17) »): the official name typed exactly outranks a name found without its article. */
  qualified: boolean;
}

/** Reads what was typed: a code, or a name with its qualifiers (a bracketed département or postal code, a postal code). */
export function parseQuery(input: string): ParsedQuery {
  let text = input.trim();
  let postalCode: string | null = null;
  let departementCode: string | null = null;
  let kinds: readonly TerritoryKind[] | null = null;
  // A bracket is a qualifier when it holds one (a name may have its own: « Castillon (Canton d'Arthez-de-Béarn) »).
  const qualifier = /\(([^()]*)\)\s*$/.exec(text);
  const qualifiers = qualifier ? foldText(qualifier[1]!).split(' ').filter(Boolean) : [];
  const qualifies = (word: string) => word === 'departement' || POSTAL_CODE.test(word) || DEPARTEMENT_CODE.test(word.toUpperCase());
  const qualified = qualifier !== null && qualifier.index > 0 && qualifiers.length > 0 && qualifiers.every(qualifies);
  if (qualified) {
    text = text.slice(0, qualifier.index).trim();
    kinds = qualifiers.includes('departement') ? ['departement'] : COMMUNE_KINDS;
    for (const word of qualifiers) {
      if (POSTAL_CODE.test(word)) postalCode = word;
      else if (DEPARTEMENT_CODE.test(word.toUpperCase())) departementCode = word.toUpperCase();
    }
  }
  const compact = text.replace(/\s+/g, '').toUpperCase();
  if (INSEE_OR_POSTAL.test(compact) || DEPARTEMENT_CODE.test(compact) || DIGITS.test(compact)) {
    return { name: '', variants: [], code: compact, postalCode, departementCode, kinds, qualified };
  }
  const folded = foldText(text).split(' ').filter(Boolean);
  const words: string[] = [];
  for (const word of folded) {
    if (POSTAL_CODE.test(word) && folded.length > 1 && postalCode === null) postalCode = word;
    else words.push(word);
  }
  const name = words.map(expandWord).join(' ');
  const variants = [name];
  const last = words[words.length - 1];
  if (last !== undefined && last in ABBREVIATIONS) variants.push([...words.slice(0, -1).map(expandWord), last].join(' '));
  return { name, variants, code: null, postalCode, departementCode, kinds, qualified };
}

/** A query's spelling as the matcher uses it: the text and its words. */
interface Variant {
  text: string;
  words: string[];
}

const variantsOf = (texts: string[]): Variant[] => texts.filter(Boolean).map((text) => ({ text, words: text.split(' ') }));

/** How well a name matches, best over its forms and the query's variants; null when it does not. */
export function nameMatch(forms: string[], words: string[], variants: string[]): MatchQuality | null {
  return matchVariants(forms, words, variantsOf(variants));
}

function matchVariants(forms: string[], words: string[], variants: Variant[]): MatchQuality | null {
  let best: MatchQuality | null = null;
  for (const variant of variants) {
    for (const form of forms) {
      if (form === variant.text) return 'exact';
      if (form.startsWith(variant.text)) best = 'prefix';
    }
    if (best === 'prefix') continue;
    if (variant.words.every((q) => words.some((w) => w.startsWith(q)))) best = 'word';
    else if (best === null && forms.some((form) => form.includes(variant.text))) best = 'contains';
  }
  return best;
}

export interface FindOptions {
  kinds?: readonly TerritoryKind[];
  limit?: number;
}

export const DEFAULT_LIMIT = 10;

function allowed(entry: Entry, kinds: readonly TerritoryKind[], query: ParsedQuery): boolean {
  const { territory } = entry;
  if (!kinds.includes(territory.kind)) return false;
  if (query.kinds && !query.kinds.includes(territory.kind)) return false;
  if (query.departementCode && territory.departementCode !== query.departementCode) return false;
  if (query.postalCode && !territory.postalCodes.includes(query.postalCode)) return false;
  return true;
}

interface Hit {
  entry: Entry;
  match: MatchQuality;
  by: MatchedBy;
}

const toCandidate = (hit: Hit): Candidate => ({ territory: hit.entry.territory, match: hit.match, by: hit.by, label: hit.entry.label });

function findByCode(index: TerritoryIndex, query: ParsedQuery, kinds: readonly TerritoryKind[], limit: number): Hit[] {
  const code = query.code!;
  const found: Hit[] = [];
  const keep = (entry: Entry | undefined, match: MatchQuality, by: MatchedBy) => {
    if (entry && allowed(entry, kinds, query) && !found.some((hit) => hit.entry === entry)) found.push({ entry, match, by });
  };
  if (INSEE_OR_POSTAL.test(code)) {
    const postal = (index.byPostalCode.get(code) ?? []).filter((entry) => allowed(entry, kinds, query));
    // A commune and its own arrondissement under one postal code: the arrondissement says more.
    const parents = new Set(postal.map((entry) => entry.territory.parent?.code).filter(Boolean));
    for (const entry of postal) if (!parents.has(entry.territory.code)) keep(entry, 'exact', 'postal_code');
    keep(index.byInsee.get(code), found.length ? 'prefix' : 'exact', 'insee_code');
    return found.sort((a, b) => QUALITY_RANK[a.match] - QUALITY_RANK[b.match] || a.entry.position - b.entry.position).slice(0, limit);
  }
  if (DEPARTEMENT_CODE.test(code)) keep(index.byDepartement.get(code), 'exact', 'departement_code');
  if (/^[0-9]+$/.test(code)) {
    // The postal codes starting so, by binary search; their communes most populous first.
    const starting = new Set<Entry>();
    for (let i = lowerBound(index.postalCodes, code); i < index.postalCodes.length && index.postalCodes[i]!.startsWith(code); i++) {
      for (const entry of index.byPostalCode.get(index.postalCodes[i]!)!) starting.add(entry);
    }
    for (const entry of [...starting].sort((a, b) => a.position - b.position)) {
      if (found.length >= limit) break;
      keep(entry, 'prefix', 'postal_code');
    }
  }
  return found;
}

/** The first position in a sorted list whose value is not below the one sought. */
function lowerBound(sorted: string[], value: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** The first position in a sorted list of offsets whose value is above the one sought. */
function upperBound(sorted: Int32Array, value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (sorted[mid]! <= value) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * The entries that may match a name at the exact, prefix or word level: each of them has a word starting with the
 * query's longest word (a form starting with the query has every word typed at the start of one of its words).
 * Marked by position, so that they are read back most populous first.
 */
function markWordMatches(index: TerritoryIndex, variants: Variant[]): Uint8Array {
  const marks = new Uint8Array(index.size);
  for (const variant of variants) {
    // Every word typed starts a word of the name: the entries having each, intersected (« l a » is not all the « l »).
    const words = [...new Set(variant.words)].sort((a, b) => b.length - a.length);
    let counts: Uint8Array | null = null;
    for (const [rank, word] of words.entries()) {
      const next = new Uint8Array(index.size);
      for (let i = lowerBound(index.words, word); i < index.words.length && index.words[i]!.startsWith(word); i++) {
        for (const position of index.wordEntries[i]!) if (counts === null || counts[position] === rank) next[position] = rank + 1;
      }
      counts = next;
    }
    if (counts) for (let position = 0; position < index.size; position++) if (counts[position] === words.length) marks[position] = 1;
  }
  return marks;
}

/** The candidates for what was typed, best first. */
export function findTerritories(index: TerritoryIndex, input: string, options: FindOptions = {}): Candidate[] {
  const kinds = options.kinds ?? TERRITORY_KINDS;
  const limit = Math.max(1, options.limit ?? DEFAULT_LIMIT);
  const query = parseQuery(input);
  if (query.code !== null) return findByCode(index, query, kinds, limit).map(toCandidate);
  if (!query.name) return [];
  const variants = variantsOf(query.variants);
  // Exact: looked up. Then the names having a word starting as typed, most populous first, until the list is full.
  const exactEntries = [...new Set(variants.flatMap((variant) => index.byForm.get(variant.text) ?? []))]
    .filter((entry) => allowed(entry, kinds, query))
    .sort((a, b) => a.position - b.position);
  // A label names its territory by the official name: « Vergné (17) » is not La Vergne (17), found without its article.
  // Exact on the official name before exact without the article (« Combes » before « Les Combes »).
  const official = exactEntries.filter((entry) => variants.some((variant) => entry.forms[0] === variant.text));
  const others = query.qualified && official.length ? [] : exactEntries.filter((entry) => !official.includes(entry));
  const exact = [...official, ...others].slice(0, limit).map((entry): Hit => ({ entry, match: 'exact', by: 'name' }));
  const found = new Set(exact.map((hit) => hit.entry));
  const prefix: Hit[] = [];
  const word: Hit[] = [];
  const marks = markWordMatches(index, variants);
  for (let position = 0; position < index.size && exact.length + prefix.length < limit; position++) {
    if (!marks[position]) continue;
    const entry = index.entries[position]!;
    if (found.has(entry) || !allowed(entry, kinds, query)) continue;
    const match = matchVariants(entry.forms, entry.words, variants);
    if (match === 'prefix' || match === 'exact') prefix.push({ entry, match: 'prefix', by: 'name' });
    else if (match === 'word' && word.length < limit) word.push({ entry, match, by: 'name' });
    else continue;
    found.add(entry);
  }
  const hits = [...exact, ...prefix, ...word];
  // Inside a word (« azair »): only when nothing better matches, read from the whole text, most populous first.
  for (const variant of hits.length ? [] : variants) {
    for (let at = index.text.indexOf(variant.text); at >= 0 && hits.length < limit; at = index.text.indexOf(variant.text, at + 1)) {
      const entry = index.entries[upperBound(index.starts, at) - 1]!;
      if (found.has(entry) || !allowed(entry, kinds, query)) continue;
      found.add(entry);
      hits.push({ entry, match: 'contains', by: 'name' });
    }
  }
  return hits.slice(0, limit).map(toCandidate);
}

export type Resolution = { status: 'none' } | { status: 'resolved'; candidate: Candidate; candidates: Candidate[] } | { status: 'ambiguous'; candidates: Candidate[] };

/** One place when there is one candidate, or one exact match; otherwise the person chooses. */
export function decide(candidates: Candidate[]): Resolution {
  if (candidates.length === 0) return { status: 'none' };
  const exact = candidates.filter((c) => c.match === 'exact');
  if (candidates.length === 1) return { status: 'resolved', candidate: candidates[0]!, candidates };
  if (exact.length === 1) return { status: 'resolved', candidate: exact[0]!, candidates };
  return { status: 'ambiguous', candidates };
}

/** What a commune field of a form sent: the text typed, and a choice made among the candidates offered for a text. */
export interface CommuneFieldInput {
  text: string;
  /** The label of the candidate chosen in the choice step. */
  choice?: string;
  /** The text the choice step was offered for: a choice counts only while the text is unchanged. */
  choiceFor?: string;
}

/** A commune field once resolved: nothing typed, one territory, a choice to offer, or nothing found. */
export type CommuneFieldOutcome =
  | { status: 'empty' }
  | { status: 'resolved'; candidate: Candidate }
  | { status: 'ambiguous'; candidates: Candidate[]; message: string }
  | { status: 'none'; message: string };

/** What the kinds searched are called in a message. */
function soughtWords(kinds: readonly TerritoryKind[]): { plural: string; none: string } {
  if (kinds.length === 1 && kinds[0] === 'departement') return { plural: 'départements', none: 'Aucun département' };
  if (kinds.includes('departement')) return { plural: 'communes ou départements', none: 'Aucune commune ni aucun département' };
  return { plural: 'communes', none: 'Aucune commune' };
}

export function ambiguityMessage(input: string, kinds: readonly TerritoryKind[] = TERRITORY_KINDS): string {
  return `Plusieurs ${soughtWords(kinds).plural} correspondent à « ${input.trim()} » : choisissez dans la liste.`;
}

export function notFoundMessage(input: string, kinds: readonly TerritoryKind[] = TERRITORY_KINDS): string {
  const hint = kinds.length === 1 && kinds[0] === 'departement' ? 'indiquez son nom ou son numéro (44, 2A, 971)' : 'vérifiez l’orthographe ou indiquez le code postal';
  return `${soughtWords(kinds).none} ne correspond à « ${input.trim()} » : ${hint}.`;
}

/**
 * A list of départements as typed in a form: separated by commas, semicolons or lines; numbers may also be separated
 * by spaces (« 44 85 »), names keep theirs (« Loire Atlantique »).
 */
export function splitDepartementList(text: string): string[] {
  return text
    .split(/[,;\n]+/)
    .map((item) => item.trim())
    .filter(Boolean)
    .flatMap((item) => {
      const words = item.split(/\s+/);
      return words.length > 1 && words.every((word) => DEPARTEMENT_CODE.test(word.toUpperCase())) ? words : [item];
    });
}
