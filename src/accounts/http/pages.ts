import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { httpStatus } from '../../http/errors.js';
import { formId, pathId } from '../../http/ids.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { redirectWithFlash } from '../../http/flash.js';
import { requirePagePrincipal, SESSION_COOKIE } from '../../http/auth.js';
import { DomainError, forbidden } from '../../shared/errors.js';
import type { Role } from '../../db/schema.js';
import { ORGANISATION_KINDS, KIND_LABELS, rolesAllowedFor } from '../domain/organisation-kinds.js';
import { canGrantRole } from '../domain/policies.js';
import type { Principal } from '../domain/principal.js';
import { ROLE_LABELS, ROLES } from '../domain/roles.js';
import { changeMemberRole, membershipsOutsideKinds, organisationMembers, removeMember, revokeInvitation, setHubTerritory, setOrganisationKinds } from '../use-cases/members.js';
import { findPasswordReset, requestPasswordReset, resetLinkInvalid, resetPassword } from '../use-cases/password-reset.js';
import { acceptInvitation, authenticate, createSession, deleteSession, findInvitation, inviteColleague, listOrganisations } from '../use-cases/store.js';
import { sendInvitation } from '../use-cases/invitation-mail.js';

/**
 * Only local paths are followed after sign-in, so the page cannot be used to send people elsewhere: one leading
 * slash, then no slash or backslash (browsers read `/\host` as `//host`), no control characters.
 */
export const safeReturn = (value: string) => (/^\/(?![\/\\])[^\\\u0000-\u001f]*$/.test(value) ? value : '/espace');

