import type { RoutePolicies } from '../../http/policy-gate.js';

/** Every route of the pilotage names its action (PILOTAGE_PERMISSIONS); the application refuses to start otherwise. */
export const PILOTAGE_ROUTES: RoutePolicies = {
  // The dashboards and their outputs (pilotage/http/pages.ts, api.ts): the public variant is the open-data level.
  'GET /pilotage': 'pilotage.read',
  'GET /pilotage/indicateurs.csv': 'pilotage.read',
  'GET /pilotage/indicateurs.xlsx': 'pilotage.read',
  'GET /pilotage/indicateurs.pdf': 'pilotage.read',
  'GET /api/v1/pilotage/indicators': 'pilotage.read',
  'GET /api/v1/pilotage/indicators.csv': 'pilotage.read',
  'GET /api/v1/pilotage/public/indicators': 'pilotage.public',
  'GET /api/v1/pilotage/public/indicators.csv': 'pilotage.public',
  'GET /api/v1/open-data': 'opendata.read',
  'GET /api/v1/open-data/activite-communes.csv': 'opendata.read',
  'GET /api/v1/open-data/activite-communes.schema.json': 'opendata.read',
  'GET /api/v1/open-data/lieux.csv': 'opendata.read',
  'GET /api/v1/open-data/lieux.schema.json': 'opendata.read',
  'GET /api/v1/open-data/CHANGELOG.md': 'opendata.read',
  'GET /api/v1/open-data/README.md': 'opendata.read',
  'GET /donnees-ouvertes': 'opendata.read',
  // Sleeping vouchers and nudges (sleeping-pages.ts, sleeping-api.ts).
  'GET /pilotage/dormants': 'pilotage.sleeping',
  'GET /pilotage/dormants.csv': 'pilotage.sleeping',
  'GET /api/v1/pilotage/sleeping': 'pilotage.sleeping',
  'GET /pilotage/relances': 'pilotage.nudges.configure',
  'POST /pilotage/relances': 'pilotage.nudges.configure',
  // Coverage gaps (coverage-pages.ts): public, no personal data; a hub's worst-served communes for the hub.
  'GET /pilotage/couverture': 'pilotage.public',
  'GET /pilotage/couverture.csv': 'pilotage.public',
  'GET /pilotage/couverture/:departement': 'pilotage.public',
  'GET /pilotage/couverture/:departement.csv': 'pilotage.public',
  'GET /pilotage/couverture/hub/:id': 'pilotage.coverage.hub',
  'GET /api/v1/pilotage/coverage': 'pilotage.public',
};
