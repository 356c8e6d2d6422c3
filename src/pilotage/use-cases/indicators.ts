import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Principal } from '../../accounts/domain/principal.js';
import { notFound } from '../../shared/errors.js';
import { parisDay } from '../../shared/dates.js';
import { THEMES } from '../../kit/domain/accompaniment.js';
import {
  CHILD_LEVEL, parsePilotageFilter, periodDays, type Breakdown, type BreakdownRow, type IndicatorReport, type IndicatorValue, type Level, type PilotageFilter,
} from '../domain/filters.js';
import { DICTIONARY_VERSION, INDICATORS, INDICATOR_IDS, NATIONAL_YEARLY_GOAL, type IndicatorId } from '../domain/indicators.js';
import { checkPublicFilter, scopeFilter, type FilterFacts } from '../domain/policies.js';
import { protectReport } from '../domain/privacy.js';
import { ADDITIVE_BENEFICIARIES, FACT_SOURCES, MEDIATORS_OF_PLACES_SQL, placesStockSql, sourceRowsSql } from './cube-sql.js';
import { pilotageRefreshedAt, refreshPilotage } from './refresh.js';

/**
 * Cells whose lower bound of people is under the threshold while their upper bound is not may be counted exactly
 * from the base tables (`exactSmallCells`), at most this many per report. Off by default: a base-table count scans
 * the period's events (seconds at national volume), and keeping the lower bound never overstates (the cell is
 * withheld, the safe side).
 */
const RECOUNT_THRESHOLD = 5;
const MAX_RECOUNTS = 30;
const RECOUNT_UPPER_LIMIT = 500;
/**
 * Recounted even when `exactSmallCells` is off: their base table is small (a diagnostic is a person's half hour, not
 * a voucher), and no exactly counted subset floors them (BENEFICIARY_FLOORS).
 */
const ALWAYS_RECOUNTED: ReadonlySet<IndicatorId> = new Set(['diagnostics_completed']);

// ——— Pure parts (unit-tested) ———

/** A period split into whole calendar months (their first days) and the days left over (at most two ranges). */
export function splitPeriod(from: string, to: string): { months: string[]; days: { from: string; to: string }[] } {
  const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
  const monthStart = (d: string) => `${d.slice(0, 7)}-01`;
  const nextMonth = (d: string) => {
    const date = new Date(`${monthStart(d)}T00:00:00Z`);
    date.setUTCMonth(date.getUTCMonth() + 1);
    return date.toISOString().slice(0, 10);
  };
  const firstWhole = from === monthStart(from) ? from : nextMonth(from);
  const afterTo = addDays(to, 1);
  const endWhole = afterTo === monthStart(afterTo) ? afterTo : monthStart(afterTo); // exclusive
  if (firstWhole >= endWhole) return { months: [], days: [{ from, to }] };
  const months: string[] = [];
  for (let m = firstWhole; m < endWhole; m = nextMonth(m)) months.push(m);
  const days: { from: string; to: string }[] = [];
  if (from < firstWhole) days.push({ from, to: addDays(firstWhole, -1) });
  if (endWhole <= to) days.push({ from: endWhole, to });
  return { months, days };
}

/** The median of a histogram (value → count): the middle value, or the mean of the two middle ones. */
export function medianFromHistogram(histogram: Iterable<[number, number]>): number | null {
  const sorted = [...histogram].filter(([, n]) => n > 0).sort((a, b) => a[0] - b[0]);
  const total = sorted.reduce((s, [, n]) => s + n, 0);
  if (total === 0) return null;
  const at = (rank: number) => {
    let seen = 0;
    for (const [value, n] of sorted) {
      seen += n;
      if (seen >= rank) return value;
    }
    return sorted.at(-1)![0];
  };
  return total % 2 === 1 ? at((total + 1) / 2) : (at(total / 2) + at(total / 2 + 1)) / 2;
}

/**
 * Distinct people of a sum of rows, never overstated: exact when the rows cannot share a person (additive) or agree,
 * otherwise the largest row (a lower bound; the sum is an upper bound).
 */
export function beneficiaryBound(additive: boolean, max: number, sum: number, floor = 0): { value: number; exact: boolean } {
  if (additive || max === sum) return { value: sum, exact: true };
  const value = Math.min(sum, Math.max(max, floor));
  return { value, exact: value === sum };
}

/**
 * An additive metric whose people are a subset of another metric's people in the same cell (same source rows, same
 * attribution): its exact count is a lower bound of the other's distinct people. Every booklet first used in a cell
 * redeemed a voucher in that cell; every anonymous participant of a cell is one of its participants.
 */
