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
};
