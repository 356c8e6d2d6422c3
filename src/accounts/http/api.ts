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
import { createOrganisation, inviteColleague, listOrganisations } from '../use-cases/store.js';
import { ownApiTokens, revokeOwnApiToken } from '../use-cases/api-tokens.js';
import { apiErrors, iso, isoDateTime, isoOrNull, publicApiErrors } from '../../http/openapi.js';

const id = idParam;
const role = z.enum(ROLES as [Role, ...Role[]]);
const kind = z.enum(ORGANISATION_KINDS);
const principalSchema = z.object({
  userId: z.number(),
  email: z.string(),
  displayName: z.string(),
  memberships: z.array(z.object({ organisationId: z.number(), organisationName: z.string(), role, isOrgAdmin: z.boolean(), departements: z.array(z.string()).describe('pour un hub : les départements de son territoire') })),
});
const organisationSchema = z.object({ id: z.number(), name: z.string(), siret: z.string().nullable(), departement_code: z.string().nullable(), kinds: z.array(z.string()) });
const tokenSchema = z.object({
  id: z.number(),
  name: z.string(),
  prefix: z.string().nullable().describe('premiers caractères du jeton (le jeton lui-même n’est jamais renvoyé)'),
  createdAt: isoDateTime,
  lastUsedAt: isoDateTime.nullable(),
  revokedAt: isoDateTime.nullable(),
});