export const BENEFICIARY_FLOORS: Partial<Record<IndicatorId, IndicatorId>> = {
  vouchers_redeemed: 'people_reached',
  accompaniments: 'anonymous_participants',
  accompaniment_sessions: 'anonymous_participants',
  training_hours: 'anonymous_participants',
};

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits;

// ——— Territory ———

export interface TerritoryFacts {
  label: string;
  /** null for France (no condition). */
  departements: string[] | null;
  commune: string | null;
  population: number;
  nationalPopulation: number;
}

const departementLabel = (name: string, code: string) => `${name} (${code})`;

export async function territoryFacts(db: Kysely<DB>, filter: Pick<PilotageFilter, 'level' | 'code'>): Promise<TerritoryFacts> {
  // The national population and the territory's, in one pass over the communes.
  let nationalPopulation = 0;
  const population = async (condition: ReturnType<typeof sql>) => {
    const { rows } = await sql<{ n: string | number | null; all: string | number | null }>`select coalesce(sum(population) filter (where ${condition}), 0) as n, coalesce(sum(population), 0) as all
      from communes c where c.kind = 'commune'`.execute(db);
    nationalPopulation = Number(rows[0]!.all ?? 0);
    return Number(rows[0]!.n ?? 0);
  };
  const code = filter.code ?? '';
  switch (filter.level) {
    case 'france': {
      const all = await population(sql`true`);
      return { label: 'France', departements: null, commune: null, population: all, nationalPopulation };
    }
    case 'region': {
      const region = await db.selectFrom('regions').select('name').where('code', '=', code).executeTakeFirst();
      if (!region) throw notFound(`Aucune région n’a le code « ${code} ».`, 'territoire_inconnu');
      const departements = (await db.selectFrom('departements').select('code').where('region_code', '=', code).orderBy('code').execute()).map((d) => d.code);
      const inside = await population(sql`c.departement_code = any(${departements})`);
      return { label: region.name, departements, commune: null, population: inside, nationalPopulation };
    }
    case 'departement': {
      const departement = await db.selectFrom('departements').select('name').where('code', '=', code).executeTakeFirst();
      if (!departement) throw notFound(`Aucun département n’a le code « ${code} ».`, 'territoire_inconnu');
      const inside = await population(sql`c.departement_code = ${code}`);
      return { label: departementLabel(departement.name, code), departements: [code], commune: null, population: inside, nationalPopulation };
    }
    case 'hub': {
      const hub = await db.selectFrom('organisations').select(['name', 'kinds']).where('id', '=', Number(code)).executeTakeFirst();
      const departements = hub ? (await db.selectFrom('organisation_departements').select('departement_code').where('organisation_id', '=', Number(code)).orderBy('departement_code').execute()).map((d) => d.departement_code) : [];
      if (!hub || departements.length === 0) throw notFound(`Aucun hub n’a le numéro « ${code} ».`, 'territoire_inconnu');
      const inside = await population(sql`c.departement_code = any(${departements})`);
      return { label: hub.name, departements, commune: null, population: inside, nationalPopulation };
    }
    case 'commune': {
      const commune = await db.selectFrom('communes').select(['name', 'departement_code', 'kind', 'population']).where('insee_code', '=', code).executeTakeFirst();
      if (!commune || commune.kind !== 'commune') throw notFound(`Aucune commune n’a le code INSEE « ${code} »${commune ? ' : c’est un arrondissement, choisissez sa commune' : ''}.`, 'territoire_inconnu');
      await population(sql`false`);
      return { label: departementLabel(commune.name, commune.departement_code), departements: [commune.departement_code], commune: code, population: Number(commune.population ?? 0), nationalPopulation };
    }
  }
}

async function filterFacts(db: Kysely<DB>, filter: PilotageFilter, territory: TerritoryFacts): Promise<FilterFacts> {
  const territoryDepartements = territory.departements ?? (await db.selectFrom('departements').select('code').execute()).map((d) => d.code);
  let programmeFunderIds: number[] = [];
  if (filter.programme !== null) {
    const programme = await db.selectFrom('programmes').select('created_by_organisation_id').where('id', '=', filter.programme).executeTakeFirst();
    if (!programme) throw notFound('Ce programme est introuvable.', 'programme_inconnu');
    const cofunders = await db.selectFrom('programme_cofunders').select('organisation_id').where('programme_id', '=', filter.programme).where('status', '=', 'accepted').execute();
    programmeFunderIds = [...new Set([Number(programme.created_by_organisation_id), ...cofunders.map((c) => Number(c.organisation_id))])];
  }
  let placeOrganisationId: number | null = null;
  if (filter.place !== null) {
    const place = await db.selectFrom('places').select('organisation_id').where('id', '=', filter.place).executeTakeFirst();
    if (!place) throw notFound('Ce lieu est introuvable.', 'lieu_inconnu');
    placeOrganisationId = place.organisation_id === null ? null : Number(place.organisation_id);
  }
  for (const [id, what] of [[filter.funder, 'Ce financeur'], [filter.prescriber, 'Cette structure prescriptrice']] as const) {
    if (id !== null && !(await db.selectFrom('organisations').select('id').where('id', '=', id).executeTakeFirst())) throw notFound(`${what} est introuvable.`, 'organisation_inconnue');
  }
  return { territoryDepartements, programmeFunderIds, placeOrganisationId };
}

