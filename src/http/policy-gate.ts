import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { describeAllowed, mayAttempt, type ActionRule, type PermissionTable } from '../accounts/domain/permissions.js';
import { DomainError } from '../shared/errors.js';

/** Which action each route performs: `METHOD /path` (as registered, with the /api/v1 prefix) → action name. */
export type RoutePolicies = Record<string, string>;

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route with the action it performs (the access-matrix test walks them). */
    registeredRoutes: RegisteredRoute[];
  }
  interface FastifyContextConfig {
    /** The action of the permission tables this route performs; set from the route-policies maps. */
    policy?: string;
  }
}

export const routeKey = (method: string, url: string) => `${method} ${url}`;

/**
 * Every route must name its action, or the application does not start: a new route without a policy is caught
 * at once (and by the access-matrix test). Before validation and before the handler, a principal that is none
 * of the actors allowed by the action is refused: anonymous visitors get 401 (API) or the sign-in page, others
 * 403. The finer checks (own organisation, territory, two-person rule…) are the use cases' named policies.
 */
export interface RegisteredRoute {
  method: string;
  url: string;
  policy: string;
}

export function registerPolicyGate(app: FastifyInstance, tables: PermissionTable, routePolicies: RoutePolicies): { missing: string[]; registered: RegisteredRoute[] } {
  const missing: string[] = [];
  const registered: RegisteredRoute[] = [];
  app.addHook('onRoute', (route) => {
    const methods = (Array.isArray(route.method) ? route.method : [route.method]).filter((m) => m !== 'HEAD');
    for (const method of methods) {
      const key = routeKey(method, route.url);
      const wildcard = Object.keys(routePolicies).find((k) => k.endsWith('*') && key.startsWith(k.slice(0, -1)));
      const policy = routePolicies[key] ?? (wildcard ? routePolicies[wildcard] : undefined);
      if (!policy || !tables[policy]) {
        missing.push(key);
        continue;
      }
      route.config = { ...(route.config ?? {}), policy };
      registered.push({ method, url: route.url, policy });
    }
  });
  app.addHook('onReady', async () => {
    if (missing.length) throw new Error(`Routes sans politique d’accès (ajoutez-les à http/route-policies.ts de leur contexte) : ${missing.join(', ')}`);
  });
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    const policy = request.routeOptions.config.policy;
    const rule: ActionRule | undefined = policy ? tables[policy] : undefined;
    if (!rule) return; // the not-found handler
    if (mayAttempt(request.principal, rule)) return;
    const api = request.url.startsWith('/api/');
    if (!request.principal) {
      if (!api && request.method === 'GET') return reply.redirect(`/connexion?retour=${encodeURIComponent(request.url)}`);
      throw new DomainError('unauthenticated', 'non_authentifie', api
        ? 'Authentification requise : envoyez un en-tête « Authorization: Bearer <jeton> » (voir « inclusif tokens create »).'
        : 'Connectez-vous pour continuer.');
    }
    throw new DomainError('forbidden', 'interdit', `Cette action (${rule.label}) est réservée à : ${describeAllowed(rule)}.`);
  });
  app.decorate('registeredRoutes', registered);
  return { missing, registered };
}
