// National-volume data for the pilotage benchmark, written set-based (INSERT … SELECT over generate_series, no use
// case per row): the whole INSEE referential, 20 000 places spread by population (labelled, accepting their
// département's programme), 4 000 mediators, one programme per département co-funded half by the State, orders every
// month, booklets of 10 vouchers through a plausible funnel (allocated, handed with a pseudonymous profile, redeemed at
// a place of the département, expired, reimbursed by monthly runs), accompaniments (one per third of the redeemed
// vouchers, plus anonymous workshops) and diagnostics. `growPilotageData` adds a batch to the same database: the first
// call lays the network, each call adds booklets over the same year, so 1.5 M then 15 M vouchers are one database.
//
// Invariants kept (the cube and the base tables read them): placed ≤ issued ≤ paid ≤ allocated ≤ handed ≤ redeemed
// < min(expiry, now); a voucher is `expired` only when its expiry is past and it was not redeemed; a redeemed voucher's
// place is active, labelled today, in the programme's département, accepts the programme and has a mediator; a
// statement line belongs to a run whose `until` is after the redemption; statements' and runs' totals equal their lines.
import pg from 'pg';
import { THEMES } from '../src/kit/domain/accompaniment.js';
import { AGE_BANDS, SITUATIONS } from '../src/pass/domain/profile.js';
import { TOPIC_CODES } from '../src/kit/domain/topics.js';

const DAY_MS = 86_400_000;
const list = (values: readonly string[]) => `array[${values.map((v) => `'${v}'`).join(',')}]::text[]`;

export interface GrowthReport {
  seconds: number;
  steps: string[];
  booklets: number;
  vouchers: number;
  participants: number;
}

/** Session settings for bulk loading: no trigger or foreign-key check fires (session_replication_role), no fsync wait. */
async function bulkSession(client: pg.Client) {
  await client.query(`set session_replication_role = replica`);
  await client.query(`set synchronous_commit = off`);
  await client.query(`set work_mem = '256MB'`);
  await client.query(`set maintenance_work_mem = '1GB'`);
  await client.query(`set max_parallel_maintenance_workers = 1`);
}

/** The tables a batch writes millions of rows into: their secondary indexes are dropped before and rebuilt after. */
const BULK_TABLES = ['vouchers', 'booklets', 'accompaniments', 'accompaniment_participants', 'statement_lines', 'diagnostics'];

async function dropSecondaryIndexes(client: pg.Client): Promise<string[]> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `select i.relname as name, pg_get_indexdef(x.indexrelid) as def
       from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
      where t.relnamespace = current_schema()::regnamespace and t.relname = any($1)
        and not exists (select 1 from pg_constraint c where c.conindid = x.indexrelid)`,
    [BULK_TABLES],
  );
  for (const row of rows) await client.query(`drop index ${row.name}`);
  return rows.map((row) => row.def);
}

/** How a batch is dated: the year before `now`, orders placed every 30 days. */
export interface Clock {
  now: Date;
}

const ts = (date: Date) => `timestamptz '${date.toISOString()}'`;

/**
 * Lays the network once: organisations (a funder and a State service per département, 20 prescribers per
 * département, hubs of three départements, place operators), users and memberships, places with labels, accepted
 * programmes and bank details, one programme per département with its two accepted co-funders.
 */
