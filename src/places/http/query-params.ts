import { z } from 'zod';
import { PUBLICS, SERVICES, SPECIFIC_SUPPORT, SUPPORT_MODES } from '../domain/standard.js';
import { MAX_RADIUS_KM, MAX_RESULTS, type SearchQuery } from '../use-cases/search.js';
import { MAX_PAGE_NUMBER } from '../../shared/pagination.js';

const many = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.enum(values), z.array(z.enum(values))])
    .optional()
    .transform((value) => (value === undefined ? [] : ([] as string[]).concat(value)));
const flag = z
  .enum(['1', 'true', 'oui', '0', 'false', 'non', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'oui');

/** A latitude or longitude in decimal degrees; empty is not given (the hidden fields of « Autour de moi »). */
const coordinate = (bound: number, what: string) =>
  z
    .union([z.literal(''), z.string().trim().regex(/^-?\d{1,3}(?:\.\d{1,12})?$/, `${what} en degrés décimaux, par exemple 47.2184`)])
    .optional()
    .transform((value) => (value === undefined || value === '' ? undefined : Number(value)))
    .refine((value) => value === undefined || Math.abs(value) <= bound, `${what} hors limites (±${bound})`);

/** The search's query string, shared by the API and the search page so both accept the same links. */
export const searchParams = z.object({
  near: z.string().trim().max(120).default('').describe('commune, code postal, code INSEE ou « latitude,longitude » ; vide avec lat et lng (position du navigateur)'),
  lat: coordinate(90, 'La latitude').describe('latitude de la position (« Autour de moi »), avec lng et near vide'),
  lng: coordinate(180, 'La longitude').describe('longitude de la position (« Autour de moi »), avec lat et near vide'),
  radiusKm: z.coerce.number().min(0.1).max(MAX_RADIUS_KM).optional(),
  service: many(SERVICES),
  public: many(PUBLICS),
  supportMode: many(SUPPORT_MODES),
  specificSupport: many(SPECIFIC_SUPPORT),
  cost: z.enum(['free', 'paid', '']).optional().transform((value) => value || undefined),
  accessible: flag,
  openNow: flag,
  acceptsPass: flag,
  programme: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(MAX_RESULTS).optional().describe(`lieux par page, ${MAX_RESULTS} au plus (20 par défaut)`),
  page: z.coerce.number().int().min(1).max(MAX_PAGE_NUMBER).optional().describe('numéro de la page, à partir de 1'),
});

/** Where the search starts: something typed, or the browser's position. */
export const hasOrigin = (params: { near: string; lat?: number; lng?: number }) => params.near !== '' || (params.lat !== undefined && params.lng !== undefined);

export type SearchParams = z.infer<typeof searchParams>;

export function toSearchQuery(params: SearchParams): SearchQuery {
  return {
    near: params.near,
    position: params.lat !== undefined && params.lng !== undefined ? { lat: params.lat, lon: params.lng } : undefined,
    radiusKm: params.radiusKm,
    limit: params.limit,
    page: params.page,
    services: params.service,
    publics: params.public,
    supportModes: params.supportMode,
    specificSupport: params.specificSupport,
    cost: params.cost as SearchQuery['cost'],
    accessible: params.accessible,
    openNow: params.openNow,
    acceptsPass: params.acceptsPass,
    programmeId: params.programme,
  };
}
