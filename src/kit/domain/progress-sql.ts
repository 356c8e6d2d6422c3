import { TOPIC_CODES } from './topics.js';

/**
 * The one SQL definition of measured progress (docs/DIAGNOSTIC.md), read by the funder report (ordersProgress) and
 * the pilotage (booklets measured twice, booklets progressed). For each handed booklet: `first`, its first finished
 * diagnostic (the initial one when there is one), and `last`, its latest finished follow-up; the booklet is measured
 * twice when `last` finished after `first`. Plain text over the booklet alias `b`; `bookletCondition` is SQL written
 * in the code, never user input.
 */
export function measuredBookletsSql(bookletCondition = 'true'): string {
  return `select b.id as booklet_id, b.order_id, first, last from (
      select b.id, b.order_id,
        (select d from diagnostics d where d.booklet_id = b.id and d.finished_at is not null
          order by (d.kind = 'initial') desc, d.finished_at limit 1) as first,
        (select d from diagnostics d where d.booklet_id = b.id and d.finished_at is not null and d.kind = 'followup'
          order by d.finished_at desc limit 1) as last
      from booklets b
      where b.handed_at is not null and (${bookletCondition})
    ) b
    where (first).id is not null and (last).id is not null and (last).finished_at > (first).finished_at`;
}

/** Progress: the level went up in at least one topic between `first` and `last` (a topic not measured counts as level 1). */
export function progressedSql(first = 'first', last = 'last'): string {
  const level = (measure: string, topic: string) => `coalesce(((${measure}).topic_levels ->> '${topic}')::int, 1)`;
  return `(${TOPIC_CODES.map((topic) => `${level(last, topic)} > ${level(first, topic)}`).join(' or ')})`;
}
