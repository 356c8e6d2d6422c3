import type { Role } from '../../db/schema.js';
import { hubDepartements, type Principal } from './principal.js';

/**
 * Who may do what, as data: every action of the platform is a row, every kind of actor a column, every cell a
 * scope. Each context declares its rows in its `domain/policies.ts`; the named policies of that file read them;
 * routes declare which action they perform (http/route-policies.ts) and a hook refuses actors without any scope
 * before the handler runs; docs/PERMISSIONS.md is rendered from these tables and kept equal by a test.
 */
export type Actor = 'anonymous' | 'signed_in' | Role | 'org_admin';
export const ACTORS: Actor[] = ['anonymous', 'signed_in', 'prescriber', 'mediator', 'funder', 'hub', 'helper', 'org_admin', 'admin'];
export const ACTOR_LABELS: Record<Actor, string> = {
  anonymous: 'Public (sans compte)',
  signed_in: 'Toute personne connectée',
  prescriber: 'Prescripteur',
  mediator: 'Médiateur',
  funder: 'Financeur',
  hub: 'Hub',
  helper: 'Aidant habilité',
  org_admin: 'Administrateur d’organisation',
  admin: 'Administration nationale',
};

/**
 * all: wherever; own: for its own organisation's resources; territory: for resources in the hub's départements.
 */
export type Scope = 'all' | 'own' | 'territory';
export const SCOPE_LABELS: Record<Scope, string> = { all: 'oui', own: 'sa structure', territory: 'son territoire' };

export interface ActionRule {
  /** What the action is, in French, for docs/PERMISSIONS.md and refusals. */
  label: string;
  /** Actors absent from the map may not perform the action at all. */
  scopes: Partial<Record<Actor, Scope>>;
  /** Extra conditions the named policy adds, in French (shown in docs/PERMISSIONS.md). */
  conditions?: string;
}
export type PermissionTable = Record<string, ActionRule>;

/** The resource an action is aimed at: the organisations it belongs to and the départements it lies in. */
export interface Target {
  organisationIds?: readonly (number | null)[];
  departementCodes?: readonly string[];
}

/** The actors a principal is, with the organisations where it is each. */
function actorOrganisations(principal: Principal | null): Map<Actor, number[]> {
  const actors = new Map<Actor, number[]>();
  if (!principal) return actors.set('anonymous', []);
  actors.set('anonymous', []).set('signed_in', []);
  for (const m of principal.memberships) {
    actors.set(m.role, [...(actors.get(m.role) ?? []), m.organisationId]);
    if (m.isOrgAdmin) actors.set('org_admin', [...(actors.get('org_admin') ?? []), m.organisationId]);
  }
  return actors;
}

/** May this principal attempt the action at all (some actor it is has a scope)? The route gate asks this. */
export function mayAttempt(principal: Principal | null, rule: ActionRule): boolean {
  if (principal?.system) return true;
  return [...actorOrganisations(principal).keys()].some((actor) => rule.scopes[actor] !== undefined);
}

/** May this principal perform the action on this target? */
export function allows(principal: Principal | null, rule: ActionRule, target: Target = {}): boolean {
  if (principal?.system) return true;
  for (const [actor, organisations] of actorOrganisations(principal)) {
    const scope = rule.scopes[actor];
    if (scope === 'all') return true;
    if (scope === 'own' && (target.organisationIds ?? []).some((id) => id !== null && organisations.includes(id))) return true;
    if (scope === 'territory' && principal && actor === 'hub') {
      const covered = hubDepartements(principal);
      if ((target.departementCodes ?? []).some((code) => covered.includes(code))) return true;
    }
  }
  return false;
}

/**
 * What `allows` lets this principal reach, as data, so that a query can select the same targets:
 * allows(principal, rule, target) ⇔ reachMatches(reach(principal, rule), target).
 */
export interface Reach {
  all: boolean;
  organisationIds: number[];
  departementCodes: string[];
}

export function reach(principal: Principal | null, rule: ActionRule): Reach {
  const result: Reach = { all: principal?.system === true, organisationIds: [], departementCodes: [] };
  for (const [actor, organisations] of actorOrganisations(principal)) {
    const scope = rule.scopes[actor];
    if (scope === 'all') result.all = true;
    if (scope === 'own') result.organisationIds.push(...organisations);
    if (scope === 'territory' && principal && actor === 'hub') result.departementCodes.push(...hubDepartements(principal));
  }
  return { all: result.all, organisationIds: [...new Set(result.organisationIds)], departementCodes: [...new Set(result.departementCodes)] };
}

export const reachIsEmpty = (r: Reach): boolean => !r.all && r.organisationIds.length === 0 && r.departementCodes.length === 0;

export function reachMatches(r: Reach, target: Target): boolean {
  return (
    r.all ||
    (target.organisationIds ?? []).some((id) => id !== null && r.organisationIds.includes(id)) ||
    (target.departementCodes ?? []).some((code) => r.departementCodes.includes(code))
  );
}

/** The organisations on whose behalf the principal may perform an `own`-scoped action. */
export function ownOrganisations(principal: Principal, rule: ActionRule): number[] {
  const result = new Set<number>();
  for (const [actor, organisations] of actorOrganisations(principal)) if (rule.scopes[actor] === 'own') organisations.forEach((id) => result.add(id));
  return [...result];
}

/** Who may do an action, in words, e.g. for a refusal: « Médiateur (sa structure), Administration nationale ». */
export function describeAllowed(rule: ActionRule): string {
  return ACTORS.filter((a) => rule.scopes[a]).map((a) => `${ACTOR_LABELS[a]} (${SCOPE_LABELS[rule.scopes[a]!]})`).join(', ');
}

/** docs/PERMISSIONS.md's table for one context, rendered from the data. */
export function renderPermissionTable(title: string, table: PermissionTable): string {
  const header = `| action | ${ACTORS.map((a) => ACTOR_LABELS[a]).join(' | ')} | conditions |`;
  const separator = `| --- | ${ACTORS.map(() => ':---:').join(' | ')} | --- |`;
  const rows = Object.entries(table).map(
    ([name, rule]) => `| \`${name}\` ${rule.label} | ${ACTORS.map((a) => (rule.scopes[a] ? SCOPE_LABELS[rule.scopes[a]!] : '—')).join(' | ')} | ${rule.conditions ?? ''} |`,
  );
  return [`## ${title}`, '', header, separator, ...rows, ''].join('\n');
}
