import { labelValidToday, acceptsAnyProgramme, acceptsProgramme } from '../../places/domain/sql-fragments.js';
import { measuredBookletsSql, progressedSql } from '../../kit/domain/progress-sql.js';
import { roleFitsKindsSql } from '../../accounts/domain/organisation-kinds.js';
import { INDICATORS, INDICATOR_IDS, type Attribution, type IndicatorId } from '../domain/indicators.js';

/**
 * The SQL of the pilotage's aggregates, built from the metric dictionary (domain/indicators.ts): one source
 * definition per stored metric (the rows it counts, the date that places them in a period, their dimensions, the
 * measure), from which both the cube's per-day recompute and the naive GROUP BY yardstick are generated, so they
 * cannot disagree on a definition. Where an event is placed on the map is the indicator's `attribution`.
 *
 * Plain text: every value written into it is a validated date, an integer or an alias written in the code.
 */

/** A Paris calendar day of a timestamptz. */
export const parisDaySql = (column: string): string => `(${column} at time zone 'Europe/Paris')::date`;

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const day = (value: string): string => {
  if (!DAY.test(value)) throw new Error(`cube-sql : « ${value} » n’est pas un jour`);
  return `'${value}'::date`;
};

/** Which days a statement reads: all of them (rebuild), a list (refresh) or a period (yardstick). */
export type DayRange = { kind: 'all' } | { kind: 'days'; days: string[] } | { kind: 'period'; from: string; to: string };

/** The condition « this dated column falls on one of the range's days », written so an index on the column serves it. */
export function rangeSql(range: DayRange, column: string, type: 'timestamp' | 'date' = 'timestamp'): string {
  if (range.kind === 'all') return 'true';
  const [first, last] = range.kind === 'period' ? [range.from, range.to] : [[...range.days].sort()[0]!, [...range.days].sort().at(-1)!];
  const bounds = type === 'date'
    ? `${column} >= ${day(first)} and ${column} <= ${day(last)}`
    : `${column} >= ${day(first)}::timestamp at time zone 'Europe/Paris' and ${column} < (${day(last)} + 1)::timestamp at time zone 'Europe/Paris'`;
  if (range.kind === 'period') return `(${bounds})`;
  const dated = type === 'date' ? column : parisDaySql(column);
  return `(${bounds} and ${dated} = any(array[${range.days.map(day).join(', ')}]))`;
}

/** What a source row points at, for its attribution (the SQL expression of each id). */
interface Anchors {
  place?: string;
  booklet?: string;
  prescriber?: string;
  programme?: string;
  funder?: string;
  organisation?: string;
}

/** The SQL of each attribution rule (ATTRIBUTION_LABELS): joins, then the département and the commune. */
export function attributionSql(rule: Attribution, anchors: Anchors): { joins: string; departement: string; commune: string } {
  const need = (name: keyof Anchors) => {
    const value = anchors[name];
    if (!value) throw new Error(`cube-sql : l’attribution « ${rule} » demande ${name}`);
    return value;
  };
  // A commune of Paris, Lyon or Marseille may be stored as an arrondissement: counted in its commune.
  const commune = (alias: string) => `coalesce(${alias}.parent_code, ${alias}.insee_code)`;
  switch (rule) {
    case 'place':
      return {
        joins: `left join places at_p on at_p.id = ${need('place')} left join communes at_c on at_c.insee_code = at_p.commune_code`,
        departement: 'at_c.departement_code',
        commune: commune('at_c'),
      };
    case 'person':
      return {
        joins: `left join communes at_h on at_h.insee_code = ${need('booklet')}.profile_commune_code left join organisations at_o on at_o.id = ${need('booklet')}.allocated_organisation_id`,
        departement: 'coalesce(at_h.departement_code, at_o.departement_code)',
        commune: commune('at_h'),
      };
    case 'prescriber':
      return { joins: `left join organisations at_o on at_o.id = ${need('prescriber')}`, departement: 'at_o.departement_code', commune: 'null' };
    case 'programme':
      return {
        joins: `left join lateral (select case when count(*) = 1 then min(pd.departement_code) end as code from programme_departements pd where pd.programme_id = ${need('programme')}) at_pd on true
                left join organisations at_f on at_f.id = ${need('funder')}`,
        departement: 'coalesce(at_pd.code, at_f.departement_code)',
        commune: 'null',
      };
    case 'organisation':
      return { joins: `left join organisations at_g on at_g.id = ${need('organisation')}`, departement: 'at_g.departement_code', commune: 'null' };
    case 'none':
      return { joins: '', departement: 'null', commune: 'null' };
  }
}

