import pg from 'pg';
const src = (await import('node:fs')).readFileSync('src/db/migrations/014_pilotage.ts', 'utf8');
void src;
const m = await import('../src/db/migrations/014_pilotage.js');
let captured = '';
const fake = { executeQuery: async (q: { sql: string }) => { captured = q.sql; return { rows: [] }; } };
const { sql } = await import('kysely');
// capture the up() SQL by a stub Kysely executor
const origRaw = sql.raw;
(sql as any).raw = (text: string) => ({ execute: async () => { captured = text; } });
await m.up({} as never);
(sql as any).raw = origRaw; void fake;
const fn = /create function pilotage_dirty_vouchers\(\)[\s\S]*?end \$fn\$;/.exec(captured)![0].replace('create function', 'create or replace function');
const c = new pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:55432/inclusif_bench', options: '-c search_path=h8_m' });
await c.connect();
for (const [label, n] of [['new redemptions', 2000]] as const) {
  await c.query('begin');
  await c.query(fn);
  const t = performance.now();
  await c.query(`update vouchers set status = 'redeemed', redeemed_at = now(), redeemed_place_id = 1 where serial in (select serial from vouchers where status = 'handed' order by serial limit ${n})`);
  const ms = performance.now() - t;
  const { rows } = await c.query('select count(distinct day)::int as n from pilotage_dirty_days');
  console.log(`${label} ${n}: ${ms.toFixed(0)} ms, dirty days ${rows[0].n}`);
  // An undo of 200 redemptions of the past.
  await c.query('delete from pilotage_dirty_days');
  const t2 = performance.now();
  await c.query(`update vouchers set status = 'handed', redeemed_at = null, redeemed_place_id = null where serial in (select serial from vouchers where status = 'redeemed' and redeemed_at < now() - interval '1 day' order by serial limit 200)`);
  const r2 = await c.query('select count(distinct day)::int as n from pilotage_dirty_days');
  console.log(`undo 200: ${(performance.now() - t2).toFixed(0)} ms, dirty days ${r2.rows[0].n}`);
  await c.query('rollback');
}
await c.end();
