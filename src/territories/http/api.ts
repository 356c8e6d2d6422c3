import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { openObject, publicApiErrors } from '../../http/openapi.js';
import { decide, DEFAULT_LIMIT, territoryDetails, TERRITORY_KINDS, type Candidate, type TerritoryKind } from '../domain/commune-resolver.js';
import { findCandidates } from '../use-cases/resolve.js';

const MAX_LIMIT = 50;

const kindsParam = z
  .string()
  .optional()
  .describe('genres cherchés, séparés par des virgules : commune, arrondissement, departement (tous par défaut)')
  .transform((value, context) => {
    if (!value) return TERRITORY_KINDS;
    const kinds = value.split(',').map((kind) => kind.trim()).filter(Boolean);
    const unknown = kinds.filter((kind) => !(TERRITORY_KINDS as readonly string[]).includes(kind));
    if (unknown.length || kinds.length === 0) {
      context.addIssue({ code: 'custom', message: `genre inconnu : ${unknown.join(', ') || value} (commune, arrondissement ou departement)` });
      return z.NEVER;
    }
    return kinds as TerritoryKind[];
  });

const candidateSchema = openObject({
  kind: z.enum(['commune', 'arrondissement', 'departement']).describe('commune, arrondissement municipal (Paris, Lyon, Marseille) ou département'),
  code: z.string().describe('code INSEE de la commune ou de l’arrondissement ; numéro du département'),
  name: z.string(),
  label: z.string().describe('libellé à montrer et à renvoyer : il désigne ce seul territoire, par exemple « Saint-Nazaire (44) »'),
  details: z.string().describe('ce qu’est le territoire, en une ligne'),
  match: z.enum(['exact', 'prefix', 'word', 'contains']).describe('qualité : exact, début du nom, début d’un mot, contenu'),
  matchedBy: z.enum(['name', 'postal_code', 'insee_code', 'departement_code']),
  postalCodes: z.array(z.string()),
  population: z.number(),
  departement: openObject({ code: z.string(), name: z.string() }),
  commune: openObject({ code: z.string(), name: z.string() }).nullable().describe('la commune d’un arrondissement'),
  lat: z.number().nullable(),
  lng: z.number().nullable(),
});

const toJson = (c: Candidate) => ({
  kind: c.territory.kind,
  code: c.territory.code,
  name: c.territory.name,
  label: c.label,
  details: territoryDetails(c.territory),
  match: c.match,
  matchedBy: c.by,
  postalCodes: c.territory.postalCodes,
  population: c.territory.population,
  departement: { code: c.territory.departementCode, name: c.territory.departementName },
  commune: c.territory.parent,
  lat: c.territory.lat,
  lng: c.territory.lng,
});

export const territoriesApi: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/communes',
    {
      schema: {
        tags: ['territoires'],
        summary: 'Chercher une commune, un arrondissement ou un département (nom, code postal, code INSEE, numéro)',
        description:
          'Le résolveur de toutes les saisies de commune : nom écrit avec ou sans tirets, accents, majuscules ni article (« St Nazaire », « Mans »), '
          + 'code postal (toutes les communes qui le partagent), code INSEE, arrondissements de Paris, Lyon et Marseille (« Paris 16e », 75016), '
          + 'département par son nom ou son numéro. Les candidats sont rangés par qualité (exact, début du nom, début d’un mot, contenu) puis population ; '
          + '`status` dit si la saisie désigne un seul territoire (`resolved`, donné dans `resolved`) ou s’il faut choisir parmi les candidats (`ambiguous`). '
          + 'Le libellé `label` de chaque candidat, renvoyé tel quel, le désigne seul. Sans jeton.',
        security: [],
        querystring: z.object({
          q: z.string().min(1).max(120).describe('ce que la personne a tapé'),
          kinds: kindsParam,
          limit: z.coerce.number().int().min(1).max(MAX_LIMIT).optional().describe(`nombre de candidats au plus (${DEFAULT_LIMIT} par défaut)`),
        }),
        response: {
          200: openObject({
            query: z.string(),
            status: z.enum(['resolved', 'ambiguous', 'none']).describe('resolved : un seul territoire ; ambiguous : à choisir parmi les candidats ; none : aucun'),
            resolved: candidateSchema.nullable().describe('le territoire désigné, quand il n’y en a qu’un'),
            candidates: z.array(candidateSchema),
          }),
          ...publicApiErrors(400),
        },
      },
    },
    async (request) => {
      const { q, kinds, limit } = request.query;
      const candidates = await findCandidates(app.platform.db, q, { kinds, limit: limit ?? DEFAULT_LIMIT });
      const decision = decide(candidates);
      return {
        query: q,
        status: decision.status,
        resolved: decision.status === 'resolved' ? toJson(decision.candidate) : null,
        candidates: candidates.map(toJson),
      };
    },
  );
};