/** One stored metric: the rows it counts and how each is measured. */
export interface FactSource {
  /** The stored metric: the indicator's id, or `<id>@theme` for its rows per accompaniment theme. */
  metric: string;
  indicator: IndicatorId;
  /** FROM and joins (may restrict inner candidates to the range). */
  from: (range: DayRange) => string;
  where: (range: DayRange) => string;
  /** The column that places the row in a period (timestamptz, or a date). */
  dated: string;
  datedType?: 'timestamp' | 'date';
  anchors: Anchors;
  programme: string;
  funder: string;
  prescriber: string;
  place: string;
  theme?: string;
  /** For medians: the delay in days (the histogram's bucket). */
  bucket?: string;
  count: string;
  amount?: string;
  /** The key of the distinct person behind the row (booklet, anonymous participant, anonymous diagnostic). */
  person?: string;
}

/** The metrics whose people add up over days: each person counted on one day only (hand-out, first use, one measure). */
export const ADDITIVE_BENEFICIARIES: ReadonlySet<string> = new Set([
  'vouchers_handed', 'people_reached', 'anonymous_participants', 'delay_allocation_to_handout', 'delay_handout_to_first_use',
  'delay_first_to_last_use', 'booklets_measured_twice', 'booklets_progressed',
]);

const booklet = (b: string) => `'b' || ${b}.id`;
const days = (later: string, earlier: string) => `greatest(0, ${parisDaySql(later)} - ${parisDaySql(earlier)})`;

const orderSource = (indicator: IndicatorId, dated: 'o.issued_at' | 'o.paid_at', count: string, amount: string): FactSource => ({
  metric: indicator, indicator,
  from: () => 'orders o',
  where: (range) => `${dated} is not null and ${rangeSql(range, dated)}`,
  dated, anchors: { programme: 'o.programme_id', funder: 'o.funder_organisation_id' },
  programme: 'o.programme_id', funder: 'o.funder_organisation_id', prescriber: 'null', place: 'null',
  count, amount,
});

const VOUCHERS_OF_ORDER = 'o.booklet_count * o.vouchers_per_booklet';

const bookletSource = (indicator: IndicatorId, dated: 'b.allocated_at' | 'b.handed_at', extra: Partial<FactSource> = {}): FactSource => ({
  metric: indicator, indicator,
  from: () => 'booklets b join orders o on o.id = b.order_id',
  where: (range) => `${dated} is not null and ${rangeSql(range, dated)}`,
  dated, anchors: { booklet: 'b', prescriber: 'b.allocated_organisation_id' },
  programme: 'b.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'null',
  count: 'o.vouchers_per_booklet', amount: 'o.vouchers_per_booklet * o.face_value_cents', person: booklet('b'),
  ...extra,
});

/** The vouchers redeemed, with their booklet and order. */
const redeemedSource = (indicator: IndicatorId, extra: Partial<FactSource> = {}): FactSource => ({
  metric: indicator, indicator,
  from: () => 'vouchers v join booklets b on b.id = v.booklet_id join orders o on o.id = v.order_id',
  where: (range) => `v.status = 'redeemed' and ${rangeSql(range, 'v.redeemed_at')}`,
  dated: 'v.redeemed_at', anchors: { place: 'v.redeemed_place_id', booklet: 'b', prescriber: 'b.allocated_organisation_id' },
  programme: 'v.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'v.redeemed_place_id',
  count: '1', amount: 'v.face_value_cents', person: booklet('b'),
  ...extra,
});