// ——— Aggregation ———

interface Cell {
  count: number;
  amount: number;
  max: number;
  sum: number;
  /** For medians: bucket → count. */
  buckets: Map<number, number>;
}
/** key → metric → cell. */
type Cells = Map<string, Map<string, Cell>>;

const lit = (value: string) => `'${value.replace(/'/g, "''")}'`;
const int = (value: number) => String(Math.trunc(value));
const days = (list: string[]) => `array[${list.map((d) => `${lit(d)}::date`).join(', ')}]`;

/** Conditions on rows holding the dimension columns (facts, source rows); the rollups lack commune, prescriber, place. */
function filterConditions(filter: PilotageFilter, territory: TerritoryFacts, alias: string): string[] {
  const conditions: string[] = [];
  if (territory.commune) conditions.push(`${alias}.commune_code = ${lit(territory.commune)}`);
  else if (territory.departements) conditions.push(`${alias}.departement_code = any(array[${territory.departements.map(lit).join(', ')}])`);
  for (const [column, value] of [['programme_id', filter.programme], ['funder_id', filter.funder], ['prescriber_id', filter.prescriber], ['place_id', filter.place]] as const) {
    if (value !== null) conditions.push(`${alias}.${column} = ${int(value)}`);
  }
  return conditions;
}

type Grouping = Breakdown | null;

/** The key of a row of the breakdown, over x (the dimension columns, `period` the day or month, `region_code`). */
/** The rows of a query with the région of their département, when the key needs it. */
const withRegion = (inner: string, key: string) =>
  key.includes('region_code') ? `(select i.*, kd.region_code from (${inner}) i left join departements kd on kd.code = i.departement_code)` : `(${inner})`;

function keySql(grouping: Grouping, level: Level): string {
  switch (grouping) {
    case null: return `''`;
    case 'territory': return level === 'france' ? 'x.region_code' : level === 'departement' ? 'x.commune_code' : level === 'commune' ? `''` : 'x.departement_code';
    case 'month': return `to_char(x.period, 'YYYY-MM')`;
    case 'programme': return 'x.programme_id::text';
    case 'funder': return 'x.funder_id::text';
    case 'prescriber': return 'x.prescriber_id::text';
    case 'place': return 'x.place_id::text';
    case 'theme': return 'x.theme';
  }
}

/** The rollups serve whole départements without an organisation of the row level (prescriber, place) or a commune. */
export function usesRollup(filter: PilotageFilter): boolean {
  if (filter.level === 'commune' || filter.prescriber !== null || filter.place !== null) return false;
  if (filter.breakdown === 'prescriber' || filter.breakdown === 'place') return false;
  if (filter.breakdown === 'territory' && filter.level === 'departement') return false;
  return true;
}

const MAIN_METRICS = FACT_SOURCES.filter((s) => !s.metric.includes('@')).map((s) => s.metric);
const THEME_METRICS = FACT_SOURCES.filter((s) => s.metric.includes('@')).map((s) => s.metric);

function addRow(cells: Cells, row: { metric: string; bucket: number | null; key: string | null; count: unknown; amount: unknown; bmax: unknown; bsum: unknown }) {
  const key = row.key ?? '';
  const metric = row.metric.replace(/@theme$/, '');
  let byMetric = cells.get(key);
  if (!byMetric) cells.set(key, (byMetric = new Map()));
  let cell = byMetric.get(metric);
  if (!cell) byMetric.set(metric, (cell = { count: 0, amount: 0, max: 0, sum: 0, buckets: new Map() }));
  const count = Number(row.count);
  cell.count += count;
  cell.amount += Number(row.amount);
  cell.max = Math.max(cell.max, Number(row.bmax));
  cell.sum += Number(row.bsum);
  if (row.bucket !== null) cell.buckets.set(Number(row.bucket), (cell.buckets.get(Number(row.bucket)) ?? 0) + count);
}

