import { allows, type PermissionTable } from '../../accounts/domain/permissions.js';
import { hubDepartements, isAdmin, type Principal } from '../../accounts/domain/principal.js';

/** Places, labels, imports (docs/PERMISSIONS.md is rendered from this table). */
export const PLACES_PERMISSIONS = {
  'place.search': { label: 'chercher des lieux, voir la fiche publique d’un lieu, les communes', scopes: { anonymous: 'all' } },
  'place.export': { label: 'exporter les lieux au standard national (données ouvertes)', scopes: { anonymous: 'all' } },
  'place.hours.preview': { label: 'traduire une grille d’horaires en valeur OpenStreetMap (aperçu du formulaire d’un lieu)', scopes: { anonymous: 'all' } },
  'place.create': { label: 'enregistrer un lieu', scopes: { mediator: 'own', hub: 'territory', admin: 'all' } },
  'place.edit': { label: 'modifier la fiche d’un lieu', scopes: { mediator: 'own', hub: 'territory', admin: 'all' } },
  'place.mine': { label: 'voir les lieux de sa structure', scopes: { mediator: 'own' } },
  'place.import': { label: 'importer des lieux', scopes: { hub: 'territory', admin: 'all' }, conditions: 'chaque ligne du fichier doit être dans le territoire du hub' },
  'place.duplicates': { label: 'examiner les doublons probables, les déclarer distincts, désactiver ou fusionner champ par champ', scopes: { hub: 'territory', admin: 'all' }, conditions: 'les deux fiches de la paire doivent être dans le territoire du hub' },
  'label.criteria.read': { label: 'lire la grille de labellisation', scopes: { anonymous: 'all' } },
  'label.criteria.manage': { label: 'modifier la grille de labellisation', scopes: { admin: 'all' } },
  'label.history.read': { label: 'voir la demande de label d’un lieu et l’historique des décisions', scopes: { mediator: 'own', hub: 'territory', admin: 'all' } },
  'label.apply': { label: 'demander le label pour un lieu', scopes: { mediator: 'own' } },
  'label.review': { label: 'accorder, refuser, suspendre un label', scopes: { hub: 'territory', admin: 'all' } },
  'place.territory': {
    label: 'lister et chercher tous les lieux de son territoire (état du label, commune, département)',
    scopes: { hub: 'territory', admin: 'all' },
    conditions: 'le hub ne voit que les lieux de ses départements',
  },
} satisfies PermissionTable;

/** What the place rules need to know of a place. */
export interface PlaceFacts {
  organisationId: number | null;
  departementCode: string;
}

const target = (place: PlaceFacts) => ({ organisationIds: [place.organisationId], departementCodes: [place.departementCode] });

/**
 * The départements whose places this principal reviews (labels, imports, duplicates): every one for the national
 * administration (null), those of its hubs otherwise.
 */
export function reviewScope(principal: Principal): string[] | null {
  if (isAdmin(principal)) return null;
  return hubDepartements(principal);
}

export const covers = (departements: string[] | null, departementCode: string) => departements === null || departements.includes(departementCode);

export const canEditPlace = (principal: Principal, place: PlaceFacts): boolean => allows(principal, PLACES_PERMISSIONS['place.edit'], target(place));
export const canCreatePlaceIn = (principal: Principal, place: PlaceFacts): boolean => allows(principal, PLACES_PERMISSIONS['place.create'], target(place));
export const canImportPlace = (principal: Principal, departementCode: string): boolean =>
  allows(principal, PLACES_PERMISSIONS['place.import'], { departementCodes: [departementCode] });
export const canReviewLabel = (principal: Principal, place: PlaceFacts): boolean =>
  allows(principal, PLACES_PERMISSIONS['label.review'], { departementCodes: [place.departementCode] });
export const canReadLabelHistory = (principal: Principal, place: PlaceFacts): boolean => allows(principal, PLACES_PERMISSIONS['label.history.read'], target(place));
export const canApplyForLabel = (principal: Principal, place: PlaceFacts): boolean => allows(principal, PLACES_PERMISSIONS['label.apply'], target(place));
export const canReviewDuplicates = (principal: Principal, departementCode: string): boolean =>
  allows(principal, PLACES_PERMISSIONS['place.duplicates'], { departementCodes: [departementCode] });

/** The list of a territory's places: the hub of each département, the administration everywhere. */
export const canListTerritoryPlaces = (principal: Principal, departementCode: string): boolean =>
  allows(principal, PLACES_PERMISSIONS['place.territory'], { departementCodes: [departementCode] });