/**
 * One voucher of each booklet that has a redemption in the range: its first (or last) redemption, with the booklet's
 * first and last redemption times and whether every voucher of the booklet is redeemed.
 */
const bookletRedemptions = (order: 'first' | 'last') => (range: DayRange) => `(
    select distinct on (v.booklet_id) v.booklet_id, v.serial, v.redeemed_at, v.redeemed_place_id, v.programme_id, v.order_id,
      min(v.redeemed_at) over (partition by v.booklet_id) as first_at,
      bool_and(v.status = 'redeemed') over (partition by v.booklet_id) as all_used
    from vouchers v
    where v.booklet_id in (select w.booklet_id from vouchers w where w.status = 'redeemed' and ${rangeSql(range, 'w.redeemed_at')})
    order by v.booklet_id, (v.status = 'redeemed') desc, v.redeemed_at ${order === 'first' ? 'asc' : 'desc'}, v.serial ${order === 'first' ? 'asc' : 'desc'}
  ) f join booklets b on b.id = f.booklet_id join orders o on o.id = f.order_id`;

const firstUseSource = (indicator: IndicatorId, extra: Partial<FactSource> = {}): FactSource => ({
  metric: indicator, indicator,
  from: bookletRedemptions('first'),
  where: (range) => `f.redeemed_at is not null and ${rangeSql(range, 'f.redeemed_at')}`,
  dated: 'f.redeemed_at', anchors: { place: 'f.redeemed_place_id', booklet: 'b', prescriber: 'b.allocated_organisation_id' },
  programme: 'f.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'f.redeemed_place_id',
  count: '1', person: booklet('b'),
  ...extra,
});

const reimbursedSource = (indicator: IndicatorId, extra: Partial<FactSource> = {}): FactSource => ({
  metric: indicator, indicator,
  from: () => `statement_lines l join statements s on s.id = l.statement_id join reimbursement_runs r on r.id = s.run_id
               join vouchers v on v.serial = l.voucher_serial join booklets b on b.id = v.booklet_id join orders o on o.id = v.order_id`,
  where: (range) => `s.status <> 'rejected' and ${rangeSql(range, 'r.created_at')}`,
  dated: 'r.created_at', anchors: { place: 's.place_id' },
  programme: 'l.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 's.place_id',
  count: '1', amount: 'l.amount_cents', person: booklet('b'),
  ...extra,
});

/** Every participant of an accompaniment, with the voucher it paid with (if any). */
const participantSource = (indicator: IndicatorId, extra: Partial<FactSource> = {}): FactSource => ({
  metric: indicator, indicator,
  from: () => `accompaniment_participants ap join accompaniments a on a.id = ap.accompaniment_id
               left join vouchers v on v.serial = ap.voucher_serial left join booklets b on b.id = v.booklet_id left join orders o on o.id = v.order_id`,
  where: (range) => rangeSql(range, 'a.occurred_on', 'date'),
  dated: 'a.occurred_on', datedType: 'date', anchors: { place: 'a.place_id' },
  programme: 'v.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'a.place_id',
  count: '1', person: `coalesce('b' || b.id, 'p' || ap.id)`,
  ...extra,
});

/** A session counts once (on its first participant's row), whatever its participants' vouchers. */
const sessionSource = (): FactSource => ({
  metric: 'accompaniment_sessions', indicator: 'accompaniment_sessions',
  from: (range) => `(select ap.*, row_number() over (partition by ap.accompaniment_id order by ap.id) as rank from accompaniment_participants ap
                 where ap.accompaniment_id in (select sa.id from accompaniments sa where ${rangeSql(range, 'sa.occurred_on', 'date')})) ap
               join accompaniments a on a.id = ap.accompaniment_id left join vouchers v on v.serial = ap.voucher_serial left join booklets b on b.id = v.booklet_id`,
  where: (range) => rangeSql(range, 'a.occurred_on', 'date'),
  dated: 'a.occurred_on', datedType: 'date', anchors: { place: 'a.place_id' },
  programme: 'null', funder: 'null', prescriber: 'null', place: 'a.place_id',
  count: '(ap.rank = 1)::int', person: `coalesce('b' || b.id, 'p' || ap.id)`,
});