export const accountsApi: FastifyPluginAsyncZod = async (app) => {
  const { db, config } = app.platform;

  app.get(
    '/me',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Mon compte et mes rôles',
        description: 'La personne à qui appartient le jeton : adresse, nom et adhésions (organisation, rôle, administrateur ou non ; pour un hub, ses départements). Seules comptent les adhésions dont le rôle correspond au type de l’organisation.',
        response: { 200: principalSchema, ...apiErrors() },
      },
    },
    async (request) => requireApiPrincipal(request),
  );

  app.get(
    '/organisations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Organisations et leurs types',
        description: 'Toutes les organisations de la plateforme (nom, SIRET, département, types : financeur, prescripteur, lieu, hub…), par ordre alphabétique. Toute personne connectée.',
        response: { 200: z.array(organisationSchema), ...apiErrors() },
      },
    },
    async (request) => {
      requireApiPrincipal(request);
      return listOrganisations(db);
    },
  );

  app.post(
    '/organisations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Créer une organisation (administration)',
        description: 'Crée une organisation avec son SIRET (clé de contrôle vérifiée, unique), son département et ses types. Réservé à l’administration nationale ; journalisé.',
        response: { 201: z.object({ id: z.number() }), ...apiErrors(409, 422) },
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
    {
      schema: {
        tags: ['comptes'],
        summary: 'Fixer les types d’une organisation (administration nationale, journalisé)',
        description: 'Remplace les types de l’organisation : ils décident des rôles que ses membres peuvent tenir. Une adhésion qui ne correspond plus ne donne plus aucun droit et apparaît dans les adhésions à examiner.',
        params: z.object({ id }),
        body: z.object({ kinds: z.array(kind) }),
        response: { 200: z.object({ kinds: z.array(z.string()) }), ...apiErrors(404, 422) },
      },
    },
    async (request) => {
      await setOrganisationKinds(db, requireApiPrincipal(request), request.params.id, request.body.kinds);
      return { kinds: [...new Set(request.body.kinds)].sort() };
    },
  );

  app.put(
    '/organisations/:id/departements',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Fixer le territoire d’un hub : 2 à 5 départements (administration nationale, journalisé)',
        description: 'Remplace les départements couverts par un hub France Connectée : il examine les labels et voit les lieux de ce territoire.',
        params: z.object({ id }),
        body: z.object({ departementCodes: z.array(z.string()).min(2).max(5) }),
        response: { 200: z.object({ departementCodes: z.array(z.string()) }), ...apiErrors(404, 422) },
      },
    },
    async (request) => {
      await setHubTerritory(db, requireApiPrincipal(request), request.params.id, request.body.departementCodes);
      return { departementCodes: [...new Set(request.body.departementCodes)].sort() };
    },
  );

  app.get(
    '/memberships/review',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Adhésions dont le rôle ne correspond pas au type de l’organisation (sans effet, à examiner)',
        description: 'Les adhésions qui ne donnent aucun droit parce que le type de l’organisation ne permet pas ce rôle : à régler en accordant le type ou en retirant le membre. Administration nationale.',
        response: {
          200: z.array(z.object({ organisation_id: z.number(), organisation_name: z.string(), kinds: z.array(z.string()), user_id: z.number(), email: z.string(), role })),
          ...apiErrors(),
        },
      },
    },
    async () => membershipsOutsideKinds(db),
  );

  app.get(
    '/organisations/:id/members',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Membres et invitations en attente (administrateur de l’organisation)',
        description: 'Les membres de l’organisation avec leur rôle (effective : le rôle correspond au type de l’organisation) et les invitations ni acceptées, ni révoquées, ni expirées.',
        params: z.object({ id }),
        response: {
          200: z.object({
            members: z.array(z.object({ userId: z.number(), email: z.string(), displayName: z.string(), role, isOrgAdmin: z.boolean(), effective: z.boolean() })),
            invitations: z.array(z.object({ id: z.string(), email: z.string(), role, expiresAt: isoDateTime })),
          }),
          ...apiErrors(404),
        },
      },
    },
    async (request) => {
    const { members, invitations } = await organisationMembers(db, requireApiPrincipal(request), request.params.id);
    return {
      members: members.map((m) => ({ userId: Number(m.user_id), email: m.email, displayName: m.display_name, role: m.role, isOrgAdmin: m.is_org_admin, effective: m.fits })),
        invitations: invitations.map((i) => ({ id: i.token_hash, email: i.email, role: i.role, expiresAt: iso(i.expires_at) })),
      };
    },
  );

  app.post(
    '/organisations/:id/invitations',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Inviter un collègue (administrateur de l’organisation) : seulement un rôle que le type de l’organisation permet ; le lien part par courriel',
        description: 'Envoie par courriel un lien d’invitation valable 14 jours, révocable ; renvoie aussi le lien. Les rôles de financeur et de hub ne s’obtiennent que si l’administration nationale a donné ce type à l’organisation. Journalisé.',
        params: z.object({ id }),
        response: { 201: z.object({ invitationUrl: z.string() }), ...apiErrors(404, 422) },
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
    {
      schema: {
        tags: ['comptes'],
        summary: 'Révoquer une invitation en attente',
        description: 'Le lien d’invitation ne sert plus : la personne invitée ne peut plus rejoindre l’organisation avec lui. Administrateur de l’organisation ; journalisé.',
        params: z.object({ id, invitation: z.string().regex(/^[0-9a-f]{64}$/) }),
        response: { 200: z.object({ revoked: z.literal(true) }), ...apiErrors(404) },
      },
    },
    async (request) => {
      await revokeInvitation(db, requireApiPrincipal(request), request.params.id, request.params.invitation);
      return { revoked: true as const };
    },
  );

  app.patch(
    '/organisations/:id/members/:userId',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Changer le rôle d’un membre (jamais le dernier administrateur)',
        description: 'Remplace le rôle fromRole du membre par toRole (un rôle que le type de l’organisation permet) et fixe s’il administre l’organisation. Le dernier administrateur ne peut pas perdre ce droit. Journalisé.',
        params: z.object({ id, userId: id }),
        body: z.object({ fromRole: role, toRole: role, isOrgAdmin: z.boolean() }),
        response: { 200: z.object({ changed: z.literal(true) }), ...apiErrors(404, 409, 422) },
      },
    },
    async (request) => {
      await changeMemberRole(db, requireApiPrincipal(request), { organisationId: request.params.id, userId: request.params.userId, ...request.body });
      return { changed: true as const };
    },
  );

  app.delete(
    '/organisations/:id/members/:userId',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Retirer un membre (jamais le dernier administrateur) ; ses sessions sont fermées',
        description: 'Retire toutes les adhésions du membre à cette organisation et ferme ses sessions. Le dernier administrateur ne peut pas être retiré. Journalisé.',
        params: z.object({ id, userId: id }),
        response: { 200: z.object({ removed: z.literal(true) }), ...apiErrors(404, 409) },
      },
    },
    async (request) => {
      await removeMember(db, requireApiPrincipal(request), request.params.id, request.params.userId);
      return { removed: true as const };
    },
  );

  app.post(
    '/password-resets',
    {
      config: { rateLimit: { max: 5, timeWindow: 15 * 60_000 } },
      schema: {
        tags: ['comptes'],
        summary: 'Demander un lien de nouveau mot de passe (même réponse que le compte existe ou non)',
        description: 'Envoie à l’adresse, si un compte l’utilise, un lien à usage unique valable une heure. Choisir le nouveau mot de passe ferme les sessions et révoque les jetons d’API du compte. Au plus 3 demandes par heure et par adresse.',
        security: [],
        body: z.object({ email: z.string() }),
        response: { 202: z.object({ message: z.string() }), ...publicApiErrors(400, 422, 429) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(db, app.mailer, config.publicUrl, request.body.email);
      return reply.status(202).send({ message: 'Si un compte existe pour cette adresse, un lien valable une heure vient d’y être envoyé.' });
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Mes jetons d’API',
        description: 'Les jetons de la personne connectée, du plus récent au plus ancien, révoqués compris : nom, premiers caractères, création, dernière utilisation (à la minute près). Un jeton n’est montré en entier qu’à sa création, sur la page « Mes jetons d’API ».',
        response: { 200: z.array(tokenSchema), ...apiErrors() },
      },
    },
    async (request) =>
      (await ownApiTokens(db, requireApiPrincipal(request))).map((t) => ({ id: t.id, name: t.name, prefix: t.prefix, createdAt: iso(t.createdAt), lastUsedAt: isoOrNull(t.lastUsedAt), revokedAt: isoOrNull(t.revokedAt) })),
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['comptes'],
        summary: 'Révoquer un de mes jetons',
        description: 'Le jeton cesse de fonctionner (sur les autres instances dans le délai TOKEN_CACHE_SECONDS). Le jeton d’une autre personne est introuvable (404). Journalisé.',
        params: z.object({ id }),
        response: { 200: z.object({ revoked: z.literal(true) }), ...apiErrors(404) },
      },
    },
    async (request) => {
      const { tokenHash } = await revokeOwnApiToken(db, requireApiPrincipal(request), request.params.id);
      // This instance forgets the token at once; the others within TOKEN_CACHE_SECONDS.
      app.tokenCache.delete(tokenHash);
      return { revoked: true as const };
    },
  );
};
