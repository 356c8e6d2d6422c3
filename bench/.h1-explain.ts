// Temporary helper (H1 perf): EXPLAIN (ANALYZE, BUFFERS) of the statements readIndicators runs for one filter of the mix.
import { sql, Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { readIndicators } from '../src/pilotage/use-cases/indicators.js';
import { SYSTEM_PRINCIPAL } from '../src/accounts/domain/principal.js';
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:55432/inclusif_bench', options: '-c search_path=h8_m', max: 1 });
const queries: { sql: string; parameters: readonly unknown[] }[] = [];
const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }), log: (e) => { if (e.level === 'query') queries.push(e.query); } });
const query = JSON.parse(process.argv[2] ?? '{}');
await readIndicators(db, SYSTEM_PRINCIPAL, query);
const match = process.argv[3] ? new RegExp(process.argv[3]) : /./;
for (const q of queries) {
  if (!match.test(q.sql) || !/^\s*(select|with)/i.test(q.sql) || q.sql.length < 200) continue;
  const { rows } = await sql.raw<{ 'QUERY PLAN': string }>(`explain (analyze, buffers) ${q.sql.replace(/\$(\d+)/g, (_, i) => `'${String(q.parameters[Number(i) - 1]).replace(/'/g, "''")}'`)}`).execute(db);
  const plan = rows.map((r) => r['QUERY PLAN']);
  console.log(`--- ${q.sql.replace(/\s+/g, ' ').slice(0, 160)}\n${process.env.FULL ? plan.join('\n') : plan.filter((l) => /Execution Time|JIT|Total|rows=\d+ loops|Rows Removed/.test(l)).slice(0, 12).join('\n')}`);
}
await db.destroy();