const diagnosticSource = (): FactSource => ({
  metric: 'diagnostics_completed', indicator: 'diagnostics_completed',
  from: () => 'diagnostics d left join booklets b on b.id = d.booklet_id left join orders o on o.id = b.order_id',
  where: (range) => `d.finished_at is not null and ${rangeSql(range, 'd.finished_at')}`,
  dated: 'd.finished_at', anchors: { organisation: 'd.organisation_id' },
  programme: 'b.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'null',
  count: '1', person: `coalesce('b' || b.id, 'd' || d.id::text)`,
});

/** The kit's measured booklets (kit/domain/progress-sql.ts), dated by their latest follow-up. */
const measuredSource = (indicator: 'booklets_measured_twice' | 'booklets_progressed'): FactSource => ({
  metric: indicator, indicator,
  from: (range) => `(${measuredBookletsSql(`b.id in (select fd.booklet_id from diagnostics fd where fd.kind = 'followup' and fd.finished_at is not null and ${rangeSql(range, 'fd.finished_at')})`)}) m
               join booklets b on b.id = m.booklet_id join orders o on o.id = b.order_id`,
  where: (range) => `${rangeSql(range, '(m.last).finished_at')}${indicator === 'booklets_progressed' ? ` and ${progressedSql('m.first', 'm.last')}` : ''}`,
  dated: '(m.last).finished_at', anchors: { organisation: '(m.last).organisation_id' },
  programme: 'b.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'null',
  count: '1', person: booklet('b'),
});

const THEME_INDICATORS = ['accompaniments', 'anonymous_participants', 'training_hours', 'accompaniment_sessions'] as const satisfies readonly IndicatorId[];

/** Its per-theme rows: one row per theme ticked (an accompaniment of two themes counts in both). */
const perTheme = (source: FactSource): FactSource => ({
  ...source,
  metric: `${source.indicator}@theme`,
  from: (range) => `${source.from(range)} cross join lateral unnest(a.themes) as th(theme)`,
  theme: 'th.theme',
});

