import { sql } from 'kysely';
import { recordAccompaniment } from '../src/kit/use-cases/accompaniments.js';
import { nextItem, type Outcome } from '../src/kit/domain/engine.js';
import { loadItemBank } from '../src/kit/use-cases/item-bank-file.js';
import { startDiagnostic } from '../src/kit/use-cases/diagnostics.js';
import { formatVoucherCode, makeVoucherCode } from '../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../src/pass/use-cases/redemption.js';
import { buildApp } from '../src/app.js';
import { redemptionFixture } from './setup.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = 16;
const WORKSHOPS = 200;
const PER_WORKSHOP = 10;

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor((p / 100) * values.length))]!;

/**
 * Clients each answer diagnostics end to end over HTTP for the duration; every answer's latency is kept. Starts go
 * straight to the database: the start endpoint is rate-limited per address (30 a minute).
 */
async function diagnosticsOverHttp(baseUrl: string, start: () => Promise<string>, clients: number, seconds: number) {
  const bank = loadItemBank();
  const latencies: number[] = [];
  let diagnostics = 0;
  const until = performance.now() + seconds * 1000;
  const post = async (url: string, body: unknown) => {
    const started = performance.now();
    const response = await fetch(baseUrl + url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await response.json()) as { id: string; question: { id: string; type: string } | null };
    latencies.push(performance.now() - started);
    if (!response.ok) throw new Error(JSON.stringify(json));
    return json;
  };
  await Promise.all(Array.from({ length: clients }, async (_, client) => {
    while (performance.now() < until) {
      const id = await start();
      let state = (await (await fetch(`${baseUrl}/api/v1/diagnostics/${id}`)).json()) as { id: string; question: { id: string; type: string } | null };
      while (state.question) {
        const q = state.question;
        const answer = q.type === 'obstacle' ? (q.id === 'internet' ? 'home' : ['none']) : (client + q.id.length) % 3 ? bank.byId.get(q.id)!.answer : 'nsp';
        state = await post(`/api/v1/diagnostics/${state.id}/answers`, { questionId: q.id, answer });
      }
      diagnostics++;
    }
  }));
  return { latencies, diagnostics };
}

/** Yardstick: the answer's own SQL (lock, read the answers, insert one) straight through node-postgres, same clients. */
async function answerSqlDirect(pool: import('pg').Pool, clients: number, seconds: number) {
  const latencies: number[] = [];
  const until = performance.now() + seconds * 1000;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (performance.now() < until) {
      const { rows } = await pool.query<{ id: string }>(`insert into diagnostics (kind, items_version) values ('initial', 'bench') returning id`);
      for (let position = 1; position <= 13; position++) {
        const started = performance.now();
        const client = await pool.connect();
        try {
          await client.query('begin');
          await client.query('select id, finished_at from diagnostics where id = $1 for update', [rows[0]!.id]);
          await client.query('select question_id, answer, correct from diagnostic_responses where diagnostic_id = $1 order by position', [rows[0]!.id]);
          await client.query('insert into diagnostic_responses (diagnostic_id, position, question_id, answer, correct) values ($1, $2, $3, $4, $5)', [rows[0]!.id, position, `q${position}`, ['a'], true]);
          await client.query('commit');
        } finally {
          client.release();
        }
        latencies.push(performance.now() - started);
      }
    }
  }));
  return latencies;
}

function engineDecisionMicros() {
  const bank = loadItemBank();
  const rounds = 20_000;
  const started = performance.now();
  for (let round = 0; round < rounds; round++) {
    const outcomes: Outcome[] = [];
    for (let item = nextItem(bank, outcomes); item; item = nextItem(bank, outcomes)) outcomes.push({ itemId: item.id, correct: (round + item.difficulty) % 2 === 0 });
  }
  return ((performance.now() - started) * 1000) / (rounds * 11);
}

export async function benchKit(report: (line: string) => void): Promise<void> {
  const micros = engineDecisionMicros();
  const { platform, world, serials } = await redemptionFixture('postgresql', WORKSHOPS * PER_WORKSHOP * 2 + 10);
  const roundTripStart = performance.now();
  for (let k = 0; k < 1000; k++) await sql`select 1`.execute(platform.db);
  const roundTripMicros = (performance.now() - roundTripStart);
  report(`diagnostic engine: next item decided in ${micros.toFixed(1)} µs (bundled bank, 15 items) | one database round trip (select 1) ${roundTripMicros.toFixed(1)} µs`);

  const app = await buildApp(platform);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  const bank = loadItemBank();
  const http = await diagnosticsOverHttp(baseUrl, () => startDiagnostic(platform.db, bank, platform.secret, null), CLIENTS, DURATION_S);
  await app.close();
  const direct = await answerSqlDirect(platform.pool, CLIENTS, DURATION_S);
  const rate = (values: number[]) => values.length / DURATION_S;
  report(
    `diagnostic answers PostgreSQL, ${CLIENTS} clients: HTTP ${rate(http.latencies).toFixed(0)} answers/s, p50 ${percentile(http.latencies, 50).toFixed(1)} ms, p95 ${percentile(http.latencies, 95).toFixed(1)} ms, ${http.diagnostics} diagnostics finished` +
      ` | the answer's SQL alone through node-postgres ${rate(direct).toFixed(0)} answers/s, p50 ${percentile(direct, 50).toFixed(1)} ms, p95 ${percentile(direct, 95).toFixed(1)} ms | ratio ${((100 * rate(http.latencies)) / rate(direct)).toFixed(0)} %`,
  );

  const code = (serial: number) => formatVoucherCode(makeVoucherCode(platform.secret, serial));
  const workshopStart = performance.now();
  for (let w = 0; w < WORKSHOPS; w++) {
    const batch = serials.slice(w * PER_WORKSHOP, (w + 1) * PER_WORKSHOP);
    await recordAccompaniment(platform.db, platform.secret, world.mediatorA.principal, {
      kind: 'workshop', placeId: world.placeA, date: '2026-11-20', durationMinutes: 120, themes: ['courriel'], participants: batch.map((s) => ({ voucherCode: code(s) })),
    });
  }
  const workshopMs = (performance.now() - workshopStart) / WORKSHOPS;
  const singlesStart = performance.now();
  const offset = WORKSHOPS * PER_WORKSHOP;
  for (let w = 0; w < WORKSHOPS; w++) {
    for (const serial of serials.slice(offset + w * PER_WORKSHOP, offset + (w + 1) * PER_WORKSHOP)) await redeemVoucher(platform, world.mediatorA.principal, code(serial), world.placeA);
  }
  const singlesMs = (performance.now() - singlesStart) / WORKSHOPS;
  report(`workshop of ${PER_WORKSHOP} vouchers recorded and redeemed in one transaction: ${workshopMs.toFixed(1)} ms | ${PER_WORKSHOP} single redemptions (one prepared statement each) ${singlesMs.toFixed(1)} ms | ratio ${(workshopMs / singlesMs).toFixed(2)}×`);
  await platform.dispose();
}