async function layNetwork(step: (label: string, text: string) => Promise<void>, places: number, mediators: number, clock: Clock, stateKind: boolean) {
  const start = new Date(clock.now.getTime() - 400 * DAY_MS);
  const today = clock.now.toISOString().slice(0, 10);
  await step('helper tables', `
    create table bench_dep as
      select d.code, d.region_code, row_number() over (order by d.code)::int as n,
             greatest(coalesce((select sum(population) from communes c where c.departement_code = d.code and c.kind = 'commune'), 0), 1000)::bigint as pop
      from departements d;
    -- 1 000 communes per département drawn by population (profiles and places draw from them).
    create table bench_commune_cum as
      select insee_code, departement_code, name, postal_codes[1] as postal_code, lat, lng,
             sum(greatest(coalesce(population, 0), 50)) over (partition by departement_code order by insee_code) as cum,
             sum(greatest(coalesce(population, 0), 50)) over (partition by departement_code) as total
      from communes where kind = 'commune' and lat is not null;
    create index on bench_commune_cum (departement_code, cum);
    analyze bench_commune_cum;
    create table bench_dep_communes as
      select d.code as dep, k, pick.*
      from (select departement_code as code, max(total) as total from bench_commune_cum group by 1) d cross join generate_series(0, 999) k
      cross join lateral (select c.insee_code, c.name, c.postal_code, c.lat, c.lng from bench_commune_cum c
                          where c.departement_code = d.code and c.cum >= ((k + 0.5) / 1000.0) * d.total order by c.cum limit 1) pick;
    create index on bench_dep_communes (dep, k);
    analyze bench_dep; analyze bench_dep_communes;`);
  const kinds = stateKind ? `array['funder','state']` : `array['funder']`;
  await step('organisations, users, memberships', `
    insert into organisations (id, name, departement_code, kinds) overriding system value
      select 1000 + n, 'Conseil départemental ' || code, code, array['funder'] from bench_dep
      union all select 2000 + n, 'Préfecture ' || code, code, ${kinds}::text[] from bench_dep
      union all select 10000 + n * 100 + k, 'Prescripteur ' || code || '-' || k, code, array['prescriber'] from bench_dep cross join generate_series(0, 19) k
      union all select 300000, 'Agence nationale', null, array['national_operator'];
    insert into users (id, email, display_name) overriding system value
      select id, 'u' || id || '@bench.invalid', name from organisations;
    insert into memberships (user_id, organisation_id, role)
      select id, id, case when 'prescriber' = any(kinds) then 'prescriber' when 'funder' = any(kinds) then 'funder' else 'admin' end from organisations;
    -- Hubs: 30 hubs of three départements each (consecutive codes, the last ones overlapping the first).
    insert into organisations (id, name, departement_code, kinds) overriding system value
      select 200000 + h, 'Hub ' || h, (select code from bench_dep where n = 1 + (3 * h) % 101), array['hub'] from generate_series(0, 29) h;
    insert into organisation_departements (organisation_id, departement_code)
      select 200000 + h, d.code from generate_series(0, 29) h join bench_dep d on d.n in (1 + (3 * h) % 101, 1 + (3 * h + 1) % 101, 1 + (3 * h + 2) % 101);
    insert into users (id, email, display_name) overriding system value select id, 'u' || id || '@bench.invalid', name from organisations where id >= 200000 and id < 300000;
    insert into memberships (user_id, organisation_id, role) select id, id, 'hub' from organisations where id >= 200000 and id < 300000;`);
  await step(`${places} places, ${mediators} operators and mediators`, `
    create table bench_place_draw as
      select g, c.* from generate_series(1, ${places}) g
      cross join lateral (select (hashint8(g) & 2147483647)::float8 / 2147483648 as u) r
      cross join lateral (select d.code as dep from (select code, sum(pop) over (order by code) as cum, sum(pop) over () as total from bench_dep) d
                          where d.cum >= r.u * d.total order by d.cum limit 1) d
      cross join lateral (select * from bench_dep_communes dc where dc.dep = d.dep and dc.k = (hashint8(g * 7) & 2147483647) % 1000) c;
    create table bench_operators as
      select dep, row_number() over (partition by dep order by g) - 1 as k, count(*) over (partition by dep) as places_in_dep, g
      from bench_place_draw;
    -- About one operator (one mediator) per ${(places / mediators).toFixed(0)} places of the département.
    create table bench_dep_operators as
      select dep, greatest(1, round(count(*) * ${mediators}::numeric / ${places}))::int as operators from bench_place_draw group by dep;
    create table bench_operator_ids as
      select o.dep, k, 100000 + row_number() over (order by o.dep, k) as id from bench_dep_operators o cross join generate_series(0, o.operators - 1) k;
    insert into organisations (id, name, departement_code, kinds) overriding system value
      select id, 'Structure de médiation ' || dep || '-' || k, dep, array['place_operator'] from bench_operator_ids;
    insert into users (id, email, display_name) overriding system value select id, 'm' || id || '@bench.invalid', 'Médiateur ' || id from bench_operator_ids;
    insert into memberships (user_id, organisation_id, role) select id, id, 'mediator' from bench_operator_ids;
    insert into places (id, organisation_id, name, commune_code, commune_name, postal_code, address, latitude, longitude, normalised_name, address_key, services, updated_on, created_at, updated_at)
      overriding system value
      select p.g, oi.id, 'Lieu ' || p.g, p.insee_code, p.name, coalesce(p.postal_code, '00000'), p.g || ' rue du banc d''essai',
             p.lat + ((hashint8(p.g * 3) % 1000) / 100000.0), p.lng + ((hashint8(p.g * 5) % 1000) / 100000.0),
             'lieu ' || p.g, p.g || ' rue|' || coalesce(p.postal_code, '00000'), array['Aide aux démarches administratives'], date '${today}', ${ts(start)}, ${ts(start)}
      from bench_place_draw p join bench_operators o on o.g = p.g join bench_dep_operators d on d.dep = p.dep
      join bench_operator_ids oi on oi.dep = p.dep and oi.k = o.k % d.operators;
    -- 85 % labelled (valid today), 80 % of those accept their département's programme and have confirmed bank details.
    insert into place_labels (place_id, status, applied_by, applied_at, decided_by, decided_at, valid_from, valid_until)
      select id, 'approved', organisation_id, ${ts(start)}, 300000, ${ts(start)}, date '${today}' - 400, date '${today}' + 700 from places where id % 20 not in (3, 7, 11);
    insert into programmes (id, name, face_value_cents, validity_months, eligible_services, created_by_organisation_id, created_at) overriding system value
      select n, 'Pass numérique ' || code, case when n % 5 = 0 then 2000 else 1000 end, case when n % 3 = 0 then 6 else 12 end, '{}', 1000 + n, ${ts(start)} from bench_dep;
    insert into programme_departements (programme_id, departement_code) select n, code from bench_dep;
    insert into programme_cofunders (programme_id, organisation_id, share_bp, status, decided_at, decided_by)
      select n, 1000 + n, 5000, 'accepted', ${ts(start)}, 1000 + n from bench_dep
      union all select n, 2000 + n, 5000, 'accepted', ${ts(start)}, 2000 + n from bench_dep;
    insert into place_programmes (place_id, programme_id, since)
      select p.id, d.n, ${ts(start)} from places p join communes c on c.insee_code = p.commune_code join bench_dep d on d.code = c.departement_code
      where exists (select 1 from place_labels l where l.place_id = p.id) and p.id % 5 <> 1;
    insert into bank_accounts (place_id, holder_name, iban, bic, status, requested_by, requested_at, confirmed_by, confirmed_at)
      select pp.place_id, 'Lieu ' || pp.place_id, 'FR7630006000011234567890189', 'AGRIFRPP', 'confirmed', p.organisation_id, ${ts(start)}, 300000, ${ts(start)}
      from place_programmes pp join places p on p.id = pp.place_id;
    -- Where vouchers are redeemed: the accepting places of each département, repeated to 1 024 slots.
    create table bench_dep_places as
      with a as (select d.code as dep, p.id as place_id, p.organisation_id, row_number() over (partition by d.code order by p.id) - 1 as i,
                        count(*) over (partition by d.code) as cnt
                 from place_programmes pp join places p on p.id = pp.place_id join programmes pr on pr.id = pp.programme_id join bench_dep d on d.n = pr.id)
      select a.dep, s as k, a.place_id, a.organisation_id from a cross join generate_series(a.i, 1023, a.cnt) s;
    create index on bench_dep_places (dep, k);
    create table bench_all_places as select row_number() over (order by id) - 1 as k, id as place_id, organisation_id from places where id in (select place_id from place_labels);
    create index on bench_all_places (k);
    analyze;`);
}

