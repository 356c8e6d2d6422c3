import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { requireApiPrincipal } from '../../http/auth.js';
import { idParam } from '../../http/ids.js';
import { apiErrors, iso, isoDateTime, isoOrNull } from '../../http/openapi.js';
import { inboxOf, markNotificationRead } from '../use-cases/inbox.js';

const kind = z.enum(['label_application', 'bank_details', 'order_paid', 'booklets_allocated', 'label_decided', 'bank_details_refused', 'pilotage_nudge', 'expiry']);
const inboxSchema = z.object({
  count: z.object({
    todo: z.number().describe('choses à traiter (dérivées de l’état : elles disparaissent quand c’est fait)'),
    unread: z.number().describe('informations non lues'),
    total: z.number(),
  }),
  todo: z.array(z.object({ kind, title: z.string(), detail: z.string(), since: isoDateTime.nullable(), link: z.string().describe('chemin de la page qui permet d’agir') })),
  info: z.array(z.object({ id: z.number(), kind, subject: z.string(), body: z.string(), link: z.string(), occurredAt: isoDateTime, readAt: isoDateTime.nullable() })),
});

export const notificationsApi: FastifyPluginAsyncZod = async (app) => {
  const { db } = app.platform;

  app.get(
    '/notifications',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Mes notifications : à traiter et informations',
        description:
          'Ce qui attend la personne du jeton (demandes de label de son territoire, coordonnées bancaires qu’elle peut confirmer, carnets de ses organisations qui expirent dans 30 jours), toujours à jour, et les informations qui lui ont été adressées (commande payée, carnets attribués), lues ou non. Seulement les siennes.',
        response: { 200: inboxSchema, ...apiErrors() },
      },
    },
    async (request) => {
      const inbox = await inboxOf(db, requireApiPrincipal(request));
      return {
        count: inbox.count,
        todo: inbox.todo.map((t) => ({ kind: t.kind, title: t.title, detail: t.detail, since: isoOrNull(t.since), link: t.link })),
        info: inbox.info.map((i) => ({ id: i.id, kind: i.kind, subject: i.subject, body: i.body, link: i.link, occurredAt: iso(i.occurredAt), readAt: isoOrNull(i.readAt) })),
      };
    },
  );

  app.post(
    '/notifications/:id/read',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Marquer une de mes informations comme lue',
        description: 'Marque comme lue une information adressée à la personne du jeton (sans effet si elle l’était déjà). Celle d’une autre personne, ou un numéro inconnu, est introuvable (404).',
        params: z.object({ id: idParam }),
        response: { 204: z.null(), ...apiErrors(404) },
      },
    },
    async (request, reply) => {
      await markNotificationRead(db, requireApiPrincipal(request), request.params.id);
      return reply.status(204).send(null);
    },
  );
};