/** France without an organisation, by month or theme or not broken down, reads the national rollups. */
export function usesFranceRollup(filter: PilotageFilter): boolean {
  return filter.level === 'france' && filter.programme === null && filter.funder === null && filter.prescriber === null && filter.place === null
    && (filter.breakdown === null || filter.breakdown === 'month' || filter.breakdown === 'theme');
}

/**
 * A read of the pilotage with JIT off (`set local`, in its own short transaction, or the caller's): the queries are
 * short, and their estimated cost at national volume made PostgreSQL spend more compiling them than running them
 * (157 ms of JIT on a France query at 1.5 M vouchers).
 */
async function readRows<R>(db: Kysely<DB>, text: string): Promise<R[]> {
  const run = async (q: Kysely<DB>) => {
    await sql`set local jit = off`.execute(q);
    // Enough memory to group the breakdowns' rows by hashing rather than sorting on disk or on collated text.
    await sql`set local work_mem = '32MB'`.execute(q);
    return (await sql.raw<R>(text).execute(q)).rows;
  };
  return db.isTransaction ? run(db) : db.transaction().execute(run);
}

/** Aggregates from the cube: rollups (whole months + the days left) or daily facts. */
async function cubeCells(db: Kysely<DB>, filter: PilotageFilter, territory: TerritoryFacts, grouping: Grouping, metrics: string[]): Promise<Cells> {
  const themed = metrics.some((m) => m.includes('@'));
  const metricCondition = `r.theme is ${themed ? 'not null' : 'null'} and r.metric = any(array[${metrics.map(lit).join(', ')}])`;
  let inner: string;
  if (usesRollup(filter)) {
    const national = usesFranceRollup(filter);
    const conditions = [metricCondition, ...filterConditions(filter, territory, 'r')].join(' and ');
    const split = splitPeriod(filter.from, filter.to);
    const columns = national ? 'r.metric, r.bucket, null::text as departement_code, null::bigint as programme_id, null::bigint as funder_id, r.theme' : 'r.metric, r.bucket, r.departement_code, r.programme_id, r.funder_id, r.theme';
    const [months, daysTable] = national ? ['pilotage_france_months', 'pilotage_france_days'] : ['pilotage_dept_months', 'pilotage_dept_days'];
    const parts: string[] = [];
    if (split.months.length) parts.push(`select ${columns}, r.month as period, r.count, r.amount_cents, r.beneficiaries_max as bmax, r.beneficiaries_sum as bsum
      from ${months} r where r.month = any(${days(split.months)}) and ${conditions}`);
    for (const range of split.days) parts.push(`select ${columns}, r.day as period, r.count, r.amount_cents, r.beneficiaries_max as bmax, r.beneficiaries_sum as bsum
      from ${daysTable} r where r.day between ${lit(range.from)}::date and ${lit(range.to)}::date and ${conditions}`);
    inner = parts.join(' union all ');
  } else {
    const conditions = [metricCondition, ...filterConditions(filter, territory, 'r')].join(' and ');
    inner = `select r.metric, r.bucket, r.departement_code, r.commune_code, r.programme_id, r.funder_id, r.prescriber_id, r.place_id, r.theme, r.day as period,
        r.count, r.amount_cents, r.beneficiaries as bmax, r.beneficiaries as bsum
      from pilotage_facts r where r.day between ${lit(filter.from)}::date and ${lit(filter.to)}::date and ${conditions}`;
  }
  const key = keySql(grouping, filter.level);
  const rows = await readRows<{ metric: string; bucket: number | null; key: string | null; count: string; amount: string; bmax: number; bsum: string }>(db, `
    select x.metric, x.bucket, ${key} as key, sum(x.count) as count, sum(x.amount_cents) as amount, max(x.bmax) as bmax, sum(x.bsum) as bsum
    from ${withRegion(inner, key)} x
    group by 1, 2, 3`);
  const cells: Cells = new Map();
  for (const row of rows) addRow(cells, row);
  return cells;
}

