import { sql, type SelectQueryBuilder } from 'kysely';
import { paginate, type Page, type PageRequest } from './pagination.js';

/**
 * One page of a filtered list, the way every list of the platform reads it: count the rows the filters keep, apply
 * the paging rule (shared/pagination.ts: a page past the last is the last), then read that page. The query must
 * carry its filters and its order (ending with a unique column, so that pages never overlap), and no GROUP BY.
 */
export async function readPage<D, T extends keyof D, O>(query: SelectQueryBuilder<D, T, O>, request: PageRequest): Promise<{ rows: O[]; page: Page }> {
  const counted = (await query.clearSelect().clearOrderBy().select(sql<number>`count(*)::int`.as('n')).executeTakeFirst()) as { n: number } | undefined;
  const page = paginate(counted?.n ?? 0, request);
  const rows = page.total ? await query.limit(page.limit).offset(page.offset).execute() : [];
  return { rows, page };
}

/** « du » (included) as an instant: the start of that day in metropolitan France. */
export const parisDayStart = (day: string) => sql<Date>`((${day}::date)::timestamp at time zone 'Europe/Paris')`;
/** « au » (included) as an instant: the start of the next day in metropolitan France (compare with <). */
export const parisDayAfter = (day: string) => sql<Date>`(((${day}::date) + 1)::timestamp at time zone 'Europe/Paris')`;
