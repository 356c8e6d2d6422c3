import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { makeVoucherCode } from '../src/pass/domain/voucher-code.js';
import { REDEEM_SQL } from '../src/pass/use-cases/redemption-sql.js';
import { issueOrder } from '../src/pass/use-cases/issuance.js';
import { placeOrder } from '../src/pass/use-cases/orders.js';
import { buildApp } from '../src/app.js';
import { redeemVoucher } from '../src/pass/use-cases/redemption.js';
import http from 'node:http';
import { redemptionFixture } from './setup.js';
import { benchPlaces } from './places.js';
import { benchMoney, benchPrint } from './money.js';
import { benchKit } from './kit.js';
import { benchCommunes } from './communes.js';
import { benchNotifications } from './notifications.js';
import { benchPilotage } from './pilotage.js';

const execFileAsync = promisify(execFile);
const CONNECTIONS = [16, 64];
const DURATION_S = Number(process.env.BENCH_SECONDS ?? 10);
const ISSUANCE_VOUCHERS = Number(process.env.BENCH_ISSUANCE ?? 1_000_000);
const results: string[] = [];
const report = (line: string) => {
  console.log(line);
  results.push(line);
};

async function runWrk(port: number, secret: string, serials: number[], token: string, placeId: number, connections: number, duration: number) {
  // wrk (C, like pgbench) drives the load, so that the load generator does not eat the cores the server needs.
  const codesFile = path.join(os.tmpdir(), `inclusif-codes-${process.pid}.txt`);
  fs.writeFileSync(codesFile, serials.map((serial) => makeVoucherCode(secret, serial)).join('\n'));
  const threads = 2;
  // Asynchronous: the server under test runs on this process's event loop.
  const { stdout: output } = await execFileAsync('wrk', [
    '-t', String(threads), '-c', String(connections), '-d', `${duration}s`, '--latency', '-s', fileURLToPath(new URL('./redeem.lua', import.meta.url)),
    `http://127.0.0.1:${port}`, '--', codesFile, token, String(placeId), String(threads),
  ]);
  fs.rmSync(codesFile);
  const ms = (label: string) => {
    const match = new RegExp(`${label}%\\s+([0-9.]+)(us|ms|s)`).exec(output);
    if (!match) return NaN;
    const value = Number(match[1]);
    return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
  };
  return {
    rps: Number(/Requests\/sec:\s+([0-9.]+)/.exec(output)?.[1]),
    p50: ms('50'),
    p99: ms('99'),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    sent: Number(/(\d+) requests in/.exec(output)?.[1]),
  };
}

async function benchRedemptionHttp(kind: 'pglite' | 'postgresql', connections: number, duration: number) {
  const { platform, world, serials } = await redemptionFixture(kind, connections * duration * 400);
  const app = await buildApp(platform);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;
  const result = await runWrk(port, platform.secret, serials, world.mediatorA.token, world.placeA, connections, duration);
  const redeemed = await platform.db.selectFrom('vouchers').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'redeemed').executeTakeFirstOrThrow();
  await app.close();
  const out = { ...result, redeemed: Number(redeemed.n) };
  return { out, platform, world, serials, used: result.sent };
}