/** The naive GROUP BY over the base tables (the yardstick): exact distinct people per key. */
async function baseCells(db: Kysely<DB>, filter: PilotageFilter, territory: TerritoryFacts, grouping: Grouping, metrics: string[], extra?: string): Promise<Cells> {
  const conditions = filterConditions(filter, territory, 'r');
  const sources = FACT_SOURCES.filter((s) => metrics.includes(s.metric));
  if (sources.length === 0) return new Map();
  const inner = sources.map((source) => `select ${lit(source.metric)} as metric, r.bucket, r.departement_code, r.commune_code, r.programme_id, r.funder_id, r.prescriber_id,
      r.place_id, r.theme, r.day as period, r.n, r.amount, r.person
    from (${sourceRowsSql(source, { kind: 'period', from: filter.from, to: filter.to })}) r ${conditions.length ? `where ${conditions.join(' and ')}` : ''}`).join(' union all ');
  const key = keySql(grouping, filter.level);
  const cells: Cells = new Map();
  // Distinct people per key and metric (over every bucket of a median), then the histogram.
  const { rows } = await sql.raw<{ metric: string; bucket: number | null; key: string | null; count: string; amount: string; people: number; first: boolean }>(`
    with x as (select * from ${withRegion(inner, key)} x ${extra ? `where ${extra}` : ''}),
      g as (select x.metric, x.bucket, ${key} as key, sum(x.n) as count, sum(x.amount) as amount from x group by 1, 2, 3),
      p as (select x.metric, ${key} as key, count(distinct x.person)::int as people from x group by 1, 2)
    select g.metric, g.bucket, g.key, g.count, g.amount, p.people,
      row_number() over (partition by g.metric, g.key order by g.bucket nulls first) = 1 as first
    from g join p on p.metric = g.metric and p.key is not distinct from g.key`).execute(db);
  // Exact people per key and metric, counted once over the buckets of a median (max = sum = the distinct count).
  for (const row of rows) addRow(cells, { ...row, bmax: row.first ? row.people : 0, bsum: row.first ? row.people : 0 });
  return cells;
}

// ——— Values ———

interface Stocks {
  places: number;
  labelled_places: number;
  places_accepting_pass: number;
  mediators: number;
}

async function stocks(db: Kysely<DB>, filter: PilotageFilter, territory: TerritoryFacts, grouping: Grouping): Promise<Map<string, Stocks>> {
  const conditions = ['true'];
  if (territory.commune) conditions.push(`s.commune_code = ${lit(territory.commune)}`);
  else if (territory.departements) conditions.push(`s.departement_code = any(array[${territory.departements.map(lit).join(', ')}])`);
  if (filter.place !== null) conditions.push(`s.place_id = ${int(filter.place)}`);
  const key = grouping === 'territory' ? keySql('territory', filter.level).replace(/\bx\./g, 's.') : grouping === 'place' ? 's.place_id::text' : `''`;
  const base = `${withRegion(placesStockSql(filter.programme), key)} s`;
  const where = conditions.join(' and ');
  const [places, mediators] = await Promise.all([
    readRows<{ key: string | null; places: number; labelled: number; accepting: number }>(db, `select ${key} as key, count(*)::int as places, count(*) filter (where s.labelled)::int as labelled,
        count(*) filter (where s.accepting)::int as accepting from ${base} where ${where} group by 1`),
    readRows<{ key: string | null; mediators: number }>(db, `select ${key} as key, count(distinct m.user_id)::int as mediators from ${base} ${MEDIATORS_OF_PLACES_SQL} where ${where} group by 1`),
  ]);
  const out = new Map<string, Stocks>();
  const get = (k: string | null) => {
    const id = k ?? '';
    if (!out.has(id)) out.set(id, { places: 0, labelled_places: 0, places_accepting_pass: 0, mediators: 0 });
    return out.get(id)!;
  };
  for (const row of places) Object.assign(get(row.key), { places: row.places, labelled_places: row.labelled, places_accepting_pass: row.accepting });
  for (const row of mediators) get(row.key).mediators = row.mediators;
  return out;
}

const STOCK_IDS = ['places', 'labelled_places', 'places_accepting_pass', 'mediators'] as const;

interface Recount {
  values: Partial<Record<IndicatorId, IndicatorValue>>;
  id: IndicatorId;
  key: string;
  upper: number;
}