/**
 * Adds `booklets` booklets (10 vouchers each) over the year before `clock.now`, starting at booklet id `firstBooklet`,
 * with their funnel, reimbursement runs, accompaniments (about `participants` participant rows) and diagnostics.
 */
export async function growPilotageData(
  databaseUrl: string,
  schema: string,
  options: { batch: number; firstBooklet: number; booklets: number; participants: number; places?: number; mediators?: number; clock: Clock; log?: (line: string) => void },
): Promise<GrowthReport> {
  const client = new pg.Client({ connectionString: databaseUrl, options: `-c search_path=${schema}` });
  await client.connect();
  const steps: string[] = [];
  const started = performance.now();
  const step = async (label: string, text: string) => {
    const t = performance.now();
    await client.query(text);
    const line = `${label} ${((performance.now() - t) / 1000).toFixed(1)} s`;
    steps.push(line);
    options.log?.(`  · ${line}`);
  };
  try {
    await bulkSession(client);
    const { batch, firstBooklet, booklets, clock } = options;
    const now = ts(clock.now);
    const d0 = ts(new Date(clock.now.getTime() - 365 * DAY_MS));
    if (batch === 1) {
      const { rows } = await client.query<{ def: string }>(`select pg_get_constraintdef(oid) as def from pg_constraint where conrelid = 'organisations'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%kinds%'`);
      const stateKind = rows.length === 0 || rows.some((row) => row.def.includes("'state'"));
      await layNetwork(step, options.places ?? 20_000, options.mediators ?? 4_000, clock, stateKind);
    }
    const indexes = await dropSecondaryIndexes(client);
    const b0 = firstBooklet;
    const b1 = firstBooklet + booklets;
    // Orders: one per département and month, booklets in proportion to the population; the last month's orders
    // of every fourth département are issued but not paid yet (their vouchers are `issued`).
    await step(`orders (batch ${batch})`, `
      create table bench_orders_${batch} as
        with o as (
          select ${batch} * 100000 + d.n * 100 + m as id, d.n as programme_id, d.code as dep, d.n as dep_n, m,
                 greatest(1, round(${booklets}::numeric * d.pop / (select sum(pop) from bench_dep) / 12))::int as booklet_count,
                 pr.face_value_cents as face, pr.validity_months,
                 ${d0} + (m * 30 + d.n % 7) * interval '1 day' + interval '9 hours' as placed_at
          from bench_dep d join programmes pr on pr.id = d.n cross join generate_series(0, 11) m)
        select o.*, ${b0} + sum(booklet_count) over (order by id) - booklet_count as first_booklet,
               placed_at + interval '1 day' as issued_at,
               case when m = 11 and dep_n % 4 = 0 then null else placed_at + interval '4 days' end as paid_at,
               placed_at + interval '1 day' + validity_months * interval '1 month' as expires_at
        from o;
      insert into orders (id, programme_id, funder_organisation_id, booklet_count, vouchers_per_booklet, face_value_cents, amount_cents, status, placed_at, placed_by, issued_at, expires_at, paid_at, payment_reference)
        overriding system value
        select id, programme_id, 1000 + dep_n, booklet_count, 10, face, booklet_count * 10 * face, case when paid_at is null then 'issued' else 'paid' end,
               placed_at, 1000 + dep_n, issued_at, expires_at, paid_at, case when paid_at is null then null else 'BENCH-' || id end
        from bench_orders_${batch};
      insert into order_cofunding (order_id, organisation_id, share_bp, amount_cents)
        select id, 1000 + dep_n, 5000, booklet_count * 5 * face from bench_orders_${batch}
        union all select id, 2000 + dep_n, 5000, booklet_count * 5 * face from bench_orders_${batch};`);
    // Booklets: 90 % of the paid ones allocated to one of the département's 20 prescribers within 20 days, 80 % of
    // those handed within two months (front-loaded), with a pseudonymous profile (commune drawn by population).
    await step(`booklets (batch ${batch})`, `
      insert into booklets (id, number, order_id, programme_id, allocated_organisation_id, allocated_at, handed_at, handed_by_user_id,
                            profile_age_band, profile_commune_code, profile_situation, profile_diagnostic_level, pin_digits)
        select id, 'B' || lpad(id::text, 10, '0'), order_id, programme_id,
               case when allocated_at is not null then prescriber end, allocated_at, handed_at, case when handed_at is not null then prescriber end,
               case when handed_at is not null then (${list(AGE_BANDS)})[1 + (id % ${AGE_BANDS.length})] end,
               case when handed_at is not null then commune end,
               case when handed_at is not null then (${list(Object.keys(SITUATIONS))})[1 + ((id / 7) % ${Object.keys(SITUATIONS).length})] end,
               case when handed_at is not null then 1 + (id / 3) % 3 end, 6
        from (
          select x.*, case when x.allocated_at is not null and x.h < 0.8 and x.allocated_at + x.hand_delay < ${now} then x.allocated_at + x.hand_delay end as handed_at
          from (
            select r.first_booklet + g as id, r.id as order_id, r.programme_id, 10000 + r.dep_n * 100 + (r.first_booklet + g) % 20 as prescriber,
                   case when r.paid_at is not null and a.u < 0.9 and r.paid_at + a.delay < ${now} then r.paid_at + a.delay end as allocated_at,
                   random() as h, (60 * power(random(), 2) + 0.1) * interval '1 day' as hand_delay, dc.insee_code as commune
            from bench_orders_${batch} r cross join generate_series(0, r.booklet_count - 1) g
            cross join lateral (select random() as u, (1 + 20 * random()) * interval '1 day' as delay, g as dependency) a
            left join bench_dep_communes dc on dc.dep = r.dep and dc.k = ((r.first_booklet + g) * 7919) % 1000
          ) x
        ) y;`);
    // Vouchers: of a handed booklet, the k-th voucher is redeemed with probability 0.9 − 0.05 k, all at the same
    // place of the département (a person goes back to the same place), before expiry and now.
    await step(`vouchers (batch ${batch})`, `
      insert into vouchers (serial, booklet_id, order_id, programme_id, face_value_cents, status, expires_at, redeemed_at, redeemed_place_id, redeemed_by_user_id)
        select serial, booklet_id, order_id, programme_id, face,
               case when redeemed_at is not null then 'redeemed' when expires_at <= ${now} then 'expired' when handed_at is not null then 'handed'
                    when allocated_at is not null then 'allocated' when paid_at is not null then 'activated' else 'issued' end,
               -- the operator's mediator has the operator's id (one mediator per operator)
               expires_at, redeemed_at, case when redeemed_at is not null then place_id end, case when redeemed_at is not null then organisation_id end
        from (
          select b.id * 10 + vk as serial, b.id as booklet_id, b.order_id, b.programme_id, r.face, r.expires_at, r.paid_at, b.allocated_at, b.handed_at,
                 case when b.handed_at is not null and b.handed_at < r.expires_at and p.place_id is not null and random() < 0.9 - 0.05 * vk
                      then b.handed_at + (least(${now}, r.expires_at) - b.handed_at) * power(random(), 1.5) * 0.999 end as redeemed_at,
                 p.place_id, p.organisation_id
          from booklets b join bench_orders_${batch} r on r.id = b.order_id cross join generate_series(0, 9) vk
          left join bench_dep_places p on p.dep = r.dep and p.k = (b.id * 2654435761) % 1024
          where b.id >= ${b0} and b.id < ${b1}
        ) v;`);
    // Reimbursement: a run every 30 days pays the redemptions before its `until` (runs of the last 5 days not yet made).
    await step(`reimbursement runs (batch ${batch})`, `
      create table bench_runs_${batch} as
        select ${batch} * 100 + j as id, (${d0} + j * 30 * interval '1 day')::date as until,
               (${d0} + (j - 1) * 30 * interval '1 day')::date as since
        from generate_series(1, 12) j where ${d0} + (j * 30 + 5) * interval '1 day' < ${now};
      insert into reimbursement_runs (id, until, status, message_id, created_by, created_at, paid_by, paid_at) overriding system value
        select id, until, 'paid', 'BENCH-RUN-' || id, 300000, until + interval '3 days', 300000, until + interval '5 days' from bench_runs_${batch};
      create table bench_lines_${batch} as
        select v.serial, v.redeemed_place_id as place_id, v.programme_id, v.face_value_cents, r.id as run_id
        from vouchers v join bench_runs_${batch} r on v.redeemed_at >= r.since and v.redeemed_at < r.until
        where v.serial >= ${b0 * 10} and v.serial < ${b1 * 10} and v.status = 'redeemed';
      create table bench_statements_${batch} as
        select ${batch}::bigint * 10000000 + row_number() over (order by run_id, place_id) as id, run_id, place_id, count(*)::int as voucher_count, sum(face_value_cents)::bigint as total_cents
        from bench_lines_${batch} group by run_id, place_id;
      insert into statements (id, run_id, place_id, organisation_id, bank_account_id, voucher_count, total_cents, status) overriding system value
        select s.id, s.run_id, s.place_id, p.organisation_id, ba.id, s.voucher_count, s.total_cents, 'paid'
        from bench_statements_${batch} s join places p on p.id = s.place_id join bank_accounts ba on ba.place_id = s.place_id and ba.status = 'confirmed';
      insert into statement_lines (voucher_serial, statement_id, programme_id, amount_cents)
        select l.serial, s.id, l.programme_id, l.face_value_cents from bench_lines_${batch} l join bench_statements_${batch} s on s.run_id = l.run_id and s.place_id = l.place_id;
      update reimbursement_runs r set statement_count = t.statements, voucher_count = t.vouchers, total_cents = t.total
        from (select run_id, count(*) as statements, sum(voucher_count) as vouchers, sum(total_cents) as total from bench_statements_${batch} group by run_id) t where t.run_id = r.id;
      drop table bench_lines_${batch};`);
    // Accompaniments: one individual session for every third redeemed voucher (same place and day, the voucher
    // named), and anonymous workshops of 3 to 12 participants at labelled places to reach the participants wanted.
    const workshops = Math.max(1, Math.round((options.participants * 0.75) / 7.5));
    const themes = Object.keys(THEMES);
    await step(`accompaniments (batch ${batch}, ${workshops} workshops)`, `
      insert into accompaniments (id, kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by, recorded_at) overriding system value
        select serial, 'individual', redeemed_place_id, redeemed_by_user_id, (redeemed_at at time zone 'Europe/Paris')::date, 30 + (serial % 4) * 15,
               array[(${list(themes)})[1 + serial % ${themes.length}]], redeemed_by_user_id, redeemed_at
        from vouchers where serial >= ${b0 * 10} and serial < ${b1 * 10} and status = 'redeemed' and serial % 3 = 0;
      insert into accompaniment_participants (id, accompaniment_id, voucher_serial, autonomy_observed) overriding system value
        select serial, serial, serial, 1 + serial % 3 from vouchers where serial >= ${b0 * 10} and serial < ${b1 * 10} and status = 'redeemed' and serial % 3 = 0;
      insert into accompaniments (id, kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by, recorded_at) overriding system value
        select 1000000000 + ${batch} * 100000000 + g, 'workshop', p.place_id, p.organisation_id, (${d0} + (g * 7919 % 365) * interval '1 day')::date, 90 + (g % 3) * 30,
               array[(${list(themes)})[1 + g % ${themes.length}], (${list(themes)})[1 + (g / 16) % ${themes.length}]], p.organisation_id,
               ${d0} + (g * 7919 % 365) * interval '1 day' + interval '18 hours'
        from generate_series(1, ${workshops}) g join bench_all_places p on p.k = (g * 2654435761) % (select count(*) from bench_all_places);
      insert into accompaniment_participants (id, accompaniment_id, voucher_serial, autonomy_observed) overriding system value
        select 3000000000 + (${batch} * 100000000 + g) * 16 + i, 1000000000 + ${batch} * 100000000 + g, null, 1 + (g + i) % 3
        from generate_series(1, ${workshops}) g cross join lateral generate_series(1, 3 + g % 10) i;`);
    // Diagnostics: a first one at hand-out for one handed booklet in five, a second one two months later for half.
    const levels = (seed: string, bump: number) => `jsonb_build_object(${TOPIC_CODES.map((t, i) => `'${t}', least(3, 1 + (${seed} + ${i}) % 3 + ${bump})`).join(', ')})`;
    await step(`diagnostics (batch ${batch})`, `
      insert into diagnostics (kind, items_version, started_at, started_by, organisation_id, booklet_id, finished_at, overall_level, topic_levels)
        select 'initial', '1', handed_at, allocated_organisation_id, allocated_organisation_id, id, handed_at + interval '20 minutes', 1 + id % 3, ${levels('id', 0)}
        from booklets where id >= ${b0} and id < ${b1} and handed_at is not null and id % 5 = 0
        union all
        select 'followup', '1', handed_at + interval '60 days', allocated_organisation_id, allocated_organisation_id, id, handed_at + interval '60 days 20 minutes', least(3, 2 + id % 3), ${levels('id', 1)}
        from booklets where id >= ${b0} and id < ${b1} and handed_at is not null and id % 10 = 0 and handed_at + interval '61 days' < ${now};`);
    const indexStarted = performance.now();
    for (const definition of indexes) await client.query(definition);
    steps.push(`${indexes.length} secondary indexes rebuilt ${((performance.now() - indexStarted) / 1000).toFixed(1)} s`);
    options.log?.(`  · ${steps.at(-1)}`);
    await step('sequences, counters, analyze', `
      update serial_counters set next_value = (select max(serial) + 1 from vouchers) where name = 'voucher';
      update serial_counters set next_value = (select max(id) + 1 from booklets) where name = 'booklet';
      analyze;`);
    for (const table of ['organisations', 'users', 'places', 'programmes', 'orders', 'reimbursement_runs', 'statements', 'accompaniments', 'accompaniment_participants', 'place_labels', 'bank_accounts']) {
      await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select coalesce(max(id), 0) + 1 from ${table}))`);
    }
    const counts = await client.query<{ vouchers: string; participants: string }>(
      `select (select count(*) from vouchers) as vouchers, (select count(*) from accompaniment_participants) as participants`,
    );
    return {
      seconds: (performance.now() - started) / 1000,
      steps,
      booklets,
      vouchers: Number(counts.rows[0]!.vouchers),
      participants: Number(counts.rows[0]!.participants),
    };
  } finally {
    await client.end();
  }
}
