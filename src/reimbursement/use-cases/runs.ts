import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { postLedgerTransaction } from '../../pass/use-cases/ledger.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, invalid, notFound } from '../../shared/errors.js';
import { REIMBURSEMENT_LOCK } from '../../shared/locks.js';
import { readPage } from '../../shared/paged-query.js';
import type { PageRequest } from '../../shared/pagination.js';

export interface RunResult {
  runId: number | null;
  statementCount: number;
  voucherCount: number;
  totalCents: number;
  /** Places with redemptions to pay but no confirmed bank details: their vouchers wait for a later run. */
  waiting: { placeId: number; placeName: string; voucherCount: number; totalCents: number }[];
}

/** Test hook: a crash between two steps of the run, to prove the run is all or nothing. */
export type RunStep = 'run' | 'statements' | 'lines' | 'ledger';

export const messageId = (runId: number, until: string) => `NI-RUN-${String(runId).padStart(6, '0')}-${until.replace(/-/g, '')}`;
export const endToEndId = (runId: number, statementId: number) => `NI-R${String(runId).padStart(6, '0')}-S${String(statementId).padStart(8, '0')}`;
export const statementNumber = (runId: number, statementId: number) => `R${String(runId).padStart(6, '0')}-S${String(statementId).padStart(8, '0')}`;

export interface RunOptions {
  crashAfter?: RunStep;
  /** Duration of each step in milliseconds, for the benchmark's breakdown. */
  onStep?: (step: RunStep | 'waiting' | 'totals', ms: number) => void;
}

/**
 * Gathers every redemption up to `until` (included) not yet reimbursed, per place with confirmed bank details, in
 * one transaction: statements, one line per voucher, totals computed from those lines, ledger lines (owed to the
 * place → paid from the bank) and the journal. A voucher with a line is never taken again; a crash leaves nothing.
 */
