import { sql, type Kysely } from 'kysely';

/**
 * The pilotage's aggregates (ADR 0010). Base-table writes never touch an aggregate: statement-level triggers (with
 * transition tables) only insert the Paris days they touched into `pilotage_dirty_days`, an insert-only table, so
 * concurrent redemptions share no row. `refreshPilotage` (every 30 s on every instance, one at a time) recomputes
 * those days' facts, then their département days and months.
 *
 * - `pilotage_facts`: additive daily facts in long format with every dimension of the filters;
 * - `pilotage_dept_days` / `pilotage_dept_months`: the same without commune, prescriber and place, per day and per
 *   month, so France, région, hub and département queries read whole months and the partial months' days.
 * `beneficiaries` is the exact number of distinct people of a fact row; a rollup keeps its max (a lower bound of the
 * distinct people of the rows it sums) and its sum (an upper bound).
 */
const PARIS = (column: string) => `(${column} at time zone 'Europe/Paris')::date`;

/** What each base table's rows date (old and new rows: an undone redemption dirties its old day). */
const TRIGGERS: Record<string, (rows: string) => string> = {
  orders: (r) => `select ${PARIS('issued_at')} from ${r} where issued_at is not null
                  union select ${PARIS('paid_at')} from ${r} where paid_at is not null`,
  order_cofunding: (r) => `select ${PARIS('o.paid_at')} from ${r} x join orders o on o.id = x.order_id where o.paid_at is not null`,
  booklets: (r) => `select ${PARIS('allocated_at')} from ${r} where allocated_at is not null
                    union select ${PARIS('handed_at')} from ${r} where handed_at is not null`,
  // A new redemption changes only its own day (a booklet's first use cannot move earlier, a booklet becoming fully
  // used is dated by this redemption); the booklet's first and last redemptions are dirtied below, when one of its
  // redemptions is undone or re-dated.
  vouchers: (r) => `select ${PARIS('redeemed_at')} from ${r} where redeemed_at is not null
                    union select ${PARIS('expires_at')} from ${r} where status = 'expired'`,
  accompaniments: (r) => `select occurred_on from ${r}`,
  accompaniment_participants: (r) => `select a.occurred_on from ${r} x join accompaniments a on a.id = x.accompaniment_id`,
  // A booklet's latest follow-up dates its measured progress: every finished diagnostic of the booklet may move it.
  diagnostics: (r) => `select ${PARIS('finished_at')} from ${r} where finished_at is not null
                       union select ${PARIS('d.finished_at')} from diagnostics d
                         where d.booklet_id in (select booklet_id from ${r} where booklet_id is not null) and d.finished_at is not null`,
  reimbursement_runs: (r) => `select ${PARIS('created_at')} from ${r}`,
  statements: (r) => `select ${PARIS('u.created_at')} from ${r} x join reimbursement_runs u on u.id = x.run_id`,
  statement_lines: (r) => `select ${PARIS('u.created_at')} from ${r} x join statements s on s.id = x.statement_id join reimbursement_runs u on u.id = s.run_id`,
};

export const PILOTAGE_TRIGGER_TABLES = Object.keys(TRIGGERS);

/**
 * The current first and last redemption days of the booklets of some vouchers (people reached, delays, booklets fully
 * used): they move only when a redemption is undone, re-dated or deleted, never on a new redemption.
 */
const bookletEnds = (booklets: string) => `select ${PARIS('v.redeemed_at')} from vouchers v
  where v.booklet_id in (${booklets}) and v.status = 'redeemed'
    and (v.redeemed_at = (select min(w.redeemed_at) from vouchers w where w.booklet_id = v.booklet_id and w.status = 'redeemed')
      or v.redeemed_at = (select max(w.redeemed_at) from vouchers w where w.booklet_id = v.booklet_id and w.status = 'redeemed'))`;

/** Extra days per table and operation, beyond the days of the old and new rows. */
const EXTRA_DAYS: Record<string, Partial<Record<'UPDATE' | 'DELETE', string>>> = {
  vouchers: {
    UPDATE: bookletEnds(`select o.booklet_id from old_rows o join new_rows n on n.serial = o.serial
      where o.redeemed_at is not null and n.redeemed_at is distinct from o.redeemed_at`),
    DELETE: bookletEnds('select booklet_id from old_rows where redeemed_at is not null'),
  },
};

function triggerSql(table: string): string {
  const days = TRIGGERS[table]!;
  const insert = (select: string) => `insert into pilotage_dirty_days (day) select distinct day from (${select}) as touched(day) where day is not null;`;
  const extra = (op: 'UPDATE' | 'DELETE') => (EXTRA_DAYS[table]?.[op] ? `if tg_op = '${op}' then ${insert(EXTRA_DAYS[table]![op]!)} end if;` : '');
  return `
create function pilotage_dirty_${table}() returns trigger language plpgsql as $fn$
begin
  if tg_op in ('INSERT', 'UPDATE') then ${insert(days('new_rows'))} end if;
  if tg_op in ('UPDATE', 'DELETE') then ${insert(days('old_rows'))} end if;
  ${extra('UPDATE')}
  ${extra('DELETE')}
  return null;
end $fn$;
create trigger pilotage_dirty_${table}_insert after insert on ${table} referencing new table as new_rows for each statement execute function pilotage_dirty_${table}();
create trigger pilotage_dirty_${table}_update after update on ${table} referencing old table as old_rows new table as new_rows for each statement execute function pilotage_dirty_${table}();
create trigger pilotage_dirty_${table}_delete after delete on ${table} referencing old table as old_rows for each statement execute function pilotage_dirty_${table}();`;
}

