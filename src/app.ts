import { httpStatus } from './http/errors.js';
import './shared/zod-french.js';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyMultipart from '@fastify/multipart';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifyView from '@fastify/view';
import Fastify, { type FastifyError, type FastifyInstance, type RouteOptions } from 'fastify';
import { hasZodFastifySchemaValidationErrors, jsonSchemaTransformObject, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { OPENAPI_TAGS, openApiTransform } from './http/openapi.js';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import nunjucks from 'nunjucks';
import type { Config } from './config.js';
import type { DatabaseKind } from './db/database.js';
import type { DB } from './db/schema.js';
import { accountsApi } from './accounts/http/api.js';
import { accountsPages } from './accounts/http/pages.js';
import { sitePages } from './accounts/http/site-pages.js';
import { tokenPages } from './accounts/http/token-pages.js';
import { passApi } from './pass/http/api.js';
import { passPages } from './pass/http/pages.js';
import { operatorPages } from './pass/http/operator-pages.js';
import { placesApi } from './places/http/api.js';
import { placesPages } from './places/http/pages.js';
import { territoryPages } from './places/http/list-pages.js';
import { duplicatePages } from './places/http/duplicate-pages.js';
import { reimbursementPages } from './reimbursement/http/pages.js';
import { reimbursementApi } from './reimbursement/http/api.js';
import { kitApi } from './kit/http/api.js';
import { kitPages } from './kit/http/pages.js';
import { accompanimentPages } from './kit/http/accompaniment-pages.js';
import { notificationsApi } from './notifications/http/api.js';
import { pilotageApi } from './pilotage/http/api.js';
import { pilotagePages } from './pilotage/http/pages.js';
import { OPEN_DATA_CACHE, openDataApi } from './pilotage/http/open-data-api.js';
import { openDataPages } from './pilotage/http/open-data-pages.js';
import { sleepingApi } from './pilotage/http/sleeping-api.js';
import { sleepingPages } from './pilotage/http/sleeping-pages.js';
import { coverageApi, coveragePages } from './pilotage/http/coverage-pages.js';
import { dashboardSummary } from './pilotage/use-cases/summary.js';
import './http/dashboard-summary.js';
import { notificationsPages } from './notifications/http/pages.js';
import { createNotificationDispatcher, type NotificationDispatcher } from './notifications/use-cases/dispatch.js';
import { notificationCount } from './notifications/use-cases/inbox.js';
import { NOTIFYING_POLICIES } from './notifications/domain/kinds.js';
import { loadItemBank } from './kit/use-cases/item-bank-file.js';
import { DomainError } from './shared/errors.js';
import { fromRoot } from './shared/paths.js';
import { postgresRateLimitStore } from './shared/rate-limit.js';
import { territoriesApi } from './territories/http/api.js';
import { TokenPrincipalCache } from './accounts/use-cases/token-cache.js';
import type { Principal } from './accounts/domain/principal.js';
import { principalFromBearer, principalFromSession } from './http/auth.js';
import { renderPage } from './http/page.js';
import { configureTemplates } from './http/templates.js';
import { frameworkErrors, InputRefusal, parseFormBody, registerInputGuards, sendInputRefusal } from './http/input-guards.js';
import { registerPolicyGate } from './http/policy-gate.js';
import { createMailer, type Mailer } from './shared/mailer.js';
import { ALL_PERMISSIONS, ALL_ROUTES } from './http/route-table.js';

export interface Platform {
  db: Kysely<DB>;
  /** The same pool Kysely uses, for the few prepared statements of hot paths. */
  pool: pg.Pool;
  kind: DatabaseKind;
  secret: string;
  config: Config;
  /** Invitations, password resets, warnings; SMTP or the log by default, a capture in tests. */
  mailer?: Mailer;
}

declare module 'fastify' {
  interface FastifyInstance {
    platform: Platform;
    mailer: Mailer;
    /** Journal → notifications → e-mails, after each successful action (src/notifications/use-cases/dispatch.ts). */
    notifications: NotificationDispatcher;
  }
}

/** The tile server's origin, allowed as an image source when the map is on. */
function tileOrigin(template: string): string[] {
  if (!template) return [];
  try {
    return [new URL(template.replace(/[{}]/g, '')).origin];
  } catch {
    return [];
  }
}

export async function buildApp(platform: Platform, options: { logger?: boolean; onRoute?: (route: RouteOptions) => void } = {}): Promise<FastifyInstance> {
  // A broken items file must stop the start, with every problem listed, rather than a diagnostic half-way.
  loadItemBank(platform.config.diagnosticItemsFile);
  const app = Fastify({
    logger: options.logger ? { level: platform.config.logLevel } : false,
    // X-Forwarded-For only from the proxies the operator names (TRUST_PROXY): anyone else could pick their address.
    trustProxy: platform.config.trustProxy,
    // The API answers in French and names the fields it refuses; Fastify's coercion stays off.
    ajv: { customOptions: { coerceTypes: false } },
    frameworkErrors,
  });
  app.decorate('platform', platform);
  // Lets a caller (the bad-input tests) see every route as it is registered.
  if (options.onRoute) app.addHook('onRoute', options.onRoute);
  app.decorate('mailer', platform.mailer ?? createMailer(platform.config, (line) => app.log.info(line)));
  app.decorate('tokenCache', new TokenPrincipalCache(platform.config.tokenCacheSeconds * 1000));
  app.decorate('notifications', createNotificationDispatcher(platform.db, app.mailer, platform.config.publicUrl, (error) => app.log.error(error, 'notifications')));
  // The pilotage's key numbers on the funder report and the hub's pages (src/http/dashboard-summary.ts).
  app.decorate('dashboardSummary', (principal: Principal, query: Record<string, string>) => dashboardSummary(platform.db, principal, query));
  app.decorate('headerNotificationCount', async (principal: Principal) => (await notificationCount(platform.db, principal, new Date(), platform.pool)).total);
  // After the answer is sent (never holding up the action, committed already): what it journaled is notified.
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode < 400 && NOTIFYING_POLICIES.has(request.routeOptions.config.policy ?? '')) app.notifications.kick();
  });
  app.addHook('onClose', async () => app.notifications.idle());
  app.decorateRequest('principal', null);
  // Before any route exists: every route registered from here on must name its action (policy-gate.ts).
  registerPolicyGate(app, ALL_PERMISSIONS, ALL_ROUTES);
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  // Before any route: NUL, broken Unicode, non-UTF-8 bytes and absurd JSON nesting are refused with 400.
  registerInputGuards(app);

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', ...tileOrigin(platform.config.mapTilesUrl)],
        mediaSrc: ["'self'", 'blob:'],
        upgradeInsecureRequests: platform.config.secureCookies ? [] : null,
      },
    },
    // HSTS only when the platform is served over HTTPS: over plain HTTP it would be ignored at best.
    hsts: platform.config.publicUrl.startsWith('https://') ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  });
  // Pages and API answers carry personal or money data (IBANs, statements, booklets): never stored by a browser
  // or a proxy cache. Only the static assets may be cached.
  app.addHook('onSend', async (request, reply) => {
    // The open data (/api/v1/open-data…) is public and the same for everyone: it keeps its own cache header.
    if (/^\/api\/v1\/open-data(\/|\?|$)/.test(request.url) && reply.statusCode === 200 && reply.getHeader('cache-control') === OPEN_DATA_CACHE) return;
    if (!/^\/(dsfr|assets|leaflet)\//.test(request.url)) void reply.header('cache-control', 'no-store');
  });
  await app.register(fastifyCookie, { secret: platform.secret, hook: 'onRequest' });
  await app.register(fastifyFormbody, { parser: parseFormBody });
  // Uploaded files arrive as form fields, so the CSRF check reads the token from the parsed body as for any form.
  await app.register(fastifyMultipart, { attachFieldsToBody: 'keyValues', limits: { fileSize: 100 * 1024 * 1024, files: 1 } });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieOpts: { signed: true, httpOnly: true, sameSite: 'lax', secure: platform.config.secureCookies, path: '/' },
  });
  await app.register(fastifyRateLimit, { global: false, store: postgresRateLimitStore(platform.db) as never });
  await app.register(fastifyStatic, { root: fromRoot('node_modules', '@gouvfr', 'dsfr', 'dist'), prefix: '/dsfr/', decorateReply: false });
  await app.register(fastifyStatic, { root: fromRoot('public'), prefix: '/assets/', decorateReply: false });
  await app.register(fastifyStatic, { root: fromRoot('node_modules', 'leaflet', 'dist'), prefix: '/leaflet/', decorateReply: false });
  await app.register(fastifyView, {
    engine: { nunjucks },
    templates: [fromRoot('src', 'http', 'views'), ...['accounts', 'pass', 'places', 'reimbursement', 'kit', 'pilotage', 'notifications'].map((context) => fromRoot('src', context, 'http', 'views'))],
    options: { onConfigure: (env: nunjucks.Environment) => configureTemplates(env, platform.config) },
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'API Numérique inclusif',
        version: '1.0.0',
        description: 'Pass numérique (programmes, commandes, carnets, chèques), lieux de médiation (recherche, export au standard national, import, labels), kit d’intervention rapide (diagnostic, accompagnements). Authentification : « Authorization: Bearer <jeton> ».',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: OPENAPI_TAGS,
    },
    // Only /api/ routes, each answer described in French (http/openapi.ts); shared schemas as components.
    transform: openApiTransform,
    transformObject: jsonSchemaTransformObject,
  });

  app.addHook('onRequest', async (request) => {
    request.principal = request.url.startsWith('/api/') ? await principalFromBearer(request) : await principalFromSession(request);
  });
  // Form bodies are parsed after onRequest: the CSRF token is checked once they are.
  app.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST' && !request.url.startsWith('/api/')) return app.csrfProtection(request, reply, done);
    done();
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const api = request.url.startsWith('/api/');
    if (error instanceof InputRefusal) return sendInputRefusal(request, reply, error);
    if (error instanceof DomainError) {
      if (api) return reply.status(httpStatus(error)).send({ error: error.code, message: error.message, ...error.details });
      return renderPage(request, reply, 'error.njk', { title: 'Action impossible', message: error.message }, httpStatus(error));
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation.map((issue) => ({ field: issue.instancePath.replace(/^\//, '').replace(/\//g, '.'), message: issue.message }));
      return reply.status(400).send({
        error: 'requete_invalide',
        message: `Requête invalide : ${issues.map((i) => `${i.field || 'corps'} (${i.message})`).join(', ')}.`,
        issues,
      });
    }
    if (error.code === 'FST_CSRF_INVALID_TOKEN' || error.code === 'FST_CSRF_MISSING_SECRET') {
      return renderPage(request, reply, 'error.njk', { title: 'Formulaire expiré', message: 'Ce formulaire a expiré ou ne vient pas de ce site. Revenez à la page précédente, rechargez-la et recommencez.' }, 403);
    }
    if (error.statusCode === 429) {
      const message = 'Trop de tentatives : patientez quelques minutes avant de réessayer.';
      return api ? reply.status(429).send({ error: 'trop_de_tentatives', message }) : renderPage(request, reply, 'error.njk', { title: 'Trop de tentatives', message }, 429);
    }
    if (error.statusCode && error.statusCode < 500) {
      const message = error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'Type de contenu non pris en charge : envoyez du JSON.' : 'Requête invalide.';
      return api ? reply.status(error.statusCode).send({ error: 'requete_invalide', message }) : renderPage(request, reply, 'error.njk', { title: 'Requête invalide', message }, error.statusCode);
    }
    request.log.error(error);
    const message = 'Une erreur inattendue est survenue. Rien n’a été modifié ; réessayez dans un instant.';
    return api ? reply.status(500).send({ error: 'erreur_interne', message }) : renderPage(request, reply, 'error.njk', { title: 'Erreur', message }, 500);
  });
  app.setNotFoundHandler((request, reply) => {
    const message = 'Cette adresse ne correspond à aucune page.';
    return request.url.startsWith('/api/') ? reply.status(404).send({ error: 'introuvable', message }) : renderPage(request, reply, 'error.njk', { title: 'Page introuvable', message }, 404);
  });

  await app.register(
    async (api) => {
      api.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok', database: platform.kind }));
      api.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
      await api.register(accountsApi);
      await api.register(territoriesApi);
      await api.register(passApi);
      await api.register(placesApi);
      await api.register(reimbursementApi);
      await api.register(kitApi);
      await api.register(pilotageApi);
      await api.register(coverageApi);
      await api.register(openDataApi);
      await api.register(sleepingApi);
      await api.register(notificationsApi);
    },
    { prefix: '/api/v1' },
  );
  await app.register(accountsPages);
  await app.register(tokenPages);
  await app.register(sitePages);
  await app.register(passPages);
  await app.register(operatorPages);
  await app.register(placesPages);
  await app.register(territoryPages);
  await app.register(duplicatePages);
  await app.register(reimbursementPages);
  await app.register(kitPages);
  await app.register(accompanimentPages);
  await app.register(pilotagePages);
  await app.register(openDataPages);
  await app.register(sleepingPages);
  await app.register(coveragePages);
  await app.register(notificationsPages);
  return app;
}
