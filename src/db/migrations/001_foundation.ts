import { sql, type Kysely } from 'kysely';

// Written once in SQL both PostgreSQL 15 (production, CI) and PGlite's PostgreSQL 18 accept.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table app_settings (key text primary key, value text not null);

create table regions (code text primary key, name text not null);
create table departements (
  code text primary key,
  region_code text not null references regions,
  name text not null
);
create table communes (
  insee_code text primary key,
  departement_code text not null references departements,
  name text not null,
  postal_codes text[] not null,
  lat double precision,
  lng double precision,
  population integer
);
create index communes_departement on communes (departement_code);

create table organisations (
  id bigint generated always as identity primary key,
  name text not null,
  siret text unique check (siret ~ '^[0-9]{14}$'),
  departement_code text references departements,
  created_at timestamptz not null default now()
);
create table users (
  id bigint generated always as identity primary key,
  email text not null unique,
  display_name text not null,
  password_hash text,
  created_at timestamptz not null default now()
);
create table memberships (
  user_id bigint not null references users on delete cascade,
  organisation_id bigint not null references organisations,
  role text not null check (role in ('prescriber','mediator','funder','hub','helper','admin')),
  is_org_admin boolean not null default false,
  primary key (user_id, organisation_id, role)
);
create table sessions (
  token_hash text primary key,
  user_id bigint not null references users on delete cascade,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create table api_tokens (
  id bigint generated always as identity primary key,
  user_id bigint not null references users on delete cascade,
  name text not null,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  revoked_at timestamptz
);
create table invitations (
  token_hash text primary key,
  organisation_id bigint not null references organisations,
  email text not null,
  role text not null,
  invited_by bigint not null references users,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  accepted_at timestamptz
);
create table rate_limits (
  key text primary key,
  window_start timestamptz not null,
  hits integer not null
);

create table places (
  id bigint generated always as identity primary key,
  organisation_id bigint not null references organisations,
  name text not null,
  commune_code text not null references communes,
  address text not null,
  services text[] not null default '{}',
  active boolean not null default true,
  created_at timestamptz not null default now()
);

create table programmes (
  id bigint generated always as identity primary key,
  name text not null,
  face_value_cents integer not null check (face_value_cents > 0),
  validity_months integer not null check (validity_months between 1 and 60),
  eligible_services text[] not null default '{}',
  allow_direct_handing boolean not null default false,
  created_by_organisation_id bigint not null references organisations,
  created_at timestamptz not null default now()
);
create table programme_departements (
  programme_id bigint not null references programmes,
  departement_code text not null references departements,
  primary key (programme_id, departement_code)
);
create table programme_cofunders (
  programme_id bigint not null references programmes,
  organisation_id bigint not null references organisations,
  share_bp integer not null check (share_bp > 0 and share_bp <= 10000),
  primary key (programme_id, organisation_id)
);

create table orders (
  id bigint generated always as identity primary key,
  programme_id bigint not null references programmes,
  funder_organisation_id bigint not null references organisations,
  booklet_count integer not null check (booklet_count > 0),
  vouchers_per_booklet integer not null check (vouchers_per_booklet between 1 and 50),
  face_value_cents integer not null check (face_value_cents > 0),
  amount_cents bigint not null check (amount_cents > 0),
  status text not null check (status in ('placed','issued','paid','cancelled')),
  placed_at timestamptz not null default now(),
  placed_by bigint references users,
  issued_at timestamptz,
  expires_at timestamptz,
  paid_at timestamptz,
  payment_reference text,
  cancelled_at timestamptz
);
create index orders_funder on orders (funder_organisation_id);
create table order_cofunding (
  order_id bigint not null references orders,
  organisation_id bigint not null references organisations,
  share_bp integer not null,
  amount_cents bigint not null,
  primary key (order_id, organisation_id)
);

create table serial_counters (name text primary key, next_value bigint not null);
insert into serial_counters values ('voucher', 1), ('booklet', 1);

create table booklets (
  id bigint primary key,
  number text not null unique,
  order_id bigint not null references orders,
  programme_id bigint not null references programmes,
  allocated_organisation_id bigint references organisations,
  allocated_at timestamptz,
  handed_at timestamptz,
  handed_by_user_id bigint references users,
  profile_age_band text,
  profile_commune_code text references communes,
  profile_situation text,
  profile_diagnostic_level smallint
);
create index booklets_order on booklets (order_id);
create index booklets_allocated on booklets (allocated_organisation_id);

create table vouchers (
  serial bigint primary key,
  booklet_id bigint not null,
  order_id bigint not null,
  programme_id bigint not null,
  face_value_cents integer not null,
  status text not null check (status in ('issued','activated','allocated','handed','redeemed','expired','cancelled')),
  expires_at timestamptz not null,
  redeemed_at timestamptz,
  redeemed_place_id bigint references places,
  redeemed_by_user_id bigint references users
);
create index vouchers_booklet on vouchers (booklet_id);
create index vouchers_live_expiry on vouchers (expires_at) where status in ('issued','activated','allocated','handed');
create index vouchers_redeemed_place on vouchers (redeemed_place_id, redeemed_at) where redeemed_place_id is not null;

create table audit_events (
  id bigint generated always as identity primary key,
  at timestamptz not null default now(),
  actor_user_id bigint,
  organisation_id bigint,
  action text not null,
  order_id bigint,
  booklet_id bigint,
  voucher_serial bigint,
  from_status text,
  to_status text,
  voucher_count integer,
  details jsonb not null default '{}'
);
create index audit_events_voucher on audit_events (voucher_serial) where voucher_serial is not null;
create index audit_events_order on audit_events (order_id) where order_id is not null;

create table ledger_entries (
  id bigint generated always as identity primary key,
  transaction_id uuid not null,
  at timestamptz not null default now(),
  kind text not null,
  account text not null check (account in ('bank','funder_receivable','vouchers_outstanding','place_payable','funder_refund_due')),
  programme_id bigint not null references programmes,
  organisation_id bigint,
  order_id bigint,
  voucher_serial bigint,
  amount_cents bigint not null
);
create index ledger_entries_programme on ledger_entries (programme_id, account);
create index ledger_entries_transaction on ledger_entries (transaction_id);

create table idempotency_keys (
  principal text not null,
  key text not null,
  fingerprint text not null,
  status_code integer not null,
  response jsonb not null,
  created_at timestamptz not null default now(),
  primary key (principal, key)
);
`.execute(db);
}
