import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { publicApiErrors } from '../../http/openapi.js';
import { searchCommunes } from '../use-cases/queries.js';

export const territoriesApi: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/communes',
    {
      schema: {
        tags: ['territoires'],
        summary: 'Chercher une commune (nom, code postal ou code INSEE)',
        description: 'Les communes du référentiel INSEE dont le nom commence par le texte (accents et casse ignorés), ou qui ont ce code postal ou ce code INSEE, les plus peuplées d’abord. Sans jeton.',
        security: [],
        querystring: z.object({ q: z.string().min(1) }),
        response: {
          200: z.array(z.looseObject({ insee_code: z.string(), name: z.string(), postal_codes: z.array(z.string()), departement_code: z.string(), population: z.number().nullable() })),
          ...publicApiErrors(400),
        },
      },
    },
    async (request) => searchCommunes(app.platform.db, request.query.q),
  );
};
