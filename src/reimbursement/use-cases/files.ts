import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { getRun } from './runs.js';
import { painXml } from './sepa.js';
import { statementCsv, statementDetails, statementPdf } from './statements.js';

/** Written under a temporary name then renamed: a killed process never leaves half a file behind. */
async function atomically(file: string, write: (temporary: string) => Promise<void>) {
  const temporary = `${file}.partiel`;
  await write(temporary);
  await rename(temporary, file);
}

/** The transfer file of a run: every statement not rejected by the bank. */
export async function runTransferXml(db: Kysely<DB>, config: Config, runId: number): Promise<string> {
  const { run, statements } = await getRun(db, runId);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  return painXml({
    runId,
    messageId: run.message_id,
    createdAt: new Date(run.created_at),
    executionDate: tomorrow,
    debtor: config.sepaDebtor,
    initiatingParty: config.sepaDebtor.name,
    transfers: statements.filter((s) => s.status !== 'rejected').map((s) => ({ statementId: s.id, amountCents: Number(s.total_cents), creditorName: s.holder_name, iban: s.iban, bic: s.bic })),
  });
}

/**
 * A run's files in `dir`: the pain.001 transfer file and, per place, its statement as PDF and CSV. Derived from
 * the database, so writing them again (after a crash) gives the same files.
 */
export async function writeRunFiles(db: Kysely<DB>, secret: string, config: Config, runId: number, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const { run, statements } = await getRun(db, runId);
  const written: string[] = [];
  const transfers = path.join(dir, `virements-${run.message_id}.xml`);
  const xml = await runTransferXml(db, config, runId);
  await atomically(transfers, (temporary) => writeFile(temporary, xml));
  written.push(transfers);
  for (const { id } of statements) {
    const details = await statementDetails(db, secret, id);
    const base = path.join(dir, `releve-${details.number}`);
    await atomically(`${base}.csv`, (temporary) => writeFile(temporary, statementCsv(details)));
    await atomically(`${base}.pdf`, (temporary) => pipeline(statementPdf(details), createWriteStream(temporary)));
    written.push(`${base}.pdf`, `${base}.csv`);
  }
  return written;
}
