import { sql, type Kysely } from 'kysely';

/**
 * Coverage gaps (déséquilibres territoriaux, docs/INDICATEURS.md « Couverture territoriale »).
 *
 * `commune_facts`: what the need estimate reads per commune besides the referential — the IFN (indice de fragilité
 * numérique, five scores 0–10 and their mean, copied file src/pilotage/data/ifn-communes.csv; `ifn_derived` when
 * a commune's score is the population-weighted mean of its arrondissements: Paris, Lyon, Marseille) and the INSEE
 * working-age population (15–64). Written by the loader (src/pilotage/use-cases/commune-facts.ts) at every start,
 * for the communes that have no row yet: idempotent.
 *
 * `coverage_communes`: one row per commune (`kind = 'commune'`), replaced whole by `refreshCoverage` (hourly job,
 * demo seeding, `inclusif coverage refresh`); `computed_at` says when. Distances are great-circle kilometres
 * from the commune's centre, null when no such place exists. `coverage_departements`: the same sums per
 * département, written by the same refresh (mediators counted once per département, not once per commune).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
create table commune_facts (
  insee_code text primary key references communes,
  ifn_no_thd double precision,
  ifn_no_4g double precision,
  ifn_poverty double precision,
  ifn_older_65 double precision,
  ifn_low_diploma double precision,
  ifn_total double precision check (ifn_total between 0 and 10),
  ifn_derived boolean not null default false,
  working_age_population integer check (working_age_population >= 0)
);

create table coverage_communes (
  insee_code text primary key references communes,
  departement_code text not null references departements,
  population integer not null,
  ifn_total double precision,
  need_people double precision not null,
  weighted_need double precision not null,
  places integer not null,
  labelled_places integer not null,
  places_accepting_pass integer not null,
  mediators integer not null,
  nearest_labelled_km double precision,
  nearest_pass_km double precision,
  offer double precision not null check (offer between 0 and 1),
  unmet_need double precision not null,
  gap_score double precision not null check (gap_score between 0 and 100),
  computed_at timestamptz not null
);
create index coverage_communes_worst on coverage_communes (departement_code, unmet_need desc, insee_code);

create table coverage_departements (
  departement_code text primary key references departements,
  communes integer not null,
  population integer not null,
  ifn_total double precision,
  need_people double precision not null,
  weighted_need double precision not null,
  unmet_need double precision not null,
  places integer not null,
  labelled_places integer not null,
  places_accepting_pass integer not null,
  mediators integer not null,
  population_far integer not null,
  gap_score double precision not null check (gap_score between 0 and 100),
  computed_at timestamptz not null
);
`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table coverage_departements; drop table coverage_communes; drop table commune_facts;`.execute(db);
}
