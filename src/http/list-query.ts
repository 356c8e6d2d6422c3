import { invalid } from '../shared/errors.js';
import { pageRequest, paginationView, type Page, type PageRequest, type PaginationView } from '../shared/pagination.js';

/**
 * The filters pattern of every list page: a GET form (works without JavaScript) whose fields are these definitions,
 * read from the query string with the page number, and links (pages, « effacer les filtres ») that keep every
 * filter. The form is drawn by `views/_filters.njk`, the pages by `views/_pagination.njk`.
 */
export interface FilterOption {
  value: string;
  label: string;
}

interface FilterBase {
  /** The query-string name, in French as the rest of the page addresses (statut, programme, du, au, texte). */
  name: string;
  label: string;
  hint?: string;
}
export type FilterDefinition =
  | (FilterBase & { kind: 'select'; options: FilterOption[]; /** The empty choice: « Tous », « Toutes ». */ any?: string })
  | (FilterBase & { kind: 'text'; maxLength?: number })
  | (FilterBase & { kind: 'date' });

export type QueryParams = Record<string, string | readonly string[] | undefined>;

export interface ListQuery {
  /** Every filter's value, '' when not given. */
  filters: Record<string, string>;
  request: PageRequest;
  /** The page size, when the query chose one: page links keep it. */
  limit?: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const first = (value: unknown): string => {
  const text = Array.isArray(value) ? value[0] : value;
  return typeof text === 'string' ? text.trim() : '';
};

/** A valid calendar day written AAAA-MM-JJ (2026-02-30 is not one). */
export function isCalendarDay(value: string): boolean {
  if (!DATE.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

/**
 * The filters and page of a list's query string. A value a select does not offer, a malformed date or an overlong
 * text is refused (422) with the filter named, so that a list never silently shows something else than asked.
 */
export function readListQuery(query: unknown, definitions: readonly FilterDefinition[], options: { defaultLimit?: number; maxLimit?: number } = {}): ListQuery {
  const raw = (query ?? {}) as Record<string, unknown>;
  const filters: Record<string, string> = {};
  for (const definition of definitions) {
    const value = first(raw[definition.name]);
    if (value !== '' && definition.kind === 'select' && !definition.options.some((o) => o.value === value)) {
      throw invalid(`Le filtre « ${definition.label} » ne propose pas la valeur « ${value.slice(0, 40)} » : choisissez dans la liste.`, 'filtre_inconnu');
    }
    if (value !== '' && definition.kind === 'date' && !isCalendarDay(value)) {
      throw invalid(`Le filtre « ${definition.label} » attend une date au format AAAA-MM-JJ, par exemple 2026-01-31.`, 'filtre_date');
    }
    if (definition.kind === 'text' && value.length > (definition.maxLength ?? 100)) {
      throw invalid(`Le filtre « ${definition.label} » est limité à ${definition.maxLength ?? 100} caractères.`, 'filtre_trop_long');
    }
    filters[definition.name] = value;
  }
  const request = pageRequest(raw, options);
  return { filters, request, ...(first(raw.limit) !== '' ? { limit: String(request.limit) } : {}) };
}

/** `?a=1&b=x&b=y` from the parameters that have a value (none: ''). */
export function queryString(params: QueryParams): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of ([] as string[]).concat(value ?? [])) if (v !== '') search.append(name, v);
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The link to page `page` of a list: the same filters, the page number (left out for the first page). */
export function pageHref(path: string, params: QueryParams, page: number): string {
  return `${path}${queryString({ ...params, page: page > 1 ? String(page) : undefined })}`;
}

export interface ListView {
  filters: (FilterDefinition & { value: string })[];
  /** Some filter is set: the page offers to clear them. */
  filtered: boolean;
  clearHref: string;
  pagination: PaginationView;
  /** Where the form is sent. */
  action: string;
}

/**
 * What `_filters.njk` and `_pagination.njk` need: the definitions with their values, the page links keeping every
 * filter (and `extra`, such as a non-default limit).
 */
export function listView(path: string, list: ListQuery, definitions: readonly FilterDefinition[], page: Page, extra: QueryParams = {}): ListView {
  const params: QueryParams = { ...list.filters, limit: list.limit, ...extra };
  return {
    filters: definitions.map((d) => ({ ...d, value: list.filters[d.name] ?? '' })),
    filtered: Object.values(list.filters).some((v) => v !== ''),
    clearHref: path,
    pagination: paginationView(page, (n) => pageHref(path, params, n)),
    action: path,
  };
}

/** A period filter (« du », « au », both included) whose start comes after its end is refused. */
export function checkPeriod(list: ListQuery, from = 'du', to = 'au'): void {
  const start = list.filters[from];
  const end = list.filters[to];
  if (start && end && start > end) throw invalid(`La période est à l’envers : le ${start.split('-').reverse().join('/')} vient après le ${end.split('-').reverse().join('/')}.`, 'filtre_periode');
}

/** A select's value as an id ('' → undefined); the select only offers ids, so anything else was refused already. */
export const selectedId = (value: string | undefined): number | undefined => (value ? Number(value) : undefined);
