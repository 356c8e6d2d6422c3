import type { Kysely } from 'kysely';
import { organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { canReadStatement, canRunReimbursements } from '../domain/policies.js';
import { placeFacts } from '../../places/use-cases/access.js';
import type { DB } from '../../db/schema.js';
import { forbidden, notFound } from '../../shared/errors.js';

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
