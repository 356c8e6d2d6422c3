import type { PermissionTable } from '../../accounts/domain/permissions.js';

/**
 * Notifications (docs/PERMISSIONS.md is rendered from this table). Everyone signed in has an inbox, and only their
 * own: what it lists is chosen by the policies of the actions it points to (notifications/domain/kinds.ts).
 */
export const NOTIFICATIONS_PERMISSIONS = {
  'notifications.read': {
    label: 'voir ses notifications : ce qui attend la personne et les informations qui la concernent',
    scopes: { signed_in: 'all' },
    conditions: 'seulement les siennes ; « à traiter » suit la politique de chaque action (la même qui permet d’agir)',
  },
  'notifications.mark_read': {
    label: 'marquer ses notifications comme lues',
    scopes: { signed_in: 'all' },
    conditions: 'seulement les siennes : celle d’une autre personne est introuvable',
  },
} satisfies PermissionTable;