/** Second yardstick: a bare Node HTTP server running the same statement, without authentication or framework. */
async function benchBareNode(connections: number, duration: number) {
  const { platform, world, serials } = await redemptionFixture('postgresql', connections * duration * 400);
  const server = http.createServer((request, response) => {
    request.resume();
    redeemVoucher(platform, world.mediatorA.principal, request.url!.split('/')[4]!, world.placeA).then(
      ({ result }) => response.end(JSON.stringify(result)),
      () => {
        response.statusCode = 500;
        response.end();
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const result = await runWrk((server.address() as { port: number }).port, platform.secret, serials, world.mediatorA.token, world.placeA, connections, duration);
  server.close();
  await platform.dispose();
  return result;
}

function pgbench(databaseUrl: string, schema: string, connections: number, duration: number, placeId: number, userId: number, organisationId: number) {
  const script = path.join(os.tmpdir(), `inclusif-redeem-${process.pid}.sql`);
  // The same transaction as the endpoint: idempotency key, guarded redemption with ledger and journal, stored answer.
  // The same statement as the endpoint (REDEEM_SQL), with the same parameters, prepared once per connection.
  const statement = REDEEM_SQL.replace(/\$(\d)/g, (_, n: string) =>
    ({ '1': ':serial', '2': String(userId), '3': String(placeId), '4': `array[${organisationId}]`, '5': `'user:${userId}'`, '6': `('pgb-' || :serial)`, '7': "'f'" })[n]!,
  );
  // nextval stands for the endpoint's other round trip (the token look-up): two statements each side.
  fs.writeFileSync(script, `select nextval('bench_serial') as serial \\gset\n${statement.trim()};\n`);
  const output = execFileSync('pgbench', ['-n', '-M', 'prepared', '-c', String(connections), '-j', '2', '-T', String(duration), '-r', '-f', script, databaseUrl], { encoding: 'utf8', env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` } });
  const tps = Number(/tps = ([0-9.]+)/.exec(output)?.[1]);
  const latency = Number(/latency average = ([0-9.]+) ms/.exec(output)?.[1]);
  return { tps, latencyAvg: latency };
}

async function benchIssuance(kind: 'pglite' | 'postgresql', voucherCount: number) {
  const { platform, world } = await redemptionFixture(kind, 10);
  const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: voucherCount / 10 });
  const started = performance.now();
  await issueOrder(platform.db, null, orderId);
  const seconds = (performance.now() - started) / 1000;
  let copySeconds: number | null = null;
  if (kind === 'postgresql') {
    // Yardstick: a plain COPY of the same rows into an empty twin of the vouchers table.
    const csv = path.join(os.tmpdir(), `inclusif-vouchers-${process.pid}.csv`);
    const rows = await platform.db.selectFrom('vouchers').selectAll().where('order_id', '=', orderId).execute();
    fs.writeFileSync(csv, rows.map((r) => [r.serial, r.booklet_id, r.order_id, r.programme_id, r.face_value_cents, r.status, new Date(r.expires_at).toISOString(), '', '', ''].join(',')).join('\n'));
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(platform.db)).rows[0]!.s;
    await sql.raw(`create table ${schema}.vouchers_copy (like ${schema}.vouchers including all)`).execute(platform.db);
    const copyStart = performance.now();
    execFileSync('psql', [process.env.DATABASE_URL!, '-q', '-c', `\\copy ${schema}.vouchers_copy from '${csv}' with (format csv, null '')`]);
    copySeconds = (performance.now() - copyStart) / 1000;
    fs.rmSync(csv);
  }
  await platform.dispose();
  return { seconds, copySeconds };
}

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) throw new Error('DATABASE_URL est requis (scripts/bench.sh en démarre un).');
report(`# Benchmarks ${new Date().toISOString()} — ${os.cpus().length} cœurs, Node ${process.version}`);

// `npm run bench -- pass`, `-- places`, `-- money`, `-- kit`, `-- notifications`, `-- communes` or `-- pilotage` runs one part; no argument runs them all.
const only = process.argv[2];
if (only === undefined || only === 'pass') {
  for (const connections of CONNECTIONS) {
    const http = await benchRedemptionHttp('postgresql', connections, DURATION_S);
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(http.platform.db)).rows[0]!.s;
    await sql.raw(`create sequence ${schema}.bench_serial start ${http.serials[http.used + 10]}`).execute(http.platform.db);
    const yardstick = pgbench(databaseUrl, schema, connections, DURATION_S, http.world.placeA, http.world.mediatorA.principal.userId, http.world.mediatorA.organisationId);
    const bare = await benchBareNode(connections, DURATION_S);
    report(
      `redemption PostgreSQL, ${connections} clients: bare Node HTTP server, same statement ${bare.rps.toFixed(0)} req/s, p50 ${bare.p50.toFixed(1)} ms, p99 ${bare.p99.toFixed(1)} ms | ratio to pgbench ${((100 * bare.rps) / yardstick.tps).toFixed(0)} %`,
    );
    report(
      `redemption PostgreSQL, ${connections} clients: HTTP ${http.out.rps.toFixed(0)} req/s, p50 ${http.out.p50.toFixed(1)} ms, p99 ${http.out.p99.toFixed(1)} ms (non-2xx ${http.out.non2xx}, redeemed ${http.out.redeemed}) | pgbench same transaction ${yardstick.tps.toFixed(0)} tps, avg ${yardstick.latencyAvg} ms | ratio ${((100 * http.out.rps) / yardstick.tps).toFixed(0)} %`,
    );
    await http.platform.dispose();
  }
  const pgliteHttp = await benchRedemptionHttp('pglite', 16, DURATION_S);
  report(`redemption PGlite, 16 clients: HTTP ${pgliteHttp.out.rps.toFixed(0)} req/s, p50 ${pgliteHttp.out.p50.toFixed(1)} ms, p99 ${pgliteHttp.out.p99.toFixed(1)} ms (non-2xx ${pgliteHttp.out.non2xx})`);
  await pgliteHttp.platform.dispose();

  const issuancePg = await benchIssuance('postgresql', ISSUANCE_VOUCHERS);
  report(`issuance PostgreSQL, ${ISSUANCE_VOUCHERS} vouchers: ${issuancePg.seconds.toFixed(2)} s | plain COPY of the same rows ${issuancePg.copySeconds!.toFixed(2)} s | ratio ${(issuancePg.seconds / issuancePg.copySeconds!).toFixed(2)}×`);
  const issuancePglite = await benchIssuance('pglite', ISSUANCE_VOUCHERS);
  report(`issuance PGlite, ${ISSUANCE_VOUCHERS} vouchers: ${issuancePglite.seconds.toFixed(2)} s`);
}
if (only === undefined || only === 'places') await benchPlaces(report);
if (only === undefined || only === 'money') await benchMoney(report);
// Printing alone (also part of `money`): one core and worker threads in the same run.
if (only === 'print') await benchPrint(report);
if (only === undefined || only === 'kit') await benchKit(report);
if (only === undefined || only === 'notifications') await benchNotifications(report);
if (only === undefined || only === 'communes') await benchCommunes(report);
if (only === undefined || only === 'pilotage') await benchPilotage(report);
fs.mkdirSync('.bench', { recursive: true });
fs.writeFileSync('.bench/last.txt', `${results.join('\n')}\n`);
