import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { idParam } from '../../http/ids.js';
import { forbidden } from '../../shared/errors.js';
import type { Role } from '../../db/schema.js';
import { ORGANISATION_KINDS } from '../domain/organisation-kinds.js';
import { canCreateOrganisation } from '../domain/policies.js';
import { ROLES } from '../domain/roles.js';
import { sendInvitation } from '../use-cases/invitation-mail.js';
import { changeMemberRole, membershipsOutsideKinds, organisationMembers, removeMember, revokeInvitation, setHubTerritory, setOrganisationKinds } from '../use-cases/members.js';
import { requestPasswordReset } from '../use-cases/password-reset.js';
import { createOrganisation, inviteColleague, listApiTokens, listOrganisations, revokeApiToken } from '../use-cases/store.js';

const id = idParam;
const role = z.enum(ROLES as [Role, ...Role[]]);
const kind = z.enum(ORGANISATION_KINDS);

export const accountsApi: FastifyPluginAsyncZod = async (app) => {
  const { db, config } = app.platform;

  app.get('/me', { schema: { tags: ['comptes'], summary: 'Mon compte et mes rôles' } }, async (request) => requireApiPrincipal(request));

  app.get('/organisations', { schema: { tags: ['comptes'], summary: 'Organisations et leurs types' } }, async (request) => {
    requireApiPrincipal(request);
    return listOrganisations(db);
  });

  app.post(
    '/organisations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Créer une organisation (administration)',
        body: z.object({ name: z.string().min(1), siret: z.string().optional(), departementCode: z.string().optional(), kinds: z.array(kind).default([]) }),
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      if (!canCreateOrganisation(principal)) throw forbidden('Seule l’administration nationale crée des organisations.');
      return reply.status(201).send({ id: await createOrganisation(db, request.body, principal.userId) });
    },
  );

  app.put(
    '/organisations/:id/kinds',
    { schema: { tags: ['comptes'], summary: 'Fixer les types d’une organisation (administration nationale, journalisé)', params: z.object({ id }), body: z.object({ kinds: z.array(kind) }) } },
    async (request) => {
      await setOrganisationKinds(db, requireApiPrincipal(request), request.params.id, request.body.kinds);
      return { kinds: [...new Set(request.body.kinds)].sort() };
    },
  );

  app.put(
    '/organisations/:id/departements',
    { schema: { tags: ['comptes'], summary: 'Fixer le territoire d’un hub : 2 à 5 départements (administration nationale, journalisé)', params: z.object({ id }), body: z.object({ departementCodes: z.array(z.string()).min(2).max(5) }) } },
    async (request) => {
      await setHubTerritory(db, requireApiPrincipal(request), request.params.id, request.body.departementCodes);
      return { departementCodes: [...new Set(request.body.departementCodes)].sort() };
    },
  );

  app.get('/memberships/review', { schema: { tags: ['comptes'], summary: 'Adhésions dont le rôle ne correspond pas au type de l’organisation (sans effet, à examiner)' } }, async () => membershipsOutsideKinds(db));

  app.get('/organisations/:id/members', { schema: { tags: ['comptes'], summary: 'Membres et invitations en attente (administrateur de l’organisation)', params: z.object({ id }) } }, async (request) => {
    const { members, invitations } = await organisationMembers(db, requireApiPrincipal(request), request.params.id);
    return {
      members: members.map((m) => ({ userId: Number(m.user_id), email: m.email, displayName: m.display_name, role: m.role, isOrgAdmin: m.is_org_admin, effective: m.fits })),
      invitations: invitations.map((i) => ({ id: i.token_hash, email: i.email, role: i.role, expiresAt: new Date(i.expires_at).toISOString() })),
    };
  });

  app.post(
    '/organisations/:id/invitations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Inviter un collègue (administrateur de l’organisation) : seulement un rôle que le type de l’organisation permet ; le lien part par courriel',
        params: z.object({ id }),
        body: z.object({ email: z.string(), role }),
      },
    },
    async (request, reply) => {
      const principal = requireApiPrincipal(request);
      const token = await inviteColleague(db, principal, { organisationId: request.params.id, email: request.body.email, role: request.body.role });
      return reply.status(201).send({ invitationUrl: await sendInvitation(db, app.mailer, config.publicUrl, token, principal) });
    },
  );

  app.delete(
    '/organisations/:id/invitations/:invitation',
    { schema: { tags: ['comptes'], summary: 'Révoquer une invitation en attente', params: z.object({ id, invitation: z.string().regex(/^[0-9a-f]{64}$/) }) } },
    async (request) => {
      await revokeInvitation(db, requireApiPrincipal(request), request.params.id, request.params.invitation);
      return { revoked: true };
    },
  );

  app.patch(
    '/organisations/:id/members/:userId',
    { schema: { tags: ['comptes'], summary: 'Changer le rôle d’un membre (jamais le dernier administrateur)', params: z.object({ id, userId: id }), body: z.object({ fromRole: role, toRole: role, isOrgAdmin: z.boolean() }) } },
    async (request) => {
      await changeMemberRole(db, requireApiPrincipal(request), { organisationId: request.params.id, userId: request.params.userId, ...request.body });
      return { changed: true };
    },
  );

  app.delete(
    '/organisations/:id/members/:userId',
    { schema: { tags: ['comptes'], summary: 'Retirer un membre (jamais le dernier administrateur) ; ses sessions sont fermées', params: z.object({ id, userId: id }) } },
    async (request) => {
      await removeMember(db, requireApiPrincipal(request), request.params.id, request.params.userId);
      return { removed: true };
    },
  );

  app.post(
    '/password-resets',
    {
      config: { rateLimit: { max: 5, timeWindow: 15 * 60_000 } },
      schema: { tags: ['comptes'], summary: 'Demander un lien de nouveau mot de passe (même réponse que le compte existe ou non)', security: [], body: z.object({ email: z.string() }) },
    },
    async (request, reply) => {
      await requestPasswordReset(db, app.mailer, config.publicUrl, request.body.email);
      return reply.status(202).send({ message: 'Si un compte existe pour cette adresse, un lien valable une heure vient d’y être envoyé.' });
    },
  );

  app.get('/tokens', { schema: { tags: ['comptes'], summary: 'Mes jetons d’API' } }, async (request) => listApiTokens(db, requireApiPrincipal(request).userId));

  app.delete('/tokens/:id', { schema: { tags: ['comptes'], summary: 'Révoquer un de mes jetons', params: z.object({ id }) } }, async (request) => {
    const tokenHash = await revokeApiToken(db, requireApiPrincipal(request).userId, request.params.id);
    // This instance forgets the token at once; the others within TOKEN_CACHE_SECONDS.
    app.tokenCache.delete(tokenHash);
    return { revoked: true };
  });
};
