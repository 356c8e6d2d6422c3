// Money path benchmark: a reimbursement run over 1,000,000 redemptions across 5,000 places, next to the same
// aggregation as one plain INSERT … SELECT … GROUP BY; PDF printing rate next to the same pages without QR codes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { sql } from 'kysely';
import { issueOrder } from '../src/pass/use-cases/issuance.js';
import { placeOrder } from '../src/pass/use-cases/orders.js';
import { bookletsPdf, type PrintOptions } from '../src/pass/use-cases/print/booklet-pdf.js';
import { defaultPrintWorkers } from '../src/pass/use-cases/print/qr-pool.js';
import { createPdf, PDF_FONTS } from '../src/shared/pdf.js';
import { printableBooklets } from '../src/pass/use-cases/print/printable.js';
import { verifyLedger } from '../src/pass/use-cases/ledger.js';
import { writeRunFiles } from '../src/reimbursement/use-cases/files.js';
import { createRun } from '../src/reimbursement/use-cases/runs.js';
import { formatVoucherCode, makeVoucherCode } from '../src/pass/domain/voucher-code.js';
import { redemptionFixture } from './setup.js';

const REDEMPTIONS = Number(process.env.BENCH_REDEMPTIONS ?? 1_000_000);
const PLACES = Number(process.env.BENCH_REIMBURSED_PLACES ?? 5_000);
const PRINT_VOUCHERS = Number(process.env.BENCH_PRINT_VOUCHERS ?? 20_000);
const PRINT_ROUNDS = Number(process.env.BENCH_PRINT_ROUNDS ?? 1);
/** BENCH_RUN_FILES=0 skips writing the run's files (5 000 statements take minutes). */
const RUN_FILES = process.env.BENCH_RUN_FILES !== '0';

/** Counts bytes and throws them away: the printing rate without the disk. */
const sink = () => {
  let bytes = 0;
  return { stream: new Writable({ write: (chunk, _encoding, done) => ((bytes += chunk.length), done()) }), bytes: () => bytes };
};

