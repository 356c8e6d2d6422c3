import { httpStatus } from '../../http/errors.js';
import type { FastifyPluginAsync } from 'fastify';
import { field, renderPage } from '../../http/page.js';
import { requirePagePrincipal, SESSION_COOKIE } from '../../http/auth.js';
import { DomainError, forbidden } from '../../shared/errors.js';
import { hasRole, isAdmin } from '../use-cases/principal.js';
import { ROLE_LABELS, ROLES } from '../domain/roles.js';
import { acceptInvitation, authenticate, createSession, deleteSession, findInvitation, inviteColleague, listOrganisationMembers } from '../use-cases/store.js';

/** Only local paths are followed after sign-in, so the page cannot be used to send people elsewhere. */
const safeReturn = (value: string) => (value.startsWith('/') && !value.startsWith('//') ? value : '/espace');

export const accountsPages: FastifyPluginAsync = async (app) => {
  const { db, config } = app.platform;
  const cookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: config.secureCookies, path: '/', maxAge: 7 * 86_400 };

  app.get('/', async (request, reply) => renderPage(request, reply, 'home.njk', { title: 'Accueil' }));

  app.get('/connexion', async (request, reply) =>
    renderPage(request, reply, 'signin.njk', { title: 'Connexion', retour: safeReturn(String((request.query as Record<string, string>).retour ?? '/espace')) }),
  );

  app.post('/connexion', { config: { rateLimit: { max: 10, timeWindow: 60_000 } } }, async (request, reply) => {
    const email = field(request.body, 'email');
    const retour = safeReturn(field(request.body, 'retour'));
    const userId = await authenticate(db, email, field(request.body, 'password'));
    if (!userId) {
      return renderPage(request, reply, 'signin.njk', { title: 'Connexion', email, retour, error: 'Adresse e-mail ou mot de passe incorrect.' }, 401);
    }
    void reply.setCookie(SESSION_COOKIE, await createSession(db, userId), cookieOptions);
    return reply.redirect(retour, 303);
  });

  app.post('/deconnexion', async (request, reply) => {
    const token = request.cookies[SESSION_COOKIE];
    if (token) await deleteSession(db, token);
    void reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return reply.redirect('/', 303);
  });

  app.get('/espace', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return renderPage(request, reply, 'space.njk', { title: 'Mon espace', roleLabels: ROLE_LABELS });
  });

  app.get('/invitation/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const invitation = await findInvitation(db, token);
    if (!invitation) throw new DomainError('not_found', 'invitation_invalide', 'Cette invitation n’existe pas, a expiré ou a déjà été utilisée. Demandez-en une nouvelle à votre collègue.');
    return renderPage(request, reply, 'invitation.njk', { title: 'Rejoindre une organisation', invitation, token });
  });

  app.post('/invitation/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const invitation = await findInvitation(db, token);
    if (!invitation) throw new DomainError('not_found', 'invitation_invalide', 'Cette invitation n’existe pas, a expiré ou a déjà été utilisée.');
    try {
      const userId = await acceptInvitation(db, token, field(request.body, 'displayName'), field(request.body, 'password'));
      void reply.setCookie(SESSION_COOKIE, await createSession(db, userId), cookieOptions);
      return reply.redirect('/espace', 303);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return renderPage(request, reply, 'invitation.njk', { title: 'Rejoindre une organisation', invitation, token, error: error.message }, httpStatus(error));
    }
  });

  app.get('/organisation', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const administered = principal.memberships.filter((m) => m.isOrgAdmin);
    if (administered.length === 0) throw forbidden('Cette page est réservée aux administrateurs d’une organisation.');
    const organisations = await Promise.all(administered.map(async (m) => ({ ...m, members: await listOrganisationMembers(db, m.organisationId) })));
    return renderPage(request, reply, 'organisation.njk', { title: 'Mon organisation', organisations, roles: ROLES.filter((r) => r !== 'admin' || isAdmin(principal)), roleLabels: ROLE_LABELS });
  });

  app.post('/organisation/invitations', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const organisationId = Number(field(request.body, 'organisationId'));
    const role = field(request.body, 'role') as (typeof ROLES)[number];
    if (!principal.memberships.some((m) => m.organisationId === organisationId && m.isOrgAdmin)) throw forbidden('Seul un administrateur de cette organisation peut inviter un collègue.');
    if (!ROLES.includes(role) || (role === 'admin' && !hasRole(principal, 'admin'))) throw forbidden('Ce rôle ne peut pas être donné ici.');
    const token = await inviteColleague(db, { organisationId, email: field(request.body, 'email'), role, invitedBy: principal.userId });
    const administered = principal.memberships.filter((m) => m.isOrgAdmin);
    const organisations = await Promise.all(administered.map(async (m) => ({ ...m, members: await listOrganisationMembers(db, m.organisationId) })));
    return renderPage(request, reply, 'organisation.njk', {
      title: 'Mon organisation',
      organisations,
      roles: ROLES.filter((r) => r !== 'admin' || isAdmin(principal)),
      roleLabels: ROLE_LABELS,
      invitationUrl: `${config.publicUrl}/invitation/${token}`,
    });
  });
};