const BASE_SOURCES: FactSource[] = [
  orderSource('vouchers_issued', 'o.issued_at', VOUCHERS_OF_ORDER, `${VOUCHERS_OF_ORDER} * o.face_value_cents`),
  orderSource('vouchers_activated', 'o.paid_at', VOUCHERS_OF_ORDER, `${VOUCHERS_OF_ORDER} * o.face_value_cents`),
  bookletSource('vouchers_allocated', 'b.allocated_at'),
  bookletSource('vouchers_handed', 'b.handed_at'),
  bookletSource('delay_allocation_to_handout', 'b.handed_at', {
    where: (range) => `b.handed_at is not null and b.allocated_at is not null and ${rangeSql(range, 'b.handed_at')}`,
    count: '1', amount: '0', bucket: days('b.handed_at', 'b.allocated_at'),
  }),
  redeemedSource('vouchers_redeemed'),
  {
    metric: 'vouchers_expired', indicator: 'vouchers_expired',
    from: () => 'vouchers v join booklets b on b.id = v.booklet_id join orders o on o.id = v.order_id',
    where: (range) => `v.status = 'expired' and ${rangeSql(range, 'v.expires_at')}`,
    dated: 'v.expires_at', anchors: { booklet: 'b', prescriber: 'b.allocated_organisation_id' },
    programme: 'v.programme_id', funder: 'o.funder_organisation_id', prescriber: 'b.allocated_organisation_id', place: 'null',
    count: '1', amount: 'v.face_value_cents', person: booklet('b'),
  },
  reimbursedSource('vouchers_reimbursed'),
  reimbursedSource('delay_redemption_to_reimbursement', { amount: '0', bucket: days('r.created_at', 'v.redeemed_at') }),
  firstUseSource('people_reached'),
  firstUseSource('delay_handout_to_first_use', {
    where: (range) => `f.redeemed_at is not null and b.handed_at is not null and ${rangeSql(range, 'f.redeemed_at')}`,
    bucket: days('f.redeemed_at', 'b.handed_at'),
  }),
  firstUseSource('delay_first_to_last_use', {
    from: bookletRedemptions('last'),
    where: (range) => `f.redeemed_at is not null and f.all_used and ${rangeSql(range, 'f.redeemed_at')}`,
    bucket: days('f.redeemed_at', 'f.first_at'),
  }),
  participantSource('accompaniments'),
  participantSource('anonymous_participants', { where: (range) => `ap.voucher_serial is null and ${rangeSql(range, 'a.occurred_on', 'date')}`, programme: 'null', funder: 'null', prescriber: 'null' }),
  participantSource('training_hours', { count: 'a.duration_minutes' }),
  sessionSource(),
  diagnosticSource(),
  measuredSource('booklets_measured_twice'),
  measuredSource('booklets_progressed'),
  orderSource('money_ordered', 'o.paid_at', '1', 'o.amount_cents'),
  {
    ...orderSource('money_state', 'o.paid_at', '1', 'oc.amount_cents'),
    from: () => `order_cofunding oc join orders o on o.id = oc.order_id join organisations st on st.id = oc.organisation_id and 'state' = any(st.kinds)`,
  },
];

/** Every stored metric: the dictionary's flows and medians, and the accompaniments' rows per theme. */
export const FACT_SOURCES: readonly FactSource[] = [
  ...BASE_SOURCES,
  ...BASE_SOURCES.filter((s) => (THEME_INDICATORS as readonly string[]).includes(s.indicator)).map(perTheme),
];

/** The indicators the cube stores: the dictionary's flows and medians. */
export const STORED_INDICATORS: IndicatorId[] = INDICATOR_IDS.filter((id) => INDICATORS[id].kind === 'flow' || INDICATORS[id].kind === 'median');

/** The dimensions of a fact, in the order of the tables' columns. */
export const FACT_DIMENSIONS = ['departement_code', 'commune_code', 'programme_id', 'funder_id', 'prescriber_id', 'place_id', 'theme', 'bucket'] as const;

/** The rows of a source, one per thing counted, with the columns every consumer reads. */
export function sourceRowsSql(source: FactSource, range: DayRange): string {
  const definition = INDICATORS[source.indicator];
  const place = attributionSql(definition.attribution, source.anchors);
  const dayExpression = source.datedType === 'date' ? `${source.dated}::date` : parisDaySql(source.dated);
  return `select ${dayExpression} as day, ${place.departement}::text as departement_code, ${place.commune}::text as commune_code,
      (${source.programme})::bigint as programme_id, (${source.funder})::bigint as funder_id, (${source.prescriber})::bigint as prescriber_id,
      (${source.place})::bigint as place_id, (${source.theme ?? 'null'})::text as theme, (${source.bucket ?? 'null'})::int as bucket,
      (${source.count})::bigint as n, coalesce((${source.amount ?? 'null'})::bigint, 0) as amount, (${source.person ?? 'null'})::text as person
    from ${source.from(range)} ${place.joins}
    where ${source.where(range)}`;
}

/** The facts of a source over a range, grouped by day and every dimension: what `pilotage_facts` holds. */
export function factsSelectSql(source: FactSource, range: DayRange): string {
  const dims = FACT_DIMENSIONS.join(', ');
  return `select day, '${source.metric}' as metric, ${dims}, sum(n)::bigint as count, sum(amount)::bigint as amount_cents, count(distinct person)::int as beneficiaries
    from (${sourceRowsSql(source, range)}) r group by day, ${dims}`;
}

