import type { RoutePolicies } from '../../http/policy-gate.js';

export const TERRITORIES_ROUTES: RoutePolicies = {
  'GET /api/v1/communes': 'place.search',
};