const ROLLUP_COLUMNS = `
  metric text not null,
  departement_code text,
  programme_id bigint,
  funder_id bigint,
  theme text,
  bucket integer,
  count bigint not null,
  amount_cents bigint not null,
  beneficiaries_max integer not null,
  beneficiaries_sum integer not null`;

const FRANCE_COLUMNS = `
  metric text not null,
  theme text,
  bucket integer,
  count bigint not null,
  amount_cents bigint not null,
  beneficiaries_max integer not null,
  beneficiaries_sum integer not null`;

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`
create table pilotage_facts (
  day date not null,
  metric text not null,
  departement_code text,
  commune_code text,
  programme_id bigint,
  funder_id bigint,
  prescriber_id bigint,
  place_id bigint,
  theme text,
  bucket integer,
  count bigint not null,
  amount_cents bigint not null,
  beneficiaries integer not null
);
create index pilotage_facts_day on pilotage_facts (day);
create index pilotage_facts_departement on pilotage_facts (departement_code, day);
create index pilotage_facts_commune on pilotage_facts (commune_code, day);
create index pilotage_facts_funder on pilotage_facts (funder_id, day) where funder_id is not null;
create index pilotage_facts_prescriber on pilotage_facts (prescriber_id, day) where prescriber_id is not null;
create index pilotage_facts_place on pilotage_facts (place_id, day) where place_id is not null;
create index pilotage_facts_programme on pilotage_facts (programme_id, day) where programme_id is not null;

-- The rows per accompaniment theme are read only by the theme breakdown: partial indexes keep them apart.
create table pilotage_dept_days (day date not null, ${ROLLUP_COLUMNS});
create index pilotage_dept_days_day on pilotage_dept_days (day, departement_code) where theme is null;
create index pilotage_dept_days_departement on pilotage_dept_days (departement_code, day) where theme is null;
create index pilotage_dept_days_theme on pilotage_dept_days (day, departement_code) where theme is not null;
-- A funder or a programme over France reads its own rows, not every département's (1.5 M rows a year at national volume).
create index pilotage_dept_days_funder on pilotage_dept_days (funder_id, day) where theme is null and funder_id is not null;
create index pilotage_dept_days_programme on pilotage_dept_days (programme_id, day) where theme is null and programme_id is not null;
create table pilotage_dept_months (month date not null, ${ROLLUP_COLUMNS});
create index pilotage_dept_months_month on pilotage_dept_months (month, departement_code) where theme is null;
create index pilotage_dept_months_departement on pilotage_dept_months (departement_code, month) where theme is null;
create index pilotage_dept_months_theme on pilotage_dept_months (month, departement_code) where theme is not null;
create index pilotage_dept_months_funder on pilotage_dept_months (funder_id, month) where theme is null and funder_id is not null;
create index pilotage_dept_months_programme on pilotage_dept_months (programme_id, month) where theme is null and programme_id is not null;

-- France without an organisation filter: the same without département, programme and funder (a few rows a day).
create table pilotage_france_days (day date not null, ${FRANCE_COLUMNS});
create index pilotage_france_days_day on pilotage_france_days (day);
create table pilotage_france_months (month date not null, ${FRANCE_COLUMNS});
create index pilotage_france_months_month on pilotage_france_months (month);

create table pilotage_dirty_days (id bigserial primary key, day date not null);

-- What recomputing one day reads.
create index vouchers_redeemed_day on vouchers (redeemed_at) where status = 'redeemed';
create index vouchers_expired_day on vouchers (expires_at) where status = 'expired';
create index booklets_allocated_day on booklets (allocated_at) where allocated_at is not null;
create index booklets_handed_day on booklets (handed_at) where handed_at is not null;
create index orders_issued_day on orders (issued_at) where issued_at is not null;
create index orders_paid_day on orders (paid_at) where paid_at is not null;
create index accompaniments_day on accompaniments (occurred_on);
create index diagnostics_finished_day on diagnostics (finished_at) where finished_at is not null;
create index reimbursement_runs_day on reimbursement_runs (created_at);
create index statements_run on statements (run_id);
${PILOTAGE_TRIGGER_TABLES.map(triggerSql).join('\n')}
`).execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  const drops = PILOTAGE_TRIGGER_TABLES.flatMap((table) => [
    ...['insert', 'update', 'delete'].map((event) => `drop trigger if exists pilotage_dirty_${table}_${event} on ${table};`),
    `drop function if exists pilotage_dirty_${table}();`,
  ]);
  await sql.raw(`${drops.join('\n')}
drop index if exists vouchers_redeemed_day; drop index if exists vouchers_expired_day; drop index if exists booklets_allocated_day;
drop index if exists booklets_handed_day; drop index if exists orders_issued_day; drop index if exists orders_paid_day;
drop index if exists accompaniments_day; drop index if exists diagnostics_finished_day; drop index if exists reimbursement_runs_day;
drop index if exists statements_run;
drop table if exists pilotage_dirty_days; drop table if exists pilotage_france_days; drop table if exists pilotage_france_months; drop table if exists pilotage_dept_months; drop table if exists pilotage_dept_days; drop table if exists pilotage_facts;
delete from app_settings where key like 'pilotage.%';`).execute(db);
}
