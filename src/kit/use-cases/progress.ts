import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { TOPIC_CODES, TOPICS, type Level, type Topic } from '../domain/topics.js';
import { measuredBookletsSql } from '../domain/progress-sql.js';

/** The follow-up rule (domain/follow-up.ts), for the booklet page's link to the second diagnostic. */
export { canStartFollowUp } from '../domain/follow-up.js';

export interface Measure {
  at: Date;
  overall: Level;
  levels: Record<Topic, Level>;
}

export interface BookletProgress {
  before: Measure | null;
  after: Measure | null;
  topics: { topic: Topic; label: string; before: Level | null; after: Level | null }[];
}

interface MeasureRow {
  kind: string;
  finished_at: Date;
  overall_level: number;
  topic_levels: unknown;
}

const toMeasure = (row: MeasureRow | undefined): Measure | null =>
  row ? { at: new Date(row.finished_at), overall: row.overall_level as Level, levels: row.topic_levels as Record<Topic, Level> } : null;

/**
 * Before: the first finished diagnostic linked to the booklet (the one run when it was handed). After: the latest
 * follow-up. Both are pseudonymous: the booklet number is the only link.
 */
export async function bookletProgress(db: Kysely<DB>, bookletId: number): Promise<BookletProgress | null> {
  const rows = await db
    .selectFrom('diagnostics')
    .select(['kind', 'finished_at', 'overall_level', 'topic_levels'])
    .where('booklet_id', '=', bookletId)
    .where('finished_at', 'is not', null)
    .orderBy('finished_at')
    .execute() as MeasureRow[];
  if (rows.length === 0) return null;
  const before = toMeasure(rows.find((r) => r.kind === 'initial') ?? rows[0]);
  const followups = rows.filter((r) => r.kind === 'followup');
  const after = followups.length && before && followups.at(-1)!.finished_at > before.at ? toMeasure(followups.at(-1)) : null;
  return {
    before,
    after,
    topics: TOPIC_CODES.map((topic) => ({ topic, label: TOPICS[topic], before: before?.levels[topic] ?? null, after: after?.levels[topic] ?? null })),
  };
}

export interface OrderProgress {
  orderId: number;
  /** Booklets measured before and after. */
  measured: number;
  progressed: number;
  overallBefore: number | null;
  overallAfter: number | null;
  topics: { topic: Topic; label: string; before: number | null; after: number | null }[];
}

/**
 * Per order, the average levels before and after over the booklets measured twice. Averages over fewer than
 * `smallCount` booklets are withheld: a small group must not point at a person.
 */
export async function ordersProgress(db: Kysely<DB>, orderIds: number[], smallCount: number): Promise<OrderProgress[]> {
  if (orderIds.length === 0) return [];
  const { rows } = await sql<{ order_id: number; before_overall: number; after_overall: number; before_levels: Record<Topic, number>; after_levels: Record<Topic, number> }>`
    with measured as (${sql.raw(measuredBookletsSql())})
    select order_id, (first).overall_level as before_overall, (last).overall_level as after_overall,
           (first).topic_levels as before_levels, (last).topic_levels as after_levels
    from measured where order_id = any(${orderIds}::bigint[])`.execute(db);
  return orderIds.map((orderId) => {
    const measures = rows.filter((r) => r.order_id === orderId);
    const enough = measures.length >= smallCount;
    const mean = (values: number[]) => (enough && values.length ? Math.round((values.reduce((s, v) => s + v, 0) / values.length) * 10) / 10 : null);
    return {
      orderId,
      measured: measures.length,
      progressed: enough ? measures.filter((m) => m.after_overall > m.before_overall).length : 0,
      overallBefore: mean(measures.map((m) => m.before_overall)),
      overallAfter: mean(measures.map((m) => m.after_overall)),
      topics: TOPIC_CODES.map((topic) => ({
        topic, label: TOPICS[topic],
        before: mean(measures.map((m) => m.before_levels[topic] ?? 1)),
        after: mean(measures.map((m) => m.after_levels[topic] ?? 1)),
      })),
    };
  });
}
