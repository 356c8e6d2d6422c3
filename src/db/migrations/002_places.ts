import { sql, type Kysely } from 'kysely';

/**
 * The place record of the national open-data standard, labelling, the programmes a place accepts and duplicate
 * candidates. `location` is a sinusoidal projection in kilometres around a central meridian per
 * territory (metropolitan France, then 30° bands overseas): locally close to true distances, so the built-in GiST
 * index on points serves nearest-first searches without an extension (ADR 0004). Keep in step with geo.ts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
alter table places alter column organisation_id drop not null;
create sequence place_standard_numbers;
alter table places
  add column standard_id text not null default ('numerique-inclusif-' || nextval('place_standard_numbers')),
  add column pivot text,
  add column commune_name text,
  add column postal_code text,
  add column address_complement text,
  add column latitude double precision,
  add column longitude double precision,
  add column coordinates_from_commune boolean not null default false,
  add column typologies text[] not null default '{}',
  add column phone text,
  add column emails text[] not null default '{}',
  add column websites text[] not null default '{}',
  add column opening_hours text,
  add column summary text,
  add column description text,
  add column source text,
  add column mobility text[] not null default '{}',
  add column parent_structure text,
  add column updated_on date not null default current_date,
  add column publics text[] not null default '{}',
  add column specific_support text[] not null default '{}',
  add column costs text[] not null default '{}',
  add column national_programmes text[] not null default '{}',
  add column training_labels text[] not null default '{}',
  add column other_labels text,
  add column access_modes text[] not null default '{}',
  add column support_modes text[] not null default '{}',
  add column accessibility_url text,
  add column booking_url text,
  add column step_free_access boolean,
  add column accessibility_notes text,
  add column normalised_name text,
  add column address_key text,
  add column content_hash text,
  add column updated_at timestamptz not null default now();

update places p set commune_name = c.name, postal_code = c.postal_codes[1], latitude = c.lat, longitude = c.lng,
                    coordinates_from_commune = true, normalised_name = lower(p.name), address_key = lower(p.address)
from communes c where c.insee_code = p.commune_code;

alter table places
  alter column commune_name set not null,
  alter column postal_code set not null,
  alter column latitude set not null,
  alter column longitude set not null,
  alter column normalised_name set not null,
  alter column address_key set not null,
  add constraint places_standard_id unique (standard_id),
  add constraint places_coordinates check (latitude between -90 and 90 and longitude between -180 and 180),
  add column location point generated always as (point(
    radians(longitude - case when latitude > 35 then 2.5 else floor(longitude / 30) * 30 + 15 end) * cos(radians(latitude)) * 6371.0088,
    radians(latitude) * 6371.0088)) stored;

create index places_location on places using gist (location);
create index places_pivot on places (pivot) where pivot is not null;
create index places_normalised_name on places (normalised_name);
create index places_organisation on places (organisation_id);
-- Searches start from a postal code: find its communes without reading all 35,000.
create index communes_postal_codes on communes using gin (postal_codes);

create table organisation_departements (
  organisation_id bigint not null references organisations,
  departement_code text not null references departements,
  primary key (organisation_id, departement_code)
);

create table place_programmes (
  place_id bigint not null references places,
  programme_id bigint not null references programmes,
  since timestamptz not null default now(),
  primary key (place_id, programme_id)
);
create index place_programmes_programme on place_programmes (programme_id);

create table label_criteria (
  id bigint generated always as identity primary key,
  title text not null,
  description text not null default '',
  position integer not null default 0,
  active boolean not null default true
);
insert into label_criteria (title, description, position) values
  ('Personnel formé à la médiation numérique', 'Au moins une personne formée (conseiller numérique, titre professionnel, formation reconnue) accueille le public.', 1),
  ('Accès libre et gratuit à du matériel', 'Des ordinateurs ou tablettes connectés sont mis à disposition gratuitement.', 2),
  ('Accessibilité', 'Le lieu est accessible aux personnes à mobilité réduite ou propose une solution d’accueil adaptée.', 3),
  ('Protection des données personnelles', 'Le lieu applique une charte : pas de conservation des identifiants, sessions fermées, accord de la personne.', 4),
  ('Horaires d’ouverture au public', 'Le lieu est ouvert au public à des horaires publiés, au moins une demi-journée par semaine.', 5);

create table place_labels (
  id bigint generated always as identity primary key,
  place_id bigint not null references places,
  status text not null check (status in ('pending', 'approved', 'refused', 'suspended')),
  criteria_met bigint[] not null default '{}',
  applicant_note text not null default '',
  applied_by bigint references users,
  applied_at timestamptz not null default now(),
  decided_by bigint references users,
  decided_at timestamptz,
  decision_reason text,
  valid_from date,
  valid_until date,
  check (status in ('pending', 'refused') or (valid_from is not null and valid_until > valid_from))
);
create unique index place_labels_one_pending on place_labels (place_id) where status = 'pending';
create index place_labels_place on place_labels (place_id);

create table place_duplicates (
  place_id bigint not null references places,
  other_place_id bigint not null references places,
  reason text not null check (reason in ('same_siret', 'same_name_nearby')),
  status text not null default 'open' check (status in ('open', 'distinct', 'resolved')),
  detected_at timestamptz not null default now(),
  reviewed_by bigint references users,
  reviewed_at timestamptz,
  primary key (place_id, other_place_id),
  check (place_id < other_place_id)
);

alter table audit_events add column place_id bigint;
create index audit_events_place on audit_events (place_id) where place_id is not null;
`.execute(db);
}
