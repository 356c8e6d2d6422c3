import { createWriteStream } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.js';
import type { DB } from '../../db/schema.js';
import { conflict } from '../../shared/errors.js';
import { holderNameForBank } from '../domain/sepa-text.js';
import { getRun, statementNumber } from './runs.js';
import { painXml } from './sepa.js';
import { statementCsv, statementDetails, statementPdf } from './statements.js';

/** Written under a temporary name then renamed: a killed process never leaves half a file behind. */
async function atomically(file: string, write: (temporary: string) => Promise<void>) {
  const temporary = `${file}.partiel`;
  await write(temporary);
  await rename(temporary, file);
}

/**
 * The transfer file of a run: every statement not rejected by the bank, to the holder's name as confirmed. A name
 * confirmed before names were checked strictly, which the bank could not receive as is, stops the file with what to do.
 */
export async function runTransferXml(db: Kysely<DB>, config: Config, runId: number): Promise<string> {
  const { run, statements } = await getRun(db, runId);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const transfers = statements.filter((s) => s.status !== 'rejected').map((s) => {
    const holder = holderNameForBank(s.holder_name);
    if (!holder.ok) {
      throw conflict(
        `Le virement du relevé ${statementNumber(runId, s.id)} (${s.place_name}) ne peut pas partir au nom confirmé « ${s.holder_name} ». ${holder.reason} Rejetez ce virement (ses chèques iront dans le prochain remboursement) et faites saisir puis confirmer à nouveau les coordonnées du lieu.`,
        'titulaire_a_ressaisir',
        { statementId: s.id },
      );
    }
    return { statementId: s.id, amountCents: Number(s.total_cents), creditorName: holder.sent, iban: s.iban, bic: s.bic };
  });
  return painXml({
    runId,
    messageId: run.message_id,
    createdAt: new Date(run.created_at),
    executionDate: tomorrow,
    debtor: config.sepaDebtor,
    initiatingParty: config.sepaDebtor.name,
    transfers,
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