/** The values of one row (or the report) from its cells. */
function valuesOf(
  cells: Map<string, Cell> | undefined,
  stock: Stocks | undefined,
  goalDenominator: number | null,
  ids: readonly IndicatorId[],
  key: string,
  recounts: Recount[],
): Partial<Record<IndicatorId, IndicatorValue>> {
  const values: Partial<Record<IndicatorId, IndicatorValue>> = {};
  const empty: Cell = { count: 0, amount: 0, max: 0, sum: 0, buckets: new Map() };
  for (const id of ids) {
    const def = INDICATORS[id];
    if (def.kind === 'flow' || def.kind === 'median') {
      const cell = cells?.get(id) ?? empty;
      let value: number | null;
      if (def.kind === 'median') value = medianFromHistogram(cell.buckets);
      else if (def.unit === 'hours') value = round(cell.count / 60, 1);
      else if (def.unit === 'euros') value = cell.amount / 100;
      else value = cell.count;
      const out: IndicatorValue = { value };
      if (def.amount) out.amountCents = cell.amount;
      if (def.personal) {
        const floorId = BENEFICIARY_FLOORS[id];
        const bound = beneficiaryBound(ADDITIVE_BENEFICIARIES.has(id), cell.max, cell.sum, floorId ? (cells?.get(floorId)?.sum ?? 0) : 0);
        out.beneficiaries = bound.value;
        if (!bound.exact && bound.value < RECOUNT_THRESHOLD && cell.sum >= RECOUNT_THRESHOLD) recounts.push({ values, id, key, upper: cell.sum });
      }
      if (def.estimate) out.estimate = true;
      values[id] = out;
    } else if (def.kind === 'stock') {
      if (stock) values[id] = { value: stock[id as (typeof STOCK_IDS)[number]] };
    }
  }
  for (const id of ids) {
    const def = INDICATORS[id];
    if (def.kind !== 'rate') continue;
    if (def.ratio) {
      const numerator = values[def.ratio.numerator]?.value ?? null;
      const denominator = values[def.ratio.denominator]?.value ?? null;
      values[id] = { value: numerator === null || !denominator ? null : def.unit === 'percent' ? round((100 * numerator) / denominator, 1) : round(numerator / denominator, 2) };
    } else if (id === 'goal_progress') {
      const people = values.people_reached?.value ?? null;
      if (goalDenominator !== null) values[id] = { value: people === null || goalDenominator <= 0 ? null : round((100 * people) / goalDenominator, 1) };
    }
  }
  return values;
}

/** The goal over the period for a population: 1.5 million a year × days / 365 × share of the French population. */
export const goalFor = (days: number, population: number, nationalPopulation: number): number =>
  nationalPopulation > 0 ? (NATIONAL_YEARLY_GOAL * days * population) / (365 * nationalPopulation) : 0;

const MONTH = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const NONE_LABELS: Record<Breakdown, string> = {
  territory: 'Non localisé',
  month: 'Sans date',
  programme: 'Sans programme',
  funder: 'Sans financeur',
  prescriber: 'Sans structure prescriptrice',
  place: 'Sans lieu',
  theme: 'Sans thème',
};

/** Which indicators a breakdown shows. */
export function breakdownIndicators(by: Breakdown): IndicatorId[] {
  if (by === 'theme') return ['accompaniments', 'anonymous_participants', 'accompaniment_sessions', 'training_hours'];
  return INDICATOR_IDS.filter((id) => {
    const kind = INDICATORS[id].kind;
    if (kind === 'stock') return by === 'territory';
    if (id === 'goal_progress') return by === 'territory';
    return true;
  });
}

interface RowMeta {
  label: string;
  drill?: Partial<PilotageFilter>;
  population?: number;
}

async function rowMeta(db: Kysely<DB>, filter: PilotageFilter, by: Breakdown, keys: string[]): Promise<Map<string, RowMeta>> {
  const meta = new Map<string, RowMeta>();
  const ids = keys.filter((k) => /^\d+$/.test(k)).map(Number);
  switch (by) {
    case 'territory': {
      const child = CHILD_LEVEL[filter.level];
      if (child === 'region') {
        const rows = await sql<{ code: string; name: string; population: string }>`select r.code, r.name, coalesce((select sum(c.population) from communes c join departements d on d.code = c.departement_code where d.region_code = r.code and c.kind = 'commune'), 0) as population from regions r`.execute(db);
        for (const r of rows.rows) meta.set(r.code, { label: r.name, drill: { level: 'region', code: r.code }, population: Number(r.population) });
      } else if (child === 'departement') {
        const rows = await sql<{ code: string; name: string; population: string }>`select d.code, d.name, coalesce((select sum(c.population) from communes c where c.departement_code = d.code and c.kind = 'commune'), 0) as population from departements d`.execute(db);
        for (const r of rows.rows) meta.set(r.code, { label: departementLabel(r.name, r.code), drill: { level: 'departement', code: r.code }, population: Number(r.population) });
      } else if (child === 'commune') {
        const codes = keys.filter((k) => k !== '');
        if (codes.length) {
          const rows = await db.selectFrom('communes').select(['insee_code', 'name', 'departement_code', 'population']).where('insee_code', 'in', codes).execute();
          for (const r of rows) meta.set(r.insee_code, { label: departementLabel(r.name, r.departement_code), drill: { level: 'commune', code: r.insee_code }, population: Number(r.population ?? 0) });
        }
      }
      break;
    }
    case 'month':
      for (const key of keys) {
        if (!/^\d{4}-\d{2}$/.test(key)) continue;
        const first = `${key}-01`;
        const next = new Date(`${first}T00:00:00Z`);
        next.setUTCMonth(next.getUTCMonth() + 1);
        const last = new Date(next.getTime() - 86_400_000).toISOString().slice(0, 10);
        meta.set(key, { label: MONTH.format(new Date(`${first}T00:00:00Z`)), drill: { from: first < filter.from ? filter.from : first, to: last > filter.to ? filter.to : last } });
      }
      break;
    case 'programme':
      if (ids.length) for (const r of await db.selectFrom('programmes').select(['id', 'name']).where('id', 'in', ids).execute()) meta.set(String(r.id), { label: r.name, drill: { programme: Number(r.id) } });
      break;
    case 'funder':
    case 'prescriber':
      if (ids.length) for (const r of await db.selectFrom('organisations').select(['id', 'name']).where('id', 'in', ids).execute()) meta.set(String(r.id), { label: r.name, drill: { [by]: Number(r.id) } });
      break;
    case 'place':
      if (ids.length) for (const r of await db.selectFrom('places').select(['id', 'name']).where('id', 'in', ids).execute()) meta.set(String(r.id), { label: r.name, drill: { place: Number(r.id) } });
      break;
    case 'theme':
      for (const key of keys) if (key in THEMES) meta.set(key, { label: THEMES[key as keyof typeof THEMES] });
      break;
  }
  return meta;
}

