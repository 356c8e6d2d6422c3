import type { RoutePolicies } from '../../http/policy-gate.js';

/** Every route of the pilotage names its action (PILOTAGE_PERMISSIONS); the application refuses to start otherwise. */
export const PILOTAGE_ROUTES: RoutePolicies = {};
