import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.js';
import { FACT_SOURCES, insertDeptDaysSql, insertDeptMonthsSql, insertFactsSql, insertFranceSql, type DayRange } from './cube-sql.js';

/**
 * One refresher at a time across every instance (ADR 0010), per schema: the tests' per-platform schemas and two
 * benchmark schemas of one database do not wait for each other.
 */
export const PILOTAGE_REFRESH_LOCK = sql`hashtext('pilotage:' || current_schema())`;
/** When the aggregates were last brought up to date (ISO), in app_settings. */
export const REFRESHED_AT_KEY = 'pilotage.refreshed_at';
/** Past this many dirty days, recomputing everything set-based is faster than day lists. */
const REBUILD_ABOVE_DAYS = 400;
/** Every instance runs the refresh this often (serve.ts): a redemption shows in every aggregate within a minute. */
export const PILOTAGE_REFRESH_INTERVAL_MS = 30_000;

export interface RefreshResult {
  /** Days recomputed (0 when nothing was dirty, or another instance was refreshing). */
  days: number;
  ms: number;
  /** Another instance held the lock: nothing was done. */
  skipped?: boolean;
}

const isSerializationFailure = (error: unknown) => (error as { code?: string } | null)?.code === '40001';

const toDay = (value: unknown): string => (value instanceof Date ? value.toISOString().slice(0, 10) : String(value).slice(0, 10));
const monthOf = (day: string) => `${day.slice(0, 7)}-01`;

async function storeRefreshTime(trx: Transaction<DB>): Promise<void> {
  await sql`insert into app_settings (key, value) values (${REFRESHED_AT_KEY}, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
    on conflict (key) do update set value = excluded.value`.execute(trx);
}

/** Recomputes the facts of these days, then their département days and months. */
async function recomputeDays(trx: Transaction<DB>, days: string[]): Promise<void> {
  const range: DayRange = { kind: 'days', days };
  const list = sql.raw(`array[${days.map((d) => `'${d}'::date`).join(', ')}]`);
  await sql`delete from pilotage_facts where day = any(${list})`.execute(trx);
  for (const source of FACT_SOURCES) await sql.raw(insertFactsSql(source, range)).execute(trx);
  await sql`delete from pilotage_dept_days where day = any(${list})`.execute(trx);
  await sql.raw(insertDeptDaysSql(days)).execute(trx);
  const months = [...new Set(days.map(monthOf))];
  await sql`delete from pilotage_dept_months where month = any(${sql.raw(`array[${months.map((m) => `'${m}'::date`).join(', ')}]`)})`.execute(trx);
  await sql.raw(insertDeptMonthsSql(months)).execute(trx);
  await sql`delete from pilotage_france_days where day = any(${list})`.execute(trx);
  await sql.raw(insertFranceSql('day', days)).execute(trx);
  await sql`delete from pilotage_france_months where month = any(${sql.raw(`array[${months.map((m) => `'${m}'::date`).join(', ')}]`)})`.execute(trx);
  await sql.raw(insertFranceSql('month', months)).execute(trx);
}

/** Everything from the base tables, set-based (one statement per metric). */
async function recomputeAll(trx: Transaction<DB>): Promise<number> {
  await sql`delete from pilotage_dirty_days`.execute(trx);
  await sql`delete from pilotage_facts`.execute(trx);
  await sql`delete from pilotage_dept_days`.execute(trx);
  await sql`delete from pilotage_dept_months`.execute(trx);
  for (const source of FACT_SOURCES) await sql.raw(insertFactsSql(source, { kind: 'all' })).execute(trx);
  await sql.raw(insertDeptDaysSql(null)).execute(trx);
  await sql.raw(insertDeptMonthsSql(null)).execute(trx);
  await sql`delete from pilotage_france_days`.execute(trx);
  await sql`delete from pilotage_france_months`.execute(trx);
  await sql.raw(insertFranceSql('day', null)).execute(trx);
  await sql.raw(insertFranceSql('month', null)).execute(trx);
  const { rows } = await sql<{ n: number }>`select count(distinct day)::int as n from pilotage_facts`.execute(trx);
  return rows[0]!.n;
}

/**
 * Brings the aggregates up to date: in one REPEATABLE READ transaction, under a try-lock (another instance
 * refreshing → return at once), deletes the dirty days visible in its snapshot and recomputes them. A write
 * committed after the snapshot left its own dirty row, which the next run reads: nothing is lost under
 * concurrent writes. The first refresh of a database (no refresh time yet) recomputes everything.
 */
export async function refreshPilotage(db: Kysely<DB>): Promise<RefreshResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    return await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      const { rows: [lock] } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${PILOTAGE_REFRESH_LOCK}) as locked`.execute(trx);
      if (!lock!.locked) return { days: 0, ms: ms(), skipped: true };
      const refreshed = await trx.selectFrom('app_settings').select('value').where('key', '=', REFRESHED_AT_KEY).executeTakeFirst();
      let count: number;
      if (!refreshed) count = await recomputeAll(trx);
      else {
        const { rows } = await sql<{ day: unknown }>`with gone as (delete from pilotage_dirty_days returning day) select distinct day from gone order by day`.execute(trx);
        const days = rows.map((row) => toDay(row.day));
        if (days.length > REBUILD_ABOVE_DAYS) count = await recomputeAll(trx);
        else {
          if (days.length > 0) await recomputeDays(trx, days);
          count = days.length;
        }
      }
      await storeRefreshTime(trx);
      return { days: count, ms: ms() };
    });
  } catch (error) {
    // Our snapshot predates a refresh that committed just before we took the lock: it did the work.
    if (isSerializationFailure(error)) return { days: 0, ms: ms(), skipped: true };
    throw error;
  }
}

/**
 * Recomputes every day from the base tables (the benchmark, the demo, after a change of attribution such as a place
 * moving commune). Waits for a refresh under way; the snapshot is taken once the lock is held.
 */
export async function rebuildPilotage(db: Kysely<DB>): Promise<RefreshResult> {
  const started = performance.now();
  return db.connection().execute(async (connection) => {
    await sql`select pg_advisory_lock(${PILOTAGE_REFRESH_LOCK})`.execute(connection);
    try {
      const days = await connection.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
        const n = await recomputeAll(trx);
        await storeRefreshTime(trx);
        return n;
      });
      return { days, ms: Math.round(performance.now() - started) };
    } finally {
      await sql`select pg_advisory_unlock(${PILOTAGE_REFRESH_LOCK})`.execute(connection);
    }
  });
}

/** The last refresh time (ISO), or null before the first one. */
export async function pilotageRefreshedAt(db: Kysely<DB>): Promise<string | null> {
  const row = await db.selectFrom('app_settings').select('value').where('key', '=', REFRESHED_AT_KEY).executeTakeFirst();
  return row?.value ?? null;
}