export const accountsPages: FastifyPluginAsync = async (app) => {
  const { db, config } = app.platform;
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, path: '/', maxAge: 7 * 86_400 };

  app.get('/', async (request, reply) => renderPage(request, reply, 'home.njk', { title: 'Accueil' }));

  app.get('/connexion', async (request, reply) =>
    renderPage(request, reply, 'signin.njk', { title: 'Connexion', retour: safeReturn(String((request.query as Record<string, string>).retour ?? '/espace')) }),
  );

  // Wrong passwords are held back per address typed (authenticate); this per-client limit only stops one client
  // trying many accounts, and is loose enough for a whole office signing in behind one address.
  app.post('/connexion', { config: { rateLimit: { max: 100, timeWindow: 15 * 60_000 } } }, async (request, reply) => {
    const email = field(request.body, 'email');
    const retour = safeReturn(field(request.body, 'retour'));
    return withFormErrors(
      async () => {
        const userId = await authenticate(db, email, field(request.body, 'password'));
        if (!userId) {
          return renderPage(request, reply, 'signin.njk', { title: 'Connexion', email, retour, error: 'Adresse e-mail ou mot de passe incorrect.' }, 401);
        }
        void reply.setCookie(SESSION_COOKIE, await createSession(db, userId), cookieOptions);
        return reply.redirect(retour, 303);
      },
      ({ message: error, status }) => renderPage(request, reply, 'signin.njk', { title: 'Connexion', email, retour, error }, status),
    );
  });

  app.post('/deconnexion', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await deleteSession(db, token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return redirectWithFlash(reply, '/', 'Session fermée : à bientôt.', 'info');
  });

  app.get('/mot-de-passe', async (request, reply) => renderPage(request, reply, 'password-reset-request.njk', { title: 'Mot de passe oublié' }));

  app.post('/mot-de-passe', { config: { rateLimit: { max: 5, timeWindow: 15 * 60_000 } } }, async (request, reply) => {
    const email = field(request.body, 'email');
    return withFormErrors(
      async () => {
        await requestPasswordReset(db, app.mailer, config.publicUrl, email);
        // The same answer whether or not the address has an account.
        return redirectWithFlash(reply, '/mot-de-passe', `Si un compte existe pour ${email}, un lien pour choisir un nouveau mot de passe vient d’y être envoyé. Il est valable une heure.`);
      },
      ({ message, status }) => renderPage(request, reply, 'password-reset-request.njk', { title: 'Mot de passe oublié', email, error: message }, status),
    );
  });

  app.get('/mot-de-passe/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    if (!(await findPasswordReset(db, token))) throw resetLinkInvalid();
    return renderPage(request, reply, 'password-reset.njk', { title: 'Nouveau mot de passe', token });
  });

  app.post('/mot-de-passe/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    return withFormErrors(
      async () => {
        const { userId, revokedTokenHashes } = await resetPassword(db, token, field(request.body, 'password'));
        // This instance forgets the revoked API tokens at once; the others within TOKEN_CACHE_SECONDS.
        for (const hash of revokedTokenHashes) app.tokenCache.delete(hash);
        void reply.setCookie(SESSION_COOKIE, await createSession(db, userId), cookieOptions);
        return redirectWithFlash(reply, '/espace', 'Votre nouveau mot de passe est enregistré.');
      },
      ({ message, status }) => renderPage(request, reply, 'password-reset.njk', { title: 'Nouveau mot de passe', token, error: message }, status),
    );
  });

  app.get('/espace', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'space.njk', { title: 'Mon espace', roleLabels: ROLE_LABELS });
  });

  app.get('/invitation/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const invitation = await findInvitation(db, token);
    if (!invitation) throw new DomainError('not_found', 'invitation_invalide', 'Cette invitation n’existe pas, a expiré, a été révoquée ou a déjà été utilisée. Demandez-en une nouvelle à votre collègue.');
    return renderPage(request, reply, 'invitation.njk', { title: 'Rejoindre une organisation', invitation, token });
  });

  app.post('/invitation/:token', { config: { rateLimit: { max: 20, timeWindow: 15 * 60_000 } } }, async (request, reply) => {
    const { token } = request.params as { token: string };
    const invitation = await findInvitation(db, token);
    if (!invitation) throw new DomainError('not_found', 'invitation_invalide', 'Cette invitation n’existe pas, a expiré, a été révoquée ou a déjà été utilisée.');
    const displayName = field(request.body, 'displayName');
    try {
      const userId = await acceptInvitation(db, token, displayName, field(request.body, 'password'), request.principal?.userId ?? null);
      void reply.setCookie(SESSION_COOKIE, await createSession(db, userId), cookieOptions);
      return redirectWithFlash(reply, '/espace', `Bienvenue : vous avez rejoint ${invitation.organisation_name}.`);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      // Everything typed comes back but the password, which is never written into a page.
      return renderPage(request, reply, 'invitation.njk', { title: 'Rejoindre une organisation', invitation, token, displayName, error: error.message }, httpStatus(error));
    }
  });

  /** The members page of every organisation the principal administers, each with the roles it may grant. */
  const organisationPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, extra: Record<string, unknown> = {}, status = 200) => {
    const administered = [...new Map(principal.memberships.filter((m) => m.isOrgAdmin).map((m) => [m.organisationId, m])).values()];
    if (administered.length === 0) throw forbidden('Cette page est réservée aux administrateurs d’une organisation.');
    const organisations = await Promise.all(
      administered.map(async (m) => {
        const { organisation, members, invitations } = await organisationMembers(db, principal, m.organisationId);
        const grantable = ROLES.filter((role) => canGrantRole(principal, organisation, role));
        return { organisationId: m.organisationId, organisationName: organisation.name, role: m.role, kinds: organisation.kinds, members, invitations, grantable };
      }),
    );
    return renderPage(request, reply, 'organisation.njk', { title: 'Mon organisation', organisations, roleLabels: ROLE_LABELS, kindLabels: KIND_LABELS, ...extra }, status);
  };

  app.get('/organisation', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return organisationPage(request, reply, principal);
  });

  app.post('/organisation/invitations', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const organisationId = formId(field(request.body, 'organisationId'), 'L’organisation');
    const email = field(request.body, 'email');
    return withFormErrors(
      async () => {
        const token = await inviteColleague(db, principal, { organisationId, email, role: field(request.body, 'role') as Role });
        const invitationUrl = await sendInvitation(db, app.mailer, config.publicUrl, token, principal);
        return redirectWithFlash(reply, '/organisation', `Invitation envoyée à ${email}. Si le courriel n’arrive pas, transmettez-lui vous-même ce lien (valable 14 jours, une seule fois) : ${invitationUrl}`);
      },
      ({ message, status }) => organisationPage(request, reply, principal, { error: message, form: { organisationId, email, role: field(request.body, 'role') } }, status),
    );
  });

  app.post('/organisation/invitations/revocation', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        await revokeInvitation(db, principal, formId(field(request.body, 'organisationId'), 'L’organisation'), field(request.body, 'invitation'));
        return redirectWithFlash(reply, '/organisation', 'L’invitation a été révoquée : son lien ne fonctionne plus.');
      },
      ({ message, status }) => organisationPage(request, reply, principal, { error: message }, status),
    );
  });

  app.post('/organisation/membres/role', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        await changeMemberRole(db, principal, {
          organisationId: formId(field(request.body, 'organisationId'), 'L’organisation'),
          userId: formId(field(request.body, 'userId'), 'Le membre'),
          fromRole: field(request.body, 'fromRole') as Role,
          toRole: field(request.body, 'toRole') as Role,
          isOrgAdmin: field(request.body, 'isOrgAdmin') === 'oui',
        });
        return redirectWithFlash(reply, '/organisation', 'Le rôle a été modifié.');
      },
      ({ message, status }) => organisationPage(request, reply, principal, { error: message }, status),
    );
  });

  app.post('/organisation/membres/retrait', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        if (field(request.body, 'confirmation') !== 'oui') throw new DomainError('invalid', 'confirmation_requise', 'Cochez la case de confirmation pour retirer ce membre.');
        await removeMember(db, principal, formId(field(request.body, 'organisationId'), 'L’organisation'), formId(field(request.body, 'userId'), 'Le membre'));
        return redirectWithFlash(reply, '/organisation', 'Le membre a été retiré ; ses sessions sont fermées.');
      },
      ({ message, status }) => organisationPage(request, reply, principal, { error: message }, status),
    );
  });

  const adminOrganisationsPage = async (request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, status = 200) => {
    const organisations = await listOrganisations(db);
    const territories = await db.selectFrom('organisation_departements').select(['organisation_id', 'departement_code']).execute();
    return renderPage(request, reply, 'admin-organisations.njk', {
      title: 'Organisations et types',
      organisations: organisations.map((o) => ({ ...o, roles: rolesAllowedFor(o.kinds), territory: territories.filter((t) => t.organisation_id === o.id).map((t) => t.departement_code) })),
      outside: await membershipsOutsideKinds(db),
      kinds: ORGANISATION_KINDS,
      kindLabels: KIND_LABELS,
      roleLabels: ROLE_LABELS,
      ...extra,
    }, status);
  };

  app.get('/admin/organisations', async (request, reply) => adminOrganisationsPage(request, reply));

  app.post('/admin/organisations/:id/types', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const raw = (request.body as Record<string, unknown> | undefined)?.types;
    const kinds = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(String);
    return withFormErrors(
      async () => {
        await setOrganisationKinds(db, principal, pathId(request.params), kinds);
        return redirectWithFlash(reply, '/admin/organisations', 'Types de l’organisation enregistrés et journalisés.');
      },
      ({ message, status }) => adminOrganisationsPage(request, reply, { error: message }, status),
    );
  });

  app.post('/admin/organisations/:id/territoire', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        await setHubTerritory(db, principal, pathId(request.params), field(request.body, 'departements').split(/[\s,;]+/));
        return redirectWithFlash(reply, '/admin/organisations', 'Territoire du hub enregistré et journalisé.');
      },
      ({ message, status }) => adminOrganisationsPage(request, reply, { error: message }, status),
    );
  });
};