export const insertFactsSql = (source: FactSource, range: DayRange): string =>
  `insert into pilotage_facts (day, metric, ${FACT_DIMENSIONS.join(', ')}, count, amount_cents, beneficiaries) ${factsSelectSql(source, range)}`;

/** The département rows of some days, from their facts. */
export const insertDeptDaysSql = (dayList: string[] | null): string =>
  `insert into pilotage_dept_days (day, metric, departement_code, programme_id, funder_id, theme, bucket, count, amount_cents, beneficiaries_max, beneficiaries_sum)
   select day, metric, departement_code, programme_id, funder_id, theme, bucket, sum(count), sum(amount_cents), max(beneficiaries), sum(beneficiaries)
   from pilotage_facts where ${dayList === null ? 'true' : `day = any(array[${dayList.map(day).join(', ')}])`}
   group by day, metric, departement_code, programme_id, funder_id, theme, bucket`;

/** The months (their first days) from their département days. */
export const insertDeptMonthsSql = (months: string[] | null): string =>
  `insert into pilotage_dept_months (month, metric, departement_code, programme_id, funder_id, theme, bucket, count, amount_cents, beneficiaries_max, beneficiaries_sum)
   select date_trunc('month', day)::date, metric, departement_code, programme_id, funder_id, theme, bucket, sum(count), sum(amount_cents), max(beneficiaries_max), sum(beneficiaries_sum)
   from pilotage_dept_days where ${months === null ? 'true' : `(${months.map((m) => `(day >= ${day(m)} and day < ${day(m)} + interval '1 month')`).join(' or ')})`}
   group by 1, metric, departement_code, programme_id, funder_id, theme, bucket`;

/** France's days and months from the département days and months (no département, programme or funder). */
export const insertFranceSql = (grain: 'day' | 'month', periods: string[] | null): string => {
  const table = grain === 'day' ? 'pilotage_dept_days' : 'pilotage_dept_months';
  return `insert into pilotage_france_${grain}s (${grain}, metric, theme, bucket, count, amount_cents, beneficiaries_max, beneficiaries_sum)
   select ${grain}, metric, theme, bucket, sum(count), sum(amount_cents), max(beneficiaries_max), sum(beneficiaries_sum)
   from ${table} where ${periods === null ? 'true' : `${grain} = any(array[${periods.map(day).join(', ')}])`}
   group by ${grain}, metric, theme, bucket`;
};

// ——— Stocks: the network today, read live (places' own definitions of a label valid today, a programme accepted).

/** Places of the territory today, one row each, with whether it is labelled and accepts the pass (or the programme). */
export function placesStockSql(programmeId: number | null): string {
  // The places' own conditions, each as a semi-join the planner hashes once (one pass over places and labels), not
  // as correlated sub-plans per place (three index probes per place, ~20 000 places at national volume).
  const accepts = programmeId === null ? acceptsAnyProgramme('ap') : acceptsProgramme('ap', 'fp.id');
  return `select p.id as place_id, p.organisation_id, c.departement_code, coalesce(c.parent_code, c.insee_code) as commune_code,
      lv.id is not null as labelled, (lv.id is not null and ac.id is not null) as accepting
    from places p join communes c on c.insee_code = p.commune_code
      left join (select lp.id from places lp where ${labelValidToday('lp')} group by lp.id) lv on lv.id = p.id
      left join (select ap.id from places ap${programmeId === null ? '' : ` cross join (select ${Math.trunc(programmeId)}::bigint as id) fp`}
        where ${accepts} group by ap.id) ac on ac.id = p.id
    where p.active and p.merged_into is null`;
}

/** Mediators: people with the mediator role (fitting their organisation's kinds) in an organisation running the place. */
export const MEDIATORS_OF_PLACES_SQL = `join memberships m on m.organisation_id = s.organisation_id and m.role = 'mediator'
    join organisations mo on mo.id = m.organisation_id and ${roleFitsKindsSql('m', 'mo')}`;
