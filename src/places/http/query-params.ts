import { z } from 'zod';
import { PUBLICS, SERVICES, SPECIFIC_SUPPORT, SUPPORT_MODES } from '../domain/standard.js';
import { MAX_RADIUS_KM, MAX_RESULTS, type SearchQuery } from '../use-cases/search.js';

const many = <T extends readonly [string, ...string[]]>(values: T) =>
  z
    .union([z.enum(values), z.array(z.enum(values))])
    .optional()
    .transform((value) => (value === undefined ? [] : ([] as string[]).concat(value)));
const flag = z
  .enum(['1', 'true', 'oui', '0', 'false', 'non', ''])
  .optional()
  .transform((value) => value === '1' || value === 'true' || value === 'oui');

/** The search's query string, shared by the API and the search page so both accept the same links. */
export const searchParams = z.object({
  near: z.string().trim().min(1).max(120).describe('commune, code postal, code INSEE ou « latitude,longitude »'),
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
  limit: z.coerce.number().int().min(1).max(MAX_RESULTS).optional(),
});

export type SearchParams = z.infer<typeof searchParams>;

export function toSearchQuery(params: SearchParams): SearchQuery {
  return {
    near: params.near,
    radiusKm: params.radiusKm,
    limit: params.limit,
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
