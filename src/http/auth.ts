import type { FastifyReply, FastifyRequest } from 'fastify';
import { recordApiTokenUse } from '../accounts/use-cases/api-tokens.js';
import { hashToken } from '../accounts/use-cases/credentials.js';
import { principalByCredential, type Principal } from '../accounts/use-cases/principal.js';
import type { TokenPrincipalCache } from '../accounts/use-cases/token-cache.js';
import { DomainError } from '../shared/errors.js';

export const SESSION_COOKIE = 'ni_session';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    tokenCache: TokenPrincipalCache;
  }
}

export async function principalFromBearer(request: FastifyRequest): Promise<Principal | null> {
  const header = request.headers.authorization;
  if (!header?.startsWith('Bearer ')) return null;
  const tokenHash = hashToken(header.slice(7).trim());
  const cache = request.server.tokenCache;
  const cached = cache.get(tokenHash);
  if (cached) return cached;
  const principal = await principalByCredential(request.server.platform.pool, 'api_token', tokenHash);
  if (principal) {
    cache.set(tokenHash, principal);
    // « Dernière utilisation » on the tokens page: written when the cache misses, at most once a minute.
    await recordApiTokenUse(request.server.platform.pool, tokenHash);
  }
  return principal;
}

export async function principalFromSession(request: FastifyRequest): Promise<Principal | null> {
  const token = request.cookies[SESSION_COOKIE];
  if (!token) return null;
  return principalByCredential(request.server.platform.pool, 'session', hashToken(token));
}

export function requireApiPrincipal(request: FastifyRequest): Principal {
  if (!request.principal) {
    throw new DomainError('unauthenticated', 'non_authentifie', 'Authentification requise : envoyez un en-tête « Authorization: Bearer <jeton> » (voir « inclusif tokens create »).');
  }
  return request.principal;
}

/** Pages send an anonymous visitor to the sign-in page and bring them back afterwards. */
export function requirePagePrincipal(request: FastifyRequest, reply: FastifyReply): Principal | null {
  if (request.principal) return request.principal;
  void reply.redirect(`/connexion?retour=${encodeURIComponent(request.url)}`);
  return null;
}