/** The SQL condition on a base row x (and its département kd) that keeps one key of a breakdown. */
function keyCondition(grouping: Grouping, level: Level, key: string): string {
  const expression = keySql(grouping, level);
  return key === '' ? `${expression} is null` : `${expression} = ${lit(key)}`;
}

type Mode = 'cube' | 'base';

async function computeReport(db: Kysely<DB>, filter: PilotageFilter, territory: TerritoryFacts, mode: Mode, audience: IndicatorReport['audience'], exactSmallCells = false): Promise<IndicatorReport> {
  // A database never refreshed (just migrated, or a test's world) is brought up to date before its first read.
  if (mode === 'cube' && (await pilotageRefreshedAt(db)) === null) await refreshPilotage(db);
  const read = (grouping: Grouping, metrics: string[]) => (mode === 'cube' ? cubeCells : baseCells)(db, filter, territory, grouping, metrics);
  const by = filter.breakdown;
  const totalDays = periodDays(filter);
  const recounts: Recount[] = [];
  // Totals: from the grouped cells when the grouping partitions the rows (cube: bounds add up); the base counts
  // distinct people over the whole report, so it reads the totals on their own.
  // The reads are independent: on PostgreSQL they run on several connections at once.
  const totalsFromGroups = mode === 'cube' && by !== null && by !== 'theme';
  const [grouped, ungrouped, stockRows, stockTotals] = await Promise.all([
    by ? read(by, by === 'theme' ? THEME_METRICS : MAIN_METRICS) : Promise.resolve(null),
    totalsFromGroups ? Promise.resolve(null) : read(null, MAIN_METRICS),
    stocks(db, filter, territory, by === 'territory' ? 'territory' : null),
    by === 'territory' ? stocks(db, filter, territory, null) : Promise.resolve(null),
  ]);
  let totalCells: Map<string, Cell> | undefined;
  if (totalsFromGroups && grouped) {
    totalCells = new Map();
    for (const byMetric of grouped.values()) {
      for (const [metric, cell] of byMetric) {
        const total = totalCells.get(metric) ?? { count: 0, amount: 0, max: 0, sum: 0, buckets: new Map<number, number>() };
        total.count += cell.count;
        total.amount += cell.amount;
        total.max = Math.max(total.max, cell.max);
        total.sum += cell.sum;
        for (const [bucket, n] of cell.buckets) total.buckets.set(bucket, (total.buckets.get(bucket) ?? 0) + n);
        totalCells.set(metric, total);
      }
    }
  } else totalCells = ungrouped?.get('');
  const totalStock = (stockTotals ?? stockRows).get('');
  const goal = goalFor(totalDays, territory.population, territory.nationalPopulation);
  const values = valuesOf(totalCells, totalStock ?? { places: 0, labelled_places: 0, places_accepting_pass: 0, mediators: 0 }, goal, INDICATOR_IDS, '', recounts) as Record<IndicatorId, IndicatorValue>;

  let breakdown: IndicatorReport['breakdown'] = null;
  if (by && grouped) {
    const indicators = breakdownIndicators(by);
    const child = CHILD_LEVEL[filter.level];
    let keys = [...new Set([...grouped.keys(), ...(by === 'territory' ? stockRows.keys() : [])])];
    if (by === 'territory' && child === null) keys = [];
    const meta = await rowMeta(db, filter, by, keys);
    // The children of a région or a hub are listed even without activity; communes only with some.
    if (by === 'territory' && (child === 'departement' || child === 'region')) {
      const children = child === 'region' ? [...meta.keys()] : territory.departements ?? [...meta.keys()];
      for (const code of children) if (!keys.includes(code)) keys.push(code);
      keys = keys.filter((k) => k === '' || (child === 'region' || (territory.departements ?? []).includes(k) || territory.departements === null));
    }
    const rows: BreakdownRow[] = keys
      .map((key) => {
        const m = meta.get(key);
        const population = m?.population;
        const rowGoal = by === 'territory' && population !== undefined ? goalFor(totalDays, population, territory.nationalPopulation) : null;
        const row: BreakdownRow = {
          key: key === '' ? 'non_renseigne' : key,
          label: key === '' ? NONE_LABELS[by] : (m?.label ?? key),
          values: valuesOf(grouped.get(key), by === 'territory' ? (stockRows.get(key) ?? { places: 0, labelled_places: 0, places_accepting_pass: 0, mediators: 0 }) : undefined, rowGoal, indicators, key, recounts),
        };
        if (m?.drill && key !== '') row.drill = m.drill;
        return row;
      })
      .sort((a, b) => (by === 'month' || by === 'territory' ? a.key.localeCompare(b.key) : a.label.localeCompare(b.label, 'fr')));
    breakdown = { by, indicators, rows };
  }

  // Cells whose lower bound is under the threshold while their upper bound is not: counted exactly from the base tables.
  if (mode === 'cube') {
    // Independent reads (a cell each): on PostgreSQL they run on several connections at once.
    await Promise.all(recounts.filter((r) => r.upper <= RECOUNT_UPPER_LIMIT && (exactSmallCells || ALWAYS_RECOUNTED.has(r.id))).slice(0, MAX_RECOUNTS).map(async (recount) => {
      const metric = by === 'theme' && recount.key !== '' ? `${recount.id}@theme` : recount.id;
      const grouping = recount.values === values ? null : by;
      const extra = grouping ? keyCondition(grouping, filter.level, recount.key) : undefined;
      const exact = await baseCells(db, filter, territory, grouping, [metric], extra);
      const cell = exact.get(grouping ? recount.key : '')?.get(recount.id);
      recount.values[recount.id] = { ...recount.values[recount.id]!, beneficiaries: cell ? cell.sum : 0 };
    }));
  }

  return {
    filter,
    dictionaryVersion: DICTIONARY_VERSION,
    territoryLabel: territory.label,
    updatedAt: (mode === 'cube' ? await pilotageRefreshedAt(db) : null) ?? new Date().toISOString(),
    values,
    breakdown,
    audience,
  };
}

