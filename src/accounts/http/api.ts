import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { forbidden } from '../../shared/errors.js';
import { isAdmin } from '../use-cases/principal.js';
import { ROLES } from '../domain/roles.js';
import { createOrganisation, inviteColleague, listApiTokens, listOrganisations, revokeApiToken } from '../use-cases/store.js';

export const accountsApi: FastifyPluginAsyncZod = async (app) => {
  const { db, config } = app.platform;

  app.get('/me', { schema: { tags: ['comptes'], summary: 'Mon compte et mes rôles' } }, async (request) => requireApiPrincipal(request));

  app.get('/organisations', { schema: { tags: ['comptes'] } }, async (request) => {
    requireApiPrincipal(request);
    return listOrganisations(db);
  });

  app.post(
    '/organisations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Créer une organisation (administration)',
        body: z.object({ name: z.string().min(1), siret: z.string().optional(), departementCode: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      if (!isAdmin(principal)) throw forbidden('Seule l’administration nationale crée des organisations.');
      return reply.status(201).send({ id: await createOrganisation(db, request.body, principal.userId) });
    },
  );

  app.post(
    '/organisations/:id/invitations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Inviter un collègue (administrateur de l’organisation)',
        params: z.object({ id: z.coerce.number().int().positive() }),
        body: z.object({ email: z.string(), role: z.enum(ROLES as [string, ...string[]]) }),
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      const organisationId = request.params.id;
      const membership = principal.memberships.find((m) => m.organisationId === organisationId && m.isOrgAdmin);
      if (!membership && !isAdmin(principal)) throw forbidden('Seul un administrateur de cette organisation peut inviter un collègue.');
      if (request.body.role === 'admin' && !isAdmin(principal)) throw forbidden('Seule l’administration nationale peut donner ce rôle.');
      const token = await inviteColleague(db, { organisationId, email: request.body.email, role: request.body.role as never, invitedBy: principal.userId });
      return reply.status(201).send({ invitationUrl: `${config.publicUrl}/invitation/${token}` });
    },
  );

  app.get('/tokens', { schema: { tags: ['comptes'], summary: 'Mes jetons d’API' } }, async (request) => listApiTokens(db, requireApiPrincipal(request).userId));

  app.delete('/tokens/:id', { schema: { tags: ['comptes'], summary: 'Révoquer un de mes jetons', params: z.object({ id: z.coerce.number().int().positive() }) } }, async (request) => {
    const tokenHash = await revokeApiToken(db, requireApiPrincipal(request).userId, request.params.id);
    // This instance forgets the token at once; the others within TOKEN_CACHE_SECONDS.
    app.tokenCache.delete(tokenHash);
    return { revoked: true };
  });
};
