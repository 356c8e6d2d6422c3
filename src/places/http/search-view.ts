import { pageHref, type QueryParams } from '../../http/list-query.js';
import { paginationView, type PaginationView } from '../../shared/pagination.js';
import type { SearchResult } from '../use-cases/search.js';
import { DEFAULT_RADIUS_KM, MAX_RADIUS_KM } from '../use-cases/search.js';
import type { SearchParams } from './query-params.js';

/** The distances the search form offers, in kilometres. */
export const RADIUS_CHOICES = [5, 10, 30, 50, 100, MAX_RADIUS_KM];

/** One criterion of the search as the page says it, and the link to the same search without it. */
export interface SearchCriterion {
  text: string;
  removeHref: string;
}

export interface SearchView {
  pagination: PaginationView;
  criteria: SearchCriterion[];
  /** The same search farther away, when a larger distance is offered. */
  widen: { radiusKm: number; href: string } | null;
  /** The same search without any filter (only the place and the distance), when a filter is set. */
  clearHref: string | null;
}

const FLAG_TEXT = { acceptsPass: 'accepte le pass numérique', openNow: 'ouvert maintenant', accessible: 'accessible en fauteuil roulant' } as const;

/** The search's query string, normalised (flags as « 1 »), from which every link of the page is built. */
function paramsOf(params: SearchParams): QueryParams {
  return {
    near: params.near,
    lat: params.lat === undefined ? undefined : String(params.lat),
    lng: params.lng === undefined ? undefined : String(params.lng),
    radiusKm: params.radiusKm === undefined ? undefined : String(params.radiusKm),
    service: params.service,
    public: params.public,
    supportMode: params.supportMode,
    specificSupport: params.specificSupport,
    cost: params.cost,
    accessible: params.accessible ? '1' : undefined,
    openNow: params.openNow ? '1' : undefined,
    acceptsPass: params.acceptsPass ? '1' : undefined,
    programme: params.programme === undefined ? undefined : String(params.programme),
    limit: params.limit === undefined ? undefined : String(params.limit),
  };
}

const without = (params: QueryParams, name: string, value?: string): QueryParams => {
  const current = params[name];
  if (value === undefined || !Array.isArray(current)) return { ...params, [name]: undefined };
  return { ...params, [name]: current.filter((v) => v !== value) };
};

/**
 * What the search page shows around its results: the pages (links keeping every filter), the criteria in words with
 * a link to remove each, and the ways to widen an empty search (farther, without filters).
 */
export function searchView(params: SearchParams, search: SearchResult): SearchView {
  const all = paramsOf(params);
  const href = (p: QueryParams) => pageHref('/lieux', p, 1);
  const criteria: SearchCriterion[] = [];
  const many = (name: 'service' | 'public' | 'supportMode' | 'specificSupport', text: (value: string) => string) => {
    for (const value of params[name]) criteria.push({ text: text(value), removeHref: href(without(all, name, value)) });
  };
  many('service', (v) => `propose « ${v} »`);
  many('public', (v) => `pour le public « ${v} »`);
  many('supportMode', (v) => `accompagnement « ${v} »`);
  many('specificSupport', (v) => `prise en charge « ${v} »`);
  if (params.cost) criteria.push({ text: params.cost === 'free' ? 'gratuit' : 'payant', removeHref: href(without(all, 'cost')) });
  for (const flag of ['acceptsPass', 'openNow', 'accessible'] as const) {
    if (params[flag]) criteria.push({ text: FLAG_TEXT[flag], removeHref: href(without(all, flag)) });
  }
  if (params.programme !== undefined) criteria.push({ text: 'accepte les chèques de votre programme', removeHref: href(without(all, 'programme')) });
  const radius = params.radiusKm ?? DEFAULT_RADIUS_KM;
  const farther = RADIUS_CHOICES.find((r) => r > radius);
  const bare: QueryParams = { near: all.near, lat: all.lat, lng: all.lng, radiusKm: all.radiusKm, limit: all.limit };
  return {
    pagination: paginationView(search.page, (n) => pageHref('/lieux', all, n)),
    criteria,
    widen: farther === undefined ? null : { radiusKm: farther, href: href({ ...all, radiusKm: String(farther) }) },
    clearHref: criteria.length ? href(bare) : null,
  };
}
