import { sql, type Kysely } from 'kysely';

/** Diagnostics (answers kept one row each), accompaniments and their participants. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table diagnostics (
  id uuid primary key default gen_random_uuid(),
  kind text not null check (kind in ('initial', 'followup')),
  items_version text not null,
  started_at timestamptz not null default now(),
  started_by bigint references users,
  organisation_id bigint references organisations,
  booklet_id bigint references booklets,
  near text,
  finished_at timestamptz,
  overall_level smallint check (overall_level between 1 and 3),
  topic_levels jsonb,
  obstacles jsonb,
  recommendation jsonb,
  check ((finished_at is null) = (overall_level is null))
);
create index diagnostics_booklet on diagnostics (booklet_id, finished_at) where booklet_id is not null;

create table diagnostic_responses (
  diagnostic_id uuid not null references diagnostics on delete cascade,
  position smallint not null check (position >= 1),
  question_id text not null,
  answer text[] not null,
  correct boolean,
  answered_at timestamptz not null default now(),
  primary key (diagnostic_id, position),
  unique (diagnostic_id, question_id)
);

create table accompaniments (
  id bigint generated always as identity primary key,
  kind text not null check (kind in ('individual', 'workshop')),
  place_id bigint not null references places,
  organisation_id bigint not null references organisations,
  occurred_on date not null,
  duration_minutes integer not null check (duration_minutes between 5 and 600),
  themes text[] not null check (cardinality(themes) > 0),
  recorded_by bigint not null references users,
  recorded_at timestamptz not null default now()
);
create index accompaniments_place on accompaniments (place_id, occurred_on);

create table accompaniment_participants (
  id bigint generated always as identity primary key,
  accompaniment_id bigint not null references accompaniments on delete cascade,
  voucher_serial bigint unique references vouchers,
  autonomy_observed smallint check (autonomy_observed between 1 and 3),
  referral text
);
create index accompaniment_participants_accompaniment on accompaniment_participants (accompaniment_id);
`.execute(db);
}