async function benchRun(report: (line: string) => void) {
  const { platform, world } = await redemptionFixture('postgresql', 10);
  const db = platform.db;
  try {
    const orderId = await placeOrder(db, world.funder.principal, { programmeId: world.programmeId, bookletCount: REDEMPTIONS / 10 });
    await issueOrder(db, null, orderId);
    // Set-up in bulk (not measured): places with confirmed bank details, every voucher redeemed at one of them.
    await sql`
      insert into places (organisation_id, name, commune_code, commune_name, postal_code, address, latitude, longitude, normalised_name, address_key, services)
      select ${world.mediatorA.organisationId}, 'Lieu ' || g, '44109', 'Nantes', '44000', g || ' rue du banc d''essai', 47.2 + g / 100000.0, -1.55, 'lieu ' || g, g || ' rue|44000', array['Aide aux démarches administratives']
      from generate_series(1, ${PLACES}) g`.execute(db);
    await sql`
      insert into bank_accounts (place_id, holder_name, iban, bic, status, requested_by, confirmed_by, confirmed_at)
      select id, name, 'FR7630006000011234567890189', 'AGRIFRPP', 'confirmed', ${world.mediatorA.principal.userId}, ${world.admin.principal.userId}, now()
      from places where name like 'Lieu %' and address like '% rue du banc d''essai'`.execute(db);
    await sql`
      with numbered as (select id, row_number() over (order by id) - 1 as n from places where address like '% rue du banc d''essai')
      update vouchers v set status = 'redeemed', redeemed_at = now() - interval '1 day', redeemed_place_id = p.id
      from numbered p where v.order_id = ${orderId} and p.n = v.serial % ${PLACES}`.execute(db);
    // The redemptions' ledger lines, as the redemption statement writes them, so that the ledger still balances.
    await sql`
      with t as (select gen_random_uuid() as id, sum(face_value_cents)::bigint as amount from vouchers where order_id = ${orderId})
      insert into ledger_entries (transaction_id, kind, account, programme_id, organisation_id, order_id, amount_cents)
      select t.id, 'redemption', line.account, ${world.programmeId}, line.organisation_id, ${orderId}, line.amount from t
      cross join lateral (values ('vouchers_outstanding', null::bigint, t.amount), ('place_payable', ${world.mediatorA.organisationId}::bigint, -t.amount)) as line(account, organisation_id, amount)`.execute(db);
    await sql`analyze`.execute(db);

    // Yardstick: the statements' aggregation alone, one plain INSERT … SELECT … GROUP BY into a twin table.
    await sql`create temporary table statements_twin (place_id bigint, voucher_count integer, total_cents bigint)`.execute(db);
    const yardStart = performance.now();
    await sql`insert into statements_twin select redeemed_place_id, count(*), sum(face_value_cents) from vouchers where status = 'redeemed' and redeemed_at < now() group by redeemed_place_id`.execute(db);
    // A second yardstick: writing one row per voucher, as a run must (its statement lines).
    await sql`create temporary table lines_twin (serial bigint primary key, place_id bigint, amount integer)`.execute(db);
    const linesStart = performance.now();
    await sql`insert into lines_twin select serial, redeemed_place_id, face_value_cents from vouchers where status = 'redeemed'`.execute(db);
    const linesYardstick = (performance.now() - linesStart) / 1000;
    const yardstick = (performance.now() - yardStart) / 1000;

    const steps: string[] = [];
    const started = performance.now();
    const result = await createRun(db, null, new Date().toISOString().slice(0, 10), { onStep: (step: string, ms: number) => steps.push(`${step} ${(ms / 1000).toFixed(2)} s`) });
    const seconds = (performance.now() - started) / 1000;
    report(`reimbursement run PostgreSQL, ${result.voucherCount} redemptions across ${result.statementCount} places: ${seconds.toFixed(2)} s (${steps.join(', ')}) | plain INSERT … SELECT … GROUP BY of the same aggregation ${yardstick.toFixed(2)} s (ratio ${(seconds / yardstick).toFixed(1)}×); plain INSERT … SELECT of one row per voucher ${linesYardstick.toFixed(2)} s (ratio ${(seconds / linesYardstick).toFixed(1)}×) | target < 30 s`);

    if (RUN_FILES) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inclusif-run-'));
      const filesStarted = performance.now();
      const files = await writeRunFiles(db, platform.secret, platform.config, result.runId!, dir);
      const filesSeconds = (performance.now() - filesStarted) / 1000;
      report(`reimbursement files: pain.001 with ${result.statementCount} transfers + ${result.statementCount} statements (PDF and CSV, ${Math.round(result.voucherCount / result.statementCount)} lines each): ${files.length} files in ${filesSeconds.toFixed(1)} s`);
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const ledgerStarted = performance.now();
    const ledger = await verifyLedger(db);
    report(`ledger verify after the run: ${ledger.ok ? 'balanced' : 'NOT BALANCED'} in ${((performance.now() - ledgerStarted) / 1000).toFixed(2)} s`);
  } finally {
    await platform.dispose();
  }
}

