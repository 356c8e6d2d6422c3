import { sql, type Kysely } from 'kysely';

/** Bank details of places (two-person rule), reimbursement runs, statements, expiry warnings. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table bank_accounts (
  id bigint generated always as identity primary key,
  place_id bigint not null references places,
  holder_name text not null,
  iban text not null,
  bic text not null,
  status text not null check (status in ('pending', 'confirmed', 'superseded', 'cancelled')),
  requested_by bigint not null references users,
  requested_at timestamptz not null default now(),
  confirmed_by bigint references users,
  confirmed_at timestamptz,
  check (confirmed_by is null or confirmed_by <> requested_by)
);
create unique index bank_accounts_one_confirmed on bank_accounts (place_id) where status = 'confirmed';
create unique index bank_accounts_one_pending on bank_accounts (place_id) where status = 'pending';

create table reimbursement_runs (
  id bigint generated always as identity primary key,
  until date not null,
  status text not null default 'ready' check (status in ('ready', 'paid')),
  message_id text not null unique,
  statement_count integer not null default 0,
  voucher_count integer not null default 0,
  total_cents bigint not null default 0,
  created_by bigint references users,
  created_at timestamptz not null default now(),
  paid_by bigint references users,
  paid_at timestamptz
);

create table statements (
  id bigint generated always as identity primary key,
  run_id bigint not null references reimbursement_runs,
  place_id bigint not null references places,
  organisation_id bigint references organisations,
  bank_account_id bigint not null references bank_accounts,
  voucher_count integer not null default 0,
  total_cents bigint not null default 0,
  status text not null default 'included' check (status in ('included', 'paid', 'rejected')),
  rejected_by bigint references users,
  rejected_at timestamptz,
  rejection_reason text,
  unique (run_id, place_id)
);
create index statements_place on statements (place_id);

-- One line per reimbursed voucher, insert-only: a run writes its lines instead of updating a million vouchers
-- (ADR 0005). A voucher is awaiting reimbursement while it is redeemed and has no line.
-- No foreign keys: each check locks the referenced row, which more than doubled the run (ADR 0005). Lines are
-- written only by the run, in the transaction that creates their statement, from vouchers it has just read;
-- vouchers are never deleted, and a statement is deleted only when it has no line.
create table statement_lines (
  voucher_serial bigint primary key,
  statement_id bigint not null,
  programme_id bigint not null,
  amount_cents integer not null check (amount_cents > 0)
);
create index statement_lines_statement on statement_lines (statement_id);

create table expiry_warnings (
  order_id bigint not null references orders,
  organisation_id bigint not null references organisations,
  sent_at timestamptz not null default now(),
  recipients integer not null,
  primary key (order_id, organisation_id)
);
`.execute(db);
}
