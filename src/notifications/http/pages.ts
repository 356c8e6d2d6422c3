import type { FastifyPluginAsync } from 'fastify';
import { requirePagePrincipal } from '../../http/auth.js';
import { redirectWithFlash } from '../../http/flash.js';
import { pathId } from '../../http/ids.js';
import { renderPage } from '../../http/page.js';
import { inboxOf, markAllNotificationsRead, markNotificationRead, openNotification } from '../use-cases/inbox.js';

export const notificationsPages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;

  app.get('/notifications', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const inbox = await inboxOf(db, principal);
    // The page has the count already: the header does not ask for it again.
    return renderPage(request, reply, 'notifications.njk', { title: 'Notifications', inbox, notificationCount: inbox.count.total });
  });

  app.post('/notifications/:id/lue', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    await markNotificationRead(db, principal, pathId(request.params, 'Cette notification n’existe pas.'));
    return redirectWithFlash(reply, '/notifications', 'Notification marquée comme lue.');
  });

  // Following an unread information from the inbox marks it read on the way (a form: no state change on a GET).
  app.post('/notifications/:id/ouverture', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const link = await openNotification(db, principal, pathId(request.params, 'Cette notification n’existe pas.'));
    return reply.redirect(link, 303);
  });

  app.post('/notifications/lues', async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const count = await markAllNotificationsRead(db, principal);
    return redirectWithFlash(reply, '/notifications', count ? 'Toutes vos informations sont marquées comme lues.' : 'Aucune information n’était à marquer comme lue.', count ? 'success' : 'info');
  });
};
