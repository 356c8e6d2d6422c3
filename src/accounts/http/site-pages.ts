import { createRequire } from 'node:module';
import type { FastifyPluginAsync } from 'fastify';
import { mayAttempt } from '../domain/permissions.js';
import { navigationFor, renderPage } from '../../http/page.js';
import { ALL_PERMISSIONS, ALL_ROUTES } from '../../http/route-table.js';
import {
  ACCESSIBILITY_DECLARED_ON,
  ACCESSIBILITY_STATUS,
  AUDITED_PAGES,
  cookies,
  dataCategories,
  JOURNEY_CHECKS,
  NOT_ACCESSIBLE,
  RGAA_VERSION,
} from '../domain/public-service.js';
import type { Principal } from '../domain/principal.js';
import { RESET_MINUTES } from '../use-cases/password-reset.js';
import { INVITATION_DAYS, SESSION_DAYS } from '../use-cases/store.js';

const require = createRequire(import.meta.url);
const axeVersion = (require('axe-core/package.json') as { version: string }).version;

interface SiteLink {
  href: string;
  label: string;
}

/** The pages anyone may open, without an account, in the order of the site map. */
export const PUBLIC_PAGES: SiteLink[] = [
  { href: '/', label: 'Accueil' },
  { href: '/carnet', label: 'Voir mon carnet (numéro et code secret du carnet)' },
  { href: '/lieux', label: 'Trouver un lieu de médiation numérique' },
  { href: '/diagnostic', label: 'Faire le point sur le numérique (diagnostic)' },
  { href: '/connexion', label: 'Se connecter à l’espace professionnel' },
  { href: '/mot-de-passe', label: 'Mot de passe oublié' },
  { href: '/pilotage/couverture', label: 'Couverture territoriale : fragilité numérique et lieux, par département et par commune' },
  { href: '/donnees-ouvertes', label: 'Données ouvertes : lieux et activité par commune' },
  { href: '/mentions-legales', label: 'Mentions légales' },
  { href: '/accessibilite', label: `Accessibilité : ${ACCESSIBILITY_STATUS}` },
  { href: '/donnees-personnelles', label: 'Données personnelles et cookies' },
  { href: '/plan-du-site', label: 'Plan du site' },
];

/** Open data and the API, for people who reuse them. */
export const DATA_LINKS: SiteLink[] = [
  { href: '/api/v1/places/export.csv', label: 'Lieux de médiation au standard national (CSV)' },
  { href: '/api/v1/places/export.json', label: 'Lieux de médiation au standard national (JSON)' },
  { href: '/api/v1/open-data', label: 'Catalogue des données ouvertes (Data Package, JSON)' },
  { href: '/api/v1/openapi.json', label: 'Documentation de l’API (OpenAPI 3.1)' },
];

/** A signed-in person's own pages, then what the menu lets them open (navigationFor: the same permission rules). */
export function signedInPages(principal: Principal | null): SiteLink[] {
  if (!principal) return [];
  const own: SiteLink[] = [
    { href: '/espace', label: 'Mon espace' },
    { href: '/espace/jetons', label: 'Mes jetons d’API' },
    { href: '/notifications', label: 'Notifications' },
  ].filter((link) => {
    const action = ALL_ROUTES[`GET ${link.href}`];
    return action !== undefined && ALL_PERMISSIONS[action] !== undefined && mayAttempt(principal, ALL_PERMISSIONS[action]);
  });
  return [...own, ...navigationFor(principal).filter((link) => !own.some((o) => o.href === link.href))];
}

/** The server the map's tiles come from (the visitor's browser asks it directly), or '' without a map. */
function tileHost(template: string): string {
  try {
    return template ? new URL(template.replace(/[{}]/g, '')).host : '';
  } catch {
    return '';
  }
}

/**
 * The mandatory pages of a public service, open to everyone and working without JavaScript: mentions légales,
 * déclaration d’accessibilité (RGAA), données personnelles, plan du site. The operator's details come from the
 * configuration (config.publicService), what the platform does from domain/public-service.ts.
 */
export const sitePages: FastifyPluginAsync = async (app) => {
  const { config } = app.platform;
  const operator = { name: config.operatorName, ...config.publicService, mapTiles: tileHost(config.mapTilesUrl), smtp: Boolean(config.smtpUrl) };

  app.get('/mentions-legales', async (request, reply) => renderPage(request, reply, 'legal-notice.njk', { title: 'Mentions légales', operator }));

  app.get('/accessibilite', async (request, reply) =>
    renderPage(request, reply, 'accessibility.njk', {
      title: 'Déclaration d’accessibilité',
      operator,
      status: ACCESSIBILITY_STATUS,
      rgaaVersion: RGAA_VERSION,
      declaredOn: ACCESSIBILITY_DECLARED_ON,
      auditedPages: AUDITED_PAGES,
      journeyChecks: JOURNEY_CHECKS,
      notAccessible: NOT_ACCESSIBLE,
      axeVersion,
    }),
  );

  app.get('/donnees-personnelles', async (request, reply) =>
    renderPage(request, reply, 'privacy.njk', {
      title: 'Données personnelles et cookies',
      operator,
      categories: dataCategories({ sessionDays: SESSION_DAYS, invitationDays: INVITATION_DAYS, resetMinutes: RESET_MINUTES }),
      cookies: cookies(SESSION_DAYS),
    }),
  );

  app.get('/plan-du-site', async (request, reply) =>
    renderPage(request, reply, 'sitemap.njk', { title: 'Plan du site', publicPages: PUBLIC_PAGES, dataLinks: DATA_LINKS, ownPages: signedInPages(request.principal) }),
  );
};
