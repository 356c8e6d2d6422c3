import { allows, ownOrganisations, type PermissionTable } from '../../accounts/domain/permissions.js';
import { hubDepartements, isAdmin, type Principal } from '../../accounts/domain/principal.js';
import { forbidden } from '../../shared/errors.js';
import type { PilotageFilter } from './filters.js';

/**
 * The pilotage (docs/PERMISSIONS.md is rendered from this table). Who sees which numbers comes from here only: a
 * funder its programmes, a hub its départements, the national administration everything, a place its own activity,
 * a prescriber the booklets it holds, the public the open-data level (rounded, privacy rules applied).
 */
export const PILOTAGE_PERMISSIONS = {
  'pilotage.read': {
    label: 'voir les tableaux de bord de pilotage, les exporter (CSV, tableur, PDF)',
    scopes: { admin: 'all', hub: 'territory', funder: 'own', prescriber: 'own', mediator: 'own' },
    conditions:
      'un hub : les territoires de ses départements ; un financeur : ses programmes ; un prescripteur : ses carnets ; un médiateur : ses lieux ; les cases de moins de 5 personnes sont masquées ; chaque export est journalisé',
  },
  'pilotage.public': {
    label: 'voir les indicateurs publics et la couverture territoriale (niveau open data)',
    scopes: { anonymous: 'all' },
    conditions: 'France, régions, départements, communes ; comptes arrondis sous 100 et cases de moins de 5 personnes masquées ; aucun filtre par organisation',
  },
  'pilotage.sleeping': {
    label: 'voir les carnets et chèques qui dorment (attribués non remis, remis non utilisés, proches de l’échéance)',
    scopes: { admin: 'all', hub: 'territory', funder: 'own', prescriber: 'own' },
    conditions: 'un prescripteur : ses carnets ; un financeur : ceux de ses commandes ; un hub : ceux de ses départements',
  },
  'pilotage.nudges.configure': {
    label: 'régler les relances (seuils en jours, activation)',
    scopes: { admin: 'all' },
  },
  'pilotage.coverage.hub': {
    label: 'voir les communes les moins bien desservies de son territoire',
    scopes: { admin: 'all', hub: 'territory' },
  },
  'opendata.read': {
    label: 'télécharger les données ouvertes (lieux, activité agrégée par commune et par mois, schémas)',
    scopes: { anonymous: 'all' },
    conditions: 'règles de confidentialité appliquées (docs/INDICATEURS.md)',
  },
} satisfies PermissionTable;

/** What the policy needs to know of a filter's targets (read by the use case). */
export interface FilterFacts {
  /** The départements the filtered territory lies in: a commune's, a région's, a hub's; every one for France. */
  territoryDepartements: string[];
  /** The funder and accepted co-funders of the filtered programme (when `programme` is set). */
  programmeFunderIds: number[];
  /** The organisation running the filtered place (when `place` is set). */
  placeOrganisationId: number | null;
}

/** How a principal may read a filter: unchanged, or narrowed to what it owns. */
export type FilterScope = { filter: PilotageFilter; as: 'national' | 'hub' | 'funder' | 'prescriber' | 'mediator' };

const READ = PILOTAGE_PERMISSIONS['pilotage.read'];

/**
 * The filter the principal may read: as asked, when one of its scopes covers it; otherwise narrowed to its own
 * organisation when the filter named none (a funder asking for France sees its own programmes in France); refused
 * when it names someone else's organisation, place or territory.
 */
export function scopeFilter(principal: Principal, filter: PilotageFilter, facts: FilterFacts): FilterScope {
  if (principal.system || isAdmin(principal)) return { filter, as: 'national' };
  const covered = hubDepartements(principal);
  if (facts.territoryDepartements.length > 0 && facts.territoryDepartements.every((code) => covered.includes(code)) && allows(principal, READ, { departementCodes: facts.territoryDepartements }))
    return { filter, as: 'hub' };
  const own = (role: 'funder' | 'prescriber' | 'mediator') => ownOrganisations({ ...principal, memberships: principal.memberships.filter((m) => m.role === role) }, READ);
  const funders = own('funder');
  if (funders.length > 0) {
    if (filter.funder !== null && funders.includes(filter.funder)) return { filter, as: 'funder' };
    if (filter.programme !== null && facts.programmeFunderIds.some((id) => funders.includes(id))) return { filter, as: 'funder' };
    if (filter.funder === null && filter.programme === null && filter.prescriber === null && filter.place === null) return { filter: { ...filter, funder: funders[0]! }, as: 'funder' };
  }
  const prescribers = own('prescriber');
  if (prescribers.length > 0) {
    if (filter.prescriber !== null && prescribers.includes(filter.prescriber)) return { filter, as: 'prescriber' };
    if (filter.prescriber === null && filter.funder === null && filter.programme === null && filter.place === null) return { filter: { ...filter, prescriber: prescribers[0]! }, as: 'prescriber' };
  }
  const mediators = own('mediator');
  if (mediators.length > 0 && filter.place !== null && facts.placeOrganisationId !== null && mediators.includes(facts.placeOrganisationId)) return { filter, as: 'mediator' };
  if (mediators.length > 0 && filter.place === null) throw forbidden('Choisissez un de vos lieux pour voir son activité.', 'lieu_requis');
  throw forbidden('Ces indicateurs ne font pas partie de votre périmètre : un financeur voit ses programmes, un hub ses départements, un lieu son activité.', 'hors_perimetre');
}

/** The public (open-data) level names no organisation, place or programme. */
export function checkPublicFilter(filter: PilotageFilter): void {
  if (filter.funder !== null || filter.prescriber !== null || filter.place !== null || filter.programme !== null || ['funder', 'prescriber', 'place', 'programme'].includes(filter.breakdown ?? ''))
    throw forbidden('Les indicateurs publics ne se filtrent ni par organisation, ni par lieu, ni par programme : connectez-vous.', 'filtre_non_public');
}

/**
 * A hub's worst-served communes ('pilotage.coverage.hub'): the members of that hub, for its départements, and the
 * national administration; not another hub, even one sharing a département.
 */
export function canReadHubCoverage(principal: Principal, hubOrganisationId: number, departements: string[]): boolean {
  if (principal.system || isAdmin(principal)) return true;
  const member = principal.memberships.some((m) => m.role === 'hub' && m.organisationId === hubOrganisationId);
  return member && departements.length > 0 && allows(principal, PILOTAGE_PERMISSIONS['pilotage.coverage.hub'], { departementCodes: departements });
}