/**
 * The indicators of a filter as the principal may see them: parsed (`parsePilotageFilter`), narrowed by the
 * policies (`scopeFilter`; the public: `checkPublicFilter`), read from the cube, then protected (privacy.ts).
 */
export async function readIndicators(db: Kysely<DB>, principal: Principal | null, query: unknown, options: { today?: string; exactSmallCells?: boolean } = {}): Promise<IndicatorReport> {
  let filter = parsePilotageFilter(query, options.today ?? parisDay());
  const territory = await territoryFacts(db, filter);
  if (principal === null) checkPublicFilter(filter);
  else filter = scopeFilter(principal, filter, await filterFacts(db, filter, territory)).filter;
  const report = await computeReport(db, filter, territory, 'cube', principal === null ? 'public' : 'shared', options.exactSmallCells);
  return protectReport(report);
}

/** The cube's report of a complete filter, before the privacy rules (tests, the benchmark). */
export async function readIndicatorsFromCube(db: Kysely<DB>, filter: PilotageFilter, options: { exactSmallCells?: boolean } = {}): Promise<IndicatorReport> {
  return computeReport(db, filter, await territoryFacts(db, filter), 'cube', 'shared', options.exactSmallCells);
}

/** The same report by naive GROUP BY over the base tables: the benchmark's yardstick and the tests' reference. Unprotected. */
export async function readIndicatorsFromBase(db: Kysely<DB>, filter: PilotageFilter): Promise<IndicatorReport> {
  return computeReport(db, filter, await territoryFacts(db, filter), 'base', 'shared');
}
