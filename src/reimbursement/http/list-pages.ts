import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { checkPeriod, listView, readListQuery, selectedId, type FilterDefinition } from '../../http/list-query.js';
import { placesOfMediator, STATEMENT_STATUS_LABELS, statementsOfMediatorPage, type StatementFilters } from '../use-cases/access.js';
import { listRunsPage, RUN_STATUS_LABELS, statementNumber, type RunFilters } from '../use-cases/runs.js';

const options = (labels: Record<string, string>) => Object.entries(labels).map(([value, label]) => ({ value, label }));

/** /remboursements (the operator): state of the run, period it covers. */
export async function runsList(db: Kysely<DB>, query: unknown) {
  const definitions: FilterDefinition[] = [
    { name: 'statut', label: 'État', kind: 'select', any: 'Tous', options: options(RUN_STATUS_LABELS) },
    { name: 'du', label: 'Période finissant du', kind: 'date' },
    { name: 'au', label: 'au (inclus)', kind: 'date' },
  ];
  const list = readListQuery(query, definitions);
  checkPeriod(list);
  const { runs, page } = await listRunsPage(db, { status: (list.filters.statut || undefined) as RunFilters['status'], from: list.filters.du || undefined, to: list.filters.au || undefined }, list.request);
  return { runs, page, list: listView('/remboursements', list, definitions, page) };
}

/** /releves (the mediator): state of the transfer, place, period. */
export async function statementsList(db: Kysely<DB>, principal: Principal, query: unknown) {
  const definitions: FilterDefinition[] = [
    { name: 'statut', label: 'État', kind: 'select', any: 'Tous', options: options(STATEMENT_STATUS_LABELS) },
    { name: 'lieu', label: 'Lieu', kind: 'select', any: 'Tous', options: (await placesOfMediator(db, principal)).map((p) => ({ value: String(p.id), label: p.name })) },
    { name: 'du', label: 'Période finissant du', kind: 'date' },
    { name: 'au', label: 'au (inclus)', kind: 'date' },
  ];
  const list = readListQuery(query, definitions);
  checkPeriod(list);
  const { statements, page } = await statementsOfMediatorPage(db, principal, {
    status: (list.filters.statut || undefined) as StatementFilters['status'],
    placeId: selectedId(list.filters.lieu),
    from: list.filters.du || undefined,
    to: list.filters.au || undefined,
  }, list.request);
  return { statements: statements.map((s) => ({ ...s, number: statementNumber(s.run_id, s.id) })), page, list: listView('/releves', list, definitions, page) };
}
