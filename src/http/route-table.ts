import type { PermissionTable } from '../accounts/domain/permissions.js';
import { ACCOUNTS_PERMISSIONS } from '../accounts/domain/policies.js';
import { ACCOUNTS_ROUTES } from '../accounts/http/route-policies.js';
import { KIT_PERMISSIONS } from '../kit/domain/policies.js';
import { KIT_ROUTES } from '../kit/http/route-policies.js';
import { PASS_PERMISSIONS } from '../pass/domain/policies.js';
import { PASS_ROUTES } from '../pass/http/route-policies.js';
import { PLACES_PERMISSIONS } from '../places/domain/policies.js';
import { PLACES_ROUTES } from '../places/http/route-policies.js';
import { REIMBURSEMENT_PERMISSIONS } from '../reimbursement/domain/policies.js';
import { REIMBURSEMENT_ROUTES } from '../reimbursement/http/route-policies.js';
import { TERRITORIES_ROUTES } from '../territories/http/route-policies.js';
import { PILOTAGE_PERMISSIONS } from '../pilotage/domain/policies.js';
import { PILOTAGE_ROUTES } from '../pilotage/http/route-policies.js';
import { NOTIFICATIONS_PERMISSIONS } from '../notifications/domain/policies.js';
import { NOTIFICATIONS_ROUTES } from '../notifications/http/route-policies.js';
import type { RoutePolicies } from './policy-gate.js';

/** The platform's own public routes: home page, static files, health, the OpenAPI document. */
export const PLATFORM_PERMISSIONS = {
  'site.public': { label: 'pages d’accueil, fichiers statiques, santé du service, document OpenAPI', scopes: { anonymous: 'all' } },
} satisfies PermissionTable;

const PLATFORM_ROUTES: RoutePolicies = {
  'GET /dsfr/*': 'site.public',
  'GET /assets/*': 'site.public',
  'GET /leaflet/*': 'site.public',
  'GET /api/v1/health': 'site.public',
  'GET /api/v1/openapi.json': 'site.public',
};

/** Every context's table, in the order of docs/PERMISSIONS.md. */
export const PERMISSION_SECTIONS: { title: string; table: PermissionTable }[] = [
  { title: 'Plateforme', table: PLATFORM_PERMISSIONS },
  { title: 'Comptes et organisations', table: ACCOUNTS_PERMISSIONS },
  { title: 'Pass numérique', table: PASS_PERMISSIONS },
  { title: 'Lieux de médiation et labels', table: PLACES_PERMISSIONS },
  { title: 'Remboursement des lieux', table: REIMBURSEMENT_PERMISSIONS },
  { title: 'Kit d’intervention rapide', table: KIT_PERMISSIONS },
  { title: 'Pilotage et données ouvertes', table: PILOTAGE_PERMISSIONS },
  { title: 'Notifications', table: NOTIFICATIONS_PERMISSIONS },
];

export const ALL_PERMISSIONS: PermissionTable = Object.assign({}, ...PERMISSION_SECTIONS.map((s) => s.table));

export const ALL_ROUTES: RoutePolicies = {
  ...PLATFORM_ROUTES,
  ...ACCOUNTS_ROUTES,
  ...TERRITORIES_ROUTES,
  ...PASS_ROUTES,
  ...PLACES_ROUTES,
  ...REIMBURSEMENT_ROUTES,
  ...KIT_ROUTES,
  ...PILOTAGE_ROUTES,
  ...NOTIFICATIONS_ROUTES,
};
