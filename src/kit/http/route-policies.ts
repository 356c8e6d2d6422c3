import type { RoutePolicies } from '../../http/policy-gate.js';

export const KIT_ROUTES: RoutePolicies = {
  'GET /diagnostic': 'diagnostic.run',
  'POST /diagnostic': 'diagnostic.run',
  'GET /diagnostic/:id': 'diagnostic.run',
  'POST /diagnostic/:id/reponse': 'diagnostic.run',
  'POST /diagnostic/:id/retour': 'diagnostic.run',
  'POST /diagnostic/:id/lieux': 'diagnostic.run',
  'POST /diagnostic/:id/carnet': 'booklets.hand',
  'GET /diagnostic/:id/synthese': 'diagnostic.run',
  'GET /diagnostic/:id/synthese.pdf': 'diagnostic.run',
  'POST /api/v1/diagnostics': 'diagnostic.run',
  'GET /api/v1/diagnostics/:id': 'diagnostic.run',
  'POST /api/v1/diagnostics/:id/answers': 'diagnostic.run',
  'POST /api/v1/accompaniments': 'accompaniment.record',
  'GET /api/v1/accompaniments/:id': 'accompaniment.read',
  'GET /accompagnements': 'accompaniment.record',
  'POST /accompagnements': 'accompaniment.record',
  'GET /accompagnements/nouveau': 'accompaniment.record',
  'GET /accompagnements/:id': 'accompaniment.read',
};