export async function createRun(db: Kysely<DB>, actorUserId: number | null, until: string, options: RunOptions = {}): Promise<RunResult> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || Number.isNaN(Date.parse(until))) throw invalid('La date de fin de période est au format AAAA-MM-JJ.');
  const { crashAfter } = options;
  let stepStarted = performance.now();
  const lap = (step: RunStep | 'waiting' | 'totals') => {
    const now = performance.now();
    options.onStep?.(step, now - stepStarted);
    stepStarted = now;
  };
  const crash = (step: RunStep) => {
    lap(step);
    if (crashAfter === step) throw new Error(`arrêt simulé après l’étape « ${step} »`);
  };
  return db.transaction().execute(async (trx) => {
    // Undoing a redemption holds this lock shared: once we have it, no undo is in flight, and none starts before we commit.
    await sql`select pg_advisory_xact_lock(${REIMBURSEMENT_LOCK})`.execute(trx);
    const end = sql`(${until}::date + 1)::timestamp at time zone 'Europe/Paris'`;
    const awaiting = sql`v.status = 'redeemed' and v.redeemed_at < ${end} and not exists (select 1 from statement_lines l where l.voucher_serial = v.serial)`;
    const { rows: waiting } = await sql<{ place_id: number; name: string; n: number; total: number }>`
      select v.redeemed_place_id as place_id, p.name, count(*)::int as n, sum(v.face_value_cents)::bigint as total
      from vouchers v join places p on p.id = v.redeemed_place_id
      where ${awaiting} and not exists (select 1 from bank_accounts b where b.place_id = v.redeemed_place_id and b.status = 'confirmed')
      group by v.redeemed_place_id, p.name order by p.name`.execute(trx);
    lap('waiting');
    const result: RunResult = {
      runId: null, statementCount: 0, voucherCount: 0, totalCents: 0,
      waiting: waiting.map((w) => ({ placeId: w.place_id, placeName: w.name, voucherCount: w.n, totalCents: Number(w.total) })),
    };
    const { id: runId } = await trx.insertInto('reimbursement_runs').values({ until, message_id: `pending-${Date.now()}-${Math.random()}`, created_by: actorUserId }).returning('id').executeTakeFirstOrThrow();
    crash('run');
    await sql`
      insert into statements (run_id, place_id, organisation_id, bank_account_id)
      select distinct ${runId}::bigint, v.redeemed_place_id, p.organisation_id, b.id
      from vouchers v
      join places p on p.id = v.redeemed_place_id
      join bank_accounts b on b.place_id = v.redeemed_place_id and b.status = 'confirmed'
      where ${awaiting}`.execute(trx);
    crash('statements');
    // Without statistics on the fresh statements the planner would scan the vouchers once per statement.
    await sql`analyze statements`.execute(trx);
    // The primary key on voucher_serial is what guarantees nothing is paid twice: vouchers already on a statement
    // are skipped by the conflict, not by an anti-join the planner would run against the table being filled.
    await sql`
      insert into statement_lines (voucher_serial, statement_id, programme_id, amount_cents)
      select v.serial, s.id, v.programme_id, v.face_value_cents
      from statements s join vouchers v on v.redeemed_place_id = s.place_id
      where s.run_id = ${runId} and v.status = 'redeemed' and v.redeemed_at < ${end}
      on conflict (voucher_serial) do nothing`.execute(trx);
    crash('lines');
    // Totals from the lines themselves: a redemption committed meanwhile is either in both or in neither.
    const { rows: totals } = await sql<{ id: number; n: number; total: number }>`
      update statements s set voucher_count = t.n, total_cents = t.total
      from (select statement_id, count(*)::int as n, sum(amount_cents)::bigint as total from statement_lines l
            where l.statement_id in (select id from statements where run_id = ${runId}) group by statement_id) t
      where s.id = t.statement_id
      returning s.id, t.n, t.total`.execute(trx);
    await trx.deleteFrom('statements').where('run_id', '=', runId).where('voucher_count', '=', 0).execute();
    if (totals.length === 0) {
      await trx.deleteFrom('reimbursement_runs').where('id', '=', runId).execute();
      return result;
    }
    await postReimbursementLedger(trx, runId);
    crash('ledger');
    result.runId = runId;
    result.statementCount = totals.length;
    result.voucherCount = totals.reduce((sum, t) => sum + t.n, 0);
    result.totalCents = totals.reduce((sum, t) => sum + Number(t.total), 0);
    await trx
      .updateTable('reimbursement_runs')
      .set({ message_id: messageId(runId, until), statement_count: result.statementCount, voucher_count: result.voucherCount, total_cents: result.totalCents })
      .where('id', '=', runId)
      .execute();
    lap('totals');
    await recordAudit(trx, { actorUserId, action: 'reimbursement.run_created', voucherCount: result.voucherCount, details: { runId, until, statements: result.statementCount, totalCents: result.totalCents } });
    return result;
  });
}

/** One balanced transaction per statement and programme: place_payable settled, bank paid out. */
async function postReimbursementLedger(trx: Kysely<DB>, runId: number) {
  await sql`
    with lines as (
      select s.id as statement_id, l.programme_id, s.organisation_id, sum(l.amount_cents)::bigint as amount, gen_random_uuid() as transaction_id
      from statements s join statement_lines l on l.statement_id = s.id
      where s.run_id = ${runId}
      group by s.id, l.programme_id, s.organisation_id
    )
    insert into ledger_entries (transaction_id, kind, account, programme_id, organisation_id, amount_cents)
    select l.transaction_id, 'reimbursement', line.account, l.programme_id, line.organisation_id, line.amount
    from lines l cross join lateral (values ('place_payable', l.organisation_id, l.amount), ('bank', null::bigint, -l.amount)) as line(account, organisation_id, amount)`.execute(trx);
}

export async function markRunPaid(db: Kysely<DB>, actorUserId: number | null, runId: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('reimbursement_runs').set({ status: 'paid', paid_by: actorUserId, paid_at: new Date() }).where('id', '=', runId).where('status', '=', 'ready').executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) throw conflict('Ce remboursement n’existe pas ou est déjà marqué payé.');
    await trx.updateTable('statements').set({ status: 'paid' }).where('run_id', '=', runId).where('status', '=', 'included').execute();
    await recordAudit(trx, { actorUserId, action: 'reimbursement.run_paid', details: { runId } });
  });
}

