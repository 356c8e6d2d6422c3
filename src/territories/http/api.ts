import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { searchCommunes } from '../use-cases/queries.js';

export const territoriesApi: FastifyPluginAsyncZod = async (app) => {
  app.get(
    '/communes',
    { schema: { tags: ['territoires'], summary: 'Chercher une commune (nom, code postal ou code INSEE)', security: [], querystring: z.object({ q: z.string().min(1) }) } },
    async (request) => searchCommunes(app.platform.db, request.query.q),
  );
};
