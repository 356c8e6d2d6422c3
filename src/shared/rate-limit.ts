import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

/** Counts a hit in a fixed window shared by every instance (the table lives in PostgreSQL, not in memory). */
export async function countHit(db: Kysely<DB>, key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
  const row = await sql<{ hits: number; window_start: Date }>`
    insert into rate_limits as r (key, window_start, hits) values (${key}, now(), 1)
    on conflict (key) do update set
      hits = case when r.window_start < now() - ${`${windowMs} milliseconds`}::interval then 1 else r.hits + 1 end,
      window_start = case when r.window_start < now() - ${`${windowMs} milliseconds`}::interval then now() else r.window_start end
    returning hits, window_start`.execute(db);
  const { hits, window_start } = row.rows[0]!;
  return { current: hits, ttl: Math.max(0, new Date(window_start).getTime() + windowMs - Date.now()) };
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A store for @fastify/rate-limit backed by the same table, so limits hold across app instances. */
export function postgresRateLimitStore(db: Kysely<DB>) {
  return class PostgresRateLimitStore {
    private readonly prefix: string;
    constructor(private readonly options: { timeWindow?: number; routeInfo?: { method: string; url: string } }) {
      this.prefix = options.routeInfo ? `${options.routeInfo.method} ${options.routeInfo.url}` : 'global';
    }
    incr(key: string, callback: Callback, timeWindow?: number): void {
      countHit(db, `${this.prefix}|${key}`, timeWindow ?? this.options.timeWindow ?? 60_000).then(
        (result) => callback(null, result),
        (error: Error) => callback(error),
      );
    }
    child(routeOptions: Record<string, unknown>) {
      return new PostgresRateLimitStore({ ...this.options, ...routeOptions });
    }
  };
}