/**
 * The bank returned one transfer (closed account, wrong holder): its vouchers go back to the next run and the
 * ledger is reversed, per programme, in the same transaction.
 */
export async function rejectTransfer(db: Kysely<DB>, actorUserId: number | null, statementId: number, reason: string): Promise<void> {
  if (!reason.trim()) throw invalid('Indiquez le motif du rejet donné par la banque.');
  await db.transaction().execute(async (trx) => {
    const statement = await trx.selectFrom('statements').selectAll().where('id', '=', statementId).forUpdate().executeTakeFirst();
    if (!statement) throw notFound('Ce relevé n’existe pas.');
    if (statement.status === 'rejected') throw conflict('Ce virement est déjà marqué rejeté.');
    await sql`select pg_advisory_xact_lock(${REIMBURSEMENT_LOCK})`.execute(trx);
    const byProgramme = await trx
      .selectFrom('statement_lines')
      .select(['programme_id', (eb) => eb.fn.sum<number>('amount_cents').as('amount')])
      .where('statement_id', '=', statementId)
      .groupBy('programme_id')
      .execute();
    for (const line of byProgramme) {
      await postLedgerTransaction(trx, 'reimbursement_rejected', line.programme_id, [
        { account: 'place_payable', amountCents: -Number(line.amount), organisationId: statement.organisation_id },
        { account: 'bank', amountCents: Number(line.amount) },
      ]);
    }
    // Without their lines, the vouchers are awaiting reimbursement again: the next run takes them.
    await trx.deleteFrom('statement_lines').where('statement_id', '=', statementId).execute();
    await trx.updateTable('statements').set({ status: 'rejected', rejected_by: actorUserId, rejected_at: new Date(), rejection_reason: reason.trim() }).where('id', '=', statementId).execute();
    await recordAudit(trx, { actorUserId, organisationId: statement.organisation_id, placeId: statement.place_id, action: 'reimbursement.transfer_rejected', details: { statementId, runId: statement.run_id, reason: reason.trim(), amountCents: statement.total_cents } });
  });
}

export async function listRuns(db: Kysely<DB>) {
  return db.selectFrom('reimbursement_runs').selectAll().orderBy('id', 'desc').limit(100).execute();
}

export const RUN_STATUS_LABELS = { ready: 'À payer', paid: 'Payé' } as const;

export interface RunFilters {
  status?: keyof typeof RUN_STATUS_LABELS;
  /** Runs whose period ends between these days (AAAA-MM-JJ), both included. */
  from?: string;
  to?: string;
}

/** One page of the reimbursement runs, newest first, filtered, with the count (the operator's list). */
export async function listRunsPage(db: Kysely<DB>, filters: RunFilters, request: PageRequest) {
  let query = db.selectFrom('reimbursement_runs').selectAll().orderBy('id', 'desc');
  if (filters.status) query = query.where('status', '=', filters.status);
  if (filters.from) query = query.where('until', '>=', filters.from);
  if (filters.to) query = query.where('until', '<=', filters.to);
  const { rows, page } = await readPage(query, request);
  return { runs: rows, page };
}

export async function getRun(db: Kysely<DB>, runId: number) {
  const run = await db.selectFrom('reimbursement_runs').selectAll().where('id', '=', runId).executeTakeFirst();
  if (!run) throw notFound('Ce remboursement n’existe pas.');
  const statements = await db
    .selectFrom('statements as s')
    .innerJoin('places as p', 'p.id', 's.place_id')
    .innerJoin('bank_accounts as b', 'b.id', 's.bank_account_id')
    .select(['s.id', 's.place_id', 'p.name as place_name', 's.voucher_count', 's.total_cents', 's.status', 's.rejection_reason', 'b.holder_name', 'b.iban', 'b.bic'])
    .where('s.run_id', '=', runId)
    .orderBy('s.id')
    .execute();
  return { run, statements };
}
