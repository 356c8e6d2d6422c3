import type pg from 'pg';

/**
 * Hot-path statements run as named prepared statements straight on the pool: PostgreSQL plans them once per
 * connection instead of on every request (the redemption's plan costs more than its execution).
 */
export async function queryPrepared<R extends pg.QueryResultRow>(pool: pg.Pool, name: string, text: string, values: unknown[]): Promise<R[]> {
  const result = await pool.query<R>({ name, text, values });
  return result.rows;
}