/** The yardstick for printing: the same pages and texts with pdfkit and the same fonts, without the QR codes. */
async function plainPages(booklets: number, vouchersPerBooklet: number) {
  const doc = createPdf({ size: 'A4', margin: 0, autoFirstPage: false });
  const out = sink();
  const done = pipeline(doc, out.stream);
  for (let b = 0; b < booklets; b += 1) {
    doc.addPage().font(PDF_FONTS.bold).fontSize(16).text('Pass numérique — couverture', 60, 70);
    doc.addPage();
    for (let v = 0; v < vouchersPerBooklet; v += 1) {
      const x = 24 + (v % 2) * 273;
      const y = 24 + Math.floor(v / 2) * 158;
      doc.font(PDF_FONTS.bold).fontSize(22).text('10,00 €', x + 12, y + 23, { lineBreak: false });
      doc.font(PDF_FONTS.mono).fontSize(12).text(formatVoucherCode(makeVoucherCode('banc', b * 10 + v + 1)), x + 12, y + 84, { lineBreak: false });
    }
    if (b % 100 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  doc.end();
  await done;
  return out.bytes();
}

/**
 * Booklet printing, one order read from PostgreSQL and written to a sink, in one run: on one core (everything on the
 * main thread) and with worker threads computing the QR codes (every core but one, then one per core), QR codes as
 * inline image masks (the default) and as vector rectangles, next to pdfkit writing the same pages without QR codes.
 */
export async function benchPrint(report: (line: string) => void) {
  const { platform, world } = await redemptionFixture('postgresql', 10);
  try {
    const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: PRINT_VOUCHERS / 10 });
    await issueOrder(platform.db, null, orderId);
    const cores = os.availableParallelism();
    report(`booklet printing: ${PRINT_VOUCHERS} vouchers (${PRINT_VOUCHERS / 10} booklets, one file), ${cores} cores, load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
    const variants: { label: string; options: Partial<PrintOptions> }[] = [
      { label: 'one core (workers: 0), QR image', options: { workers: 0, qrStyle: 'image' } },
      { label: `parallel (workers: ${defaultPrintWorkers()}, the default), QR image`, options: { workers: defaultPrintWorkers(), qrStyle: 'image' } },
      { label: `parallel (workers: ${cores}), QR image`, options: { workers: cores, qrStyle: 'image' } },
      { label: 'one core (workers: 0), QR vector', options: { workers: 0, qrStyle: 'vector' } },
      { label: `parallel (workers: ${defaultPrintWorkers()}), QR vector`, options: { workers: defaultPrintWorkers(), qrStyle: 'vector' } },
    ];
    // BENCH_PRINT_ROUNDS=n prints every variant n times, rounds interleaved: on a shared machine, a neighbour's burst
    // then hits one round of each variant rather than all rounds of one.
    const rates = new Map<string, number[]>();
    const megabytes = new Map<string, number>();
    for (let round = 0; round < PRINT_ROUNDS; round += 1) {
      for (const { label, options } of variants) {
        const out = sink();
        const started = performance.now();
        await pipeline(bookletsPdf(printableBooklets(platform.db, platform.secret, { orderId }), { publicUrl: 'https://pass.example.fr', ...options }), out.stream);
        const seconds = (performance.now() - started) / 1000;
        rates.set(label, [...(rates.get(label) ?? []), Math.round(PRINT_VOUCHERS / seconds)]);
        megabytes.set(label, out.bytes() / 1e6);
      }
    }
    for (const { label } of variants) {
      const runs = rates.get(label)!;
      report(`booklet PDF, ${label}: ${runs.join(' / ')} vouchers/s (best ${Math.max(...runs)}; ${megabytes.get(label)!.toFixed(0)} MB)`);
    }
    const plainStarted = performance.now();
    const plainBytes = await plainPages(PRINT_VOUCHERS / 10, 10);
    const plainSeconds = (performance.now() - plainStarted) / 1000;
    report(`yardstick: pdfkit writing the same pages (same fonts) without QR codes, one core: ${plainSeconds.toFixed(1)} s = ${Math.round(PRINT_VOUCHERS / plainSeconds)} vouchers/s (${(plainBytes / 1e6).toFixed(0)} MB); load average at end ${os.loadavg().map((l) => l.toFixed(2)).join(' / ')}`);
  } finally {
    await platform.dispose();
  }
}

export async function benchMoney(report: (line: string) => void) {
  await benchRun(report);
  if (PRINT_VOUCHERS > 0) await benchPrint(report);
}
