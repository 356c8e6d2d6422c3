import { PassThrough, type Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import PDFDocument from 'pdfkit';
import type { DB } from '../../db/schema.js';
import { formatVoucherCode, makeVoucherCode } from '../../pass/domain/voucher-code.js';
import { formatEuros } from '../../shared/money.js';
import { plural } from '../../shared/french.js';
import { notFound } from '../../shared/errors.js';
import { euros, frenchCsv } from '../../shared/csv.js';
import { displayIban } from '../domain/bank.js';
import { statementNumber } from './runs.js';

const dateTimeFr = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });
const dayFr = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' });

export interface StatementDetails {
  id: number;
  number: string;
  runId: number;
  until: string;
  createdAt: Date;
  status: string;
  placeId: number;
  placeName: string;
  placeAddress: string;
  organisationId: number | null;
  holderName: string;
  iban: string;
  voucherCount: number;
  totalCents: number;
  lines: { redeemedAt: Date; code: string; programme: string; amountCents: number }[];
}

export async function statementDetails(db: Kysely<DB>, secret: string, statementId: number): Promise<StatementDetails> {
  const s = await db
    .selectFrom('statements as s')
    .innerJoin('reimbursement_runs as r', 'r.id', 's.run_id')
    .innerJoin('places as p', 'p.id', 's.place_id')
    .innerJoin('bank_accounts as b', 'b.id', 's.bank_account_id')
    .select(['s.id', 's.run_id', 'r.until', 'r.created_at', 's.status', 's.place_id', 'p.name', 'p.address', 'p.postal_code', 'p.commune_name', 's.organisation_id', 'b.holder_name', 'b.iban', 's.voucher_count', 's.total_cents'])
    .where('s.id', '=', statementId)
    .executeTakeFirst();
  if (!s) throw notFound('Ce relevé n’existe pas.');
  // A rejected statement keeps its list in the journal; its vouchers went back to the next run.
  const lines = await db
    .selectFrom('statement_lines as l')
    .innerJoin('vouchers as v', 'v.serial', 'l.voucher_serial')
    .innerJoin('programmes as pr', 'pr.id', 'l.programme_id')
    .select(['v.serial', 'v.redeemed_at', 'pr.name', 'l.amount_cents as face_value_cents'])
    .where('l.statement_id', '=', statementId)
    .orderBy('v.redeemed_at')
    .orderBy('v.serial')
    .execute();
  return {
    id: s.id, number: statementNumber(s.run_id, s.id), runId: s.run_id, until: s.until, createdAt: new Date(s.created_at), status: s.status,
    placeId: s.place_id, placeName: s.name, placeAddress: `${s.address}, ${s.postal_code} ${s.commune_name}`, organisationId: s.organisation_id,
    holderName: s.holder_name, iban: s.iban, voucherCount: s.voucher_count, totalCents: Number(s.total_cents),
    lines: lines.map((l) => ({ redeemedAt: new Date(l.redeemed_at!), code: formatVoucherCode(makeVoucherCode(secret, l.serial)), programme: l.name, amountCents: l.face_value_cents })),
  };
}


export function statementCsv(statement: StatementDetails): string {
  return frenchCsv(
    ['releve', 'date_encaissement', 'code_cheque', 'programme', 'montant_euros'],
    statement.lines.map((l) => [statement.number, dateTimeFr.format(l.redeemedAt), l.code, l.programme, euros(l.amountCents)]),
  );
}

/** The statement a place keeps with its accounts: every voucher paid, and the total transferred. */
export function statementPdf(statement: StatementDetails): Readable {
  const doc = new PDFDocument({ size: 'A4', margin: 50, info: { Title: `Relevé de remboursement ${statement.number}`, Author: 'Numérique inclusif' } });
  const out = new PassThrough();
  doc.pipe(out);
  doc.font('Helvetica-Bold').fontSize(16).text('Pass numérique — relevé de remboursement');
  doc.moveDown(0.5).font('Helvetica').fontSize(10);
  doc.text(`Relevé ${statement.number}, établi le ${dateTimeFr.format(statement.createdAt)}`);
  doc.text(`Encaissements jusqu’au ${dayFr.format(new Date(`${statement.until}T00:00:00Z`))} inclus`);
  doc.moveDown(0.5).font('Helvetica-Bold').text(statement.placeName).font('Helvetica').text(statement.placeAddress);
  doc.text(`Virement à ${statement.holderName}, IBAN ${displayIban(statement.iban, true)}`);
  doc.moveDown();
  const columns = [50, 170, 320, 480];
  const lineHeight = 14;
  // A column of a page is one text call: per-cell calls made a 200-line statement ten times slower.
  const block = (rows: string[][], bold = false) => {
    const y = doc.y;
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica');
    for (let i = 0; i < 4; i += 1) {
      const text = rows.map((row) => row[i]!).join('\n');
      if (i === 3) doc.text(text, columns[i]!, y, { width: 545 - columns[i]!, align: 'right', lineGap: lineHeight - 11.5 });
      else doc.text(text, columns[i]!, y, { lineBreak: false, lineGap: lineHeight - 11.5 });
    }
    doc.x = 50;
    doc.y = y + rows.length * lineHeight;
  };
  const header = ['Encaissé le', 'Code du chèque', 'Programme', 'Montant'];
  const rows = statement.lines.map((line) => [dateTimeFr.format(line.redeemedAt), line.code, line.programme.slice(0, 32), formatEuros(line.amountCents)]);
  for (let start = 0; start < rows.length || start === 0; ) {
    block([header], true);
    const perPage = Math.max(1, Math.floor((780 - doc.y) / lineHeight));
    block(rows.slice(start, start + perPage));
    start += perPage;
    if (start < rows.length) doc.addPage();
    else break;
  }
  doc.moveDown();
  block([['Total', plural(statement.voucherCount, 'chèque'), '', formatEuros(statement.totalCents)]], true);
  doc.end();
  return out;
}
