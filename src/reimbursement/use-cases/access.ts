import type { Kysely } from 'kysely';
import { organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { canReadStatement, canRunReimbursements } from '../domain/policies.js';
import { placeFacts } from '../../places/use-cases/access.js';
import type { DB } from '../../db/schema.js';
import { forbidden, notFound } from '../../shared/errors.js';
import { readPage } from '../../shared/paged-query.js';
import type { PageRequest } from '../../shared/pagination.js';

export function requireOperator(principal: Principal): void {
  if (!canRunReimbursements(principal)) throw forbidden('Les remboursements sont préparés et payés par l’opérateur (administration nationale).');
}

/** A statement is seen by its place's mediators, the hub of the place's territory and the operator. */
export async function requireStatementReader(db: Kysely<DB>, principal: Principal, statementId: number): Promise<void> {
  const statement = await db
    .selectFrom('statements as s')
    .innerJoin('places as p', 'p.id', 's.place_id')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .select(['s.organisation_id', 'c.departement_code'])
    .where('s.id', '=', statementId)
    .executeTakeFirst();
  if (!statement) throw notFound('Ce relevé n’existe pas.');
  if (canReadStatement(principal, placeFacts(statement))) return;
  throw forbidden('Ce relevé est celui d’un autre lieu.');
}

/** Statements of the places a mediator runs. */
export async function statementsOfMediator(db: Kysely<DB>, principal: Principal) {
  const organisations = organisationsWithRole(principal, 'mediator');
  if (organisations.length === 0) return [];
  return db
    .selectFrom('statements as s')
    .innerJoin('reimbursement_runs as r', 'r.id', 's.run_id')
    .innerJoin('places as p', 'p.id', 's.place_id')
    .select(['s.id', 's.run_id', 'r.until', 'r.created_at', 'p.name as place_name', 's.voucher_count', 's.total_cents', 's.status', 's.rejection_reason'])
    .where('s.organisation_id', 'in', organisations)
    .orderBy('s.id', 'desc')
    .execute();
}

export const STATEMENT_STATUS_LABELS = { included: 'Virement en cours', paid: 'Payé', rejected: 'Virement rejeté' } as const;

export interface StatementFilters {
  status?: keyof typeof STATEMENT_STATUS_LABELS;
  placeId?: number;
  /** Statements of runs whose period ends between these days (AAAA-MM-JJ), both included. */
  from?: string;
  to?: string;
}

/** One page of the statements of the places a mediator runs (statementsOfMediator's rule), filtered, with the count. */
export async function statementsOfMediatorPage(db: Kysely<DB>, principal: Principal, filters: StatementFilters, request: PageRequest) {
  const organisations = organisationsWithRole(principal, 'mediator');
  let query = db
    .selectFrom('statements as s')
    .innerJoin('reimbursement_runs as r', 'r.id', 's.run_id')
    .innerJoin('places as p', 'p.id', 's.place_id')
    .select(['s.id', 's.run_id', 'r.until', 'r.created_at', 'p.name as place_name', 's.voucher_count', 's.total_cents', 's.status', 's.rejection_reason'])
    .where('s.organisation_id', 'in', organisations.length ? organisations : [0])
    .orderBy('s.id', 'desc');
  if (filters.status) query = query.where('s.status', '=', filters.status);
  if (filters.placeId !== undefined) query = query.where('s.place_id', '=', filters.placeId);
  if (filters.from) query = query.where('r.until', '>=', filters.from);
  if (filters.to) query = query.where('r.until', '<=', filters.to);
  const { rows, page } = await readPage(query, request);
  return { statements: rows, page };
}

/** The places whose statements a mediator reads: those of its organisations. */
export async function placesOfMediator(db: Kysely<DB>, principal: Principal) {
  const organisations = organisationsWithRole(principal, 'mediator');
  if (organisations.length === 0) return [];
  return db.selectFrom('places').select(['id', 'name']).where('organisation_id', 'in', organisations).orderBy('name').orderBy('id').execute();
}
