import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { requirePagePrincipal } from '../../http/auth.js';
import { confirmationStep, renderConfirmation, UNTICKED_MESSAGE, type Confirmation } from '../../http/confirm.js';
import { redirectWithFlash } from '../../http/flash.js';
import { formId } from '../../http/ids.js';
import { field, renderPage, withFormErrors } from '../../http/page.js';
import { frenchDay } from '../../shared/dates.js';
import { API_TOKEN_NAME_MAX } from '../domain/policies.js';
import type { Principal } from '../domain/principal.js';
import { createOwnApiToken, ownApiToken, ownApiTokens, revokeOwnApiToken, type ApiTokenView } from '../use-cases/api-tokens.js';

const PAGE = '/espace/jetons';
const dateTime = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', timeZone: 'Europe/Paris' });
const when = (at: Date) => `${frenchDay(at)} à ${dateTime.format(at).replace(':', ' h ')}`;

/**
 * « Mes jetons d’API »: a person creates, lists and revokes their own tokens (use-cases/api-tokens.ts says whose).
 * The token is shown once, in the answer to the creation form itself: a redirect would have to carry it in a
 * cookie, and nothing else stores it. Revoking asks for a confirmation, then redirects with a message.
 */
export const tokenPages: FastifyPluginAsync = async (app) => {
  const { db } = app.platform;

  const tokensPage = async (request: FastifyRequest, reply: FastifyReply, principal: Principal, extra: Record<string, unknown> = {}, status = 200) => {
    const tokens = await ownApiTokens(db, principal);
    return renderPage(request, reply, 'api-tokens.njk', { title: 'Mes jetons d’API', tokens, live: tokens.filter((t) => !t.revokedAt).length, nameMax: API_TOKEN_NAME_MAX, ...extra }, status);
  };

  app.get(PAGE, async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return tokensPage(request, reply, principal);
  });

  app.post(PAGE, async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    const name = field(request.body, 'nom');
    return withFormErrors(
      async () => {
        const created = await createOwnApiToken(db, principal, name);
        return tokensPage(request, reply, principal, { created: { name: name.replace(/\s+/g, ' '), token: created.token } }, 201);
      },
      ({ message, status }) => tokensPage(request, reply, principal, { name, nameError: message }, status),
    );
  });

  const confirmation = (token: ApiTokenView): Confirmation => ({
    title: 'Confirmer la révocation du jeton',
    consequence: 'Le jeton cessera aussitôt de fonctionner : les logiciels qui l’utilisent recevront un refus. Cette action ne peut pas être annulée ; vous pourrez créer un nouveau jeton.',
    summary: [
      { label: 'Nom', value: token.name },
      { label: 'Début du jeton', value: token.prefix ? `${token.prefix}…` : 'non conservé' },
      { label: 'Créé le', value: frenchDay(token.createdAt) },
      { label: 'Dernière utilisation', value: token.lastUsedAt ? when(token.lastUsedAt) : 'jamais' },
    ],
    action: `${PAGE}/revocation`,
    hidden: { jeton: String(token.id) },
    checkbox: `Je confirme la révocation du jeton « ${token.name} »`,
    button: 'Révoquer le jeton',
    back: PAGE,
  });

  app.post(`${PAGE}/revocation`, async (request, reply) => {
    const principal = requirePagePrincipal(request, reply);
    if (!principal) return reply;
    return withFormErrors(
      async () => {
        const tokenId = formId(field(request.body, 'jeton'), 'Le jeton');
        // Someone else's token is not found, already at the confirmation step.
        const token = await ownApiToken(db, principal, tokenId);
        const step = confirmationStep(request.body);
        if (step !== 'confirmed') return renderConfirmation(request, reply, confirmation(token), step === 'unticked' ? UNTICKED_MESSAGE : undefined);
        const { tokenHash, name } = await revokeOwnApiToken(db, principal, tokenId);
        // This instance forgets the token at once; the others within TOKEN_CACHE_SECONDS.
        app.tokenCache.delete(tokenHash);
        return redirectWithFlash(reply, PAGE, `Le jeton « ${name} » est révoqué : il ne fonctionne plus.`);
      },
      ({ message, status }) => tokensPage(request, reply, principal, { error: message }, status),
    );
  });
};
