import type { RoutePolicies } from '../../http/policy-gate.js';

export const NOTIFICATIONS_ROUTES: RoutePolicies = {
  'GET /notifications': 'notifications.read',
  'POST /notifications/:id/lue': 'notifications.mark_read',
  'POST /notifications/:id/ouverture': 'notifications.mark_read',
  'POST /notifications/lues': 'notifications.mark_read',
  'GET /api/v1/notifications': 'notifications.read',
  'POST /api/v1/notifications/:id/read': 'notifications.mark_read',
};
