import { allows, type PermissionTable } from '../../accounts/domain/permissions.js';
import type { Principal } from '../../accounts/domain/principal.js';

/** The kit d'intervention rapide (docs/PERMISSIONS.md is rendered from this table). */
export const KIT_PERMISSIONS = {
  'diagnostic.run': { label: 'faire un diagnostic, le reprendre, en lire la synthèse', scopes: { anonymous: 'all' }, conditions: 'l’identifiant aléatoire du diagnostic est sa seule clé ; le deuxième diagnostic demande le numéro et le code secret du carnet' },
  'accompaniment.record': { label: 'enregistrer un atelier ou un accompagnement', scopes: { mediator: 'own' } },
  'accompaniment.read': { label: 'voir un atelier ou un accompagnement', scopes: { mediator: 'own', admin: 'all' } },
} satisfies PermissionTable;

export const canReadAccompaniment = (principal: Principal, placeOrganisationId: number | null): boolean =>
  allows(principal, KIT_PERMISSIONS['accompaniment.read'], { organisationIds: [placeOrganisationId] });
