import { PassThrough, type Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { formatVoucherCode, makeVoucherCode } from '../../pass/domain/voucher-code.js';
import { frenchDay } from '../../shared/dates.js';
import { formatEuros, plural, pluralCapitalised } from '../../shared/french.js';
import { createPdf, fitText, PDF_FONTS } from '../../shared/pdf.js';
import { notFound } from '../../shared/errors.js';
import { euros, frenchCsv } from '../../shared/csv.js';
import { displayIban } from '../domain/bank.js';
import { statementNumber } from './runs.js';

const dateTimeFr = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'short', timeStyle: 'short', timeZone: 'Europe/Paris' });

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

const TABLE = {
  left: 50,
  right: 545,
  /** Rows stop above the footer. */
  bottom: 841.89 - 70,
  top: 50,
  row: 14,
  columns: [
    { title: 'Encaissé le', x: 50, width: 95 },
    { title: 'Code du chèque', x: 150, width: 110 },
    { title: 'Programme', x: 265, width: 195 },
    { title: 'Montant', x: 465, width: 80, right: true },
  ],
};

/**
 * The statement a place keeps with its accounts: every voucher paid, one line each, then the total transferred. Lines
 * have one height (a long programme name is cut with « … »), the table's header is repeated at the top of every page
 * and every page says « Page 2 sur 3 », so a printed statement of any length reads in order and is known whole.
 */
export function statementPdf(statement: StatementDetails): Readable {
  const doc = createPdf({
    size: 'A4', margins: { top: TABLE.top, left: TABLE.left, right: 595.28 - TABLE.right, bottom: 40 }, bufferPages: true,
    info: { Title: `Relevé de remboursement ${statement.number}`, Author: 'Numérique inclusif' },
  });
  const out = new PassThrough();
  doc.pipe(out);
  doc.font(PDF_FONTS.bold).fontSize(16).text('Pass numérique — relevé de remboursement');
  doc.moveDown(0.5).font(PDF_FONTS.regular).fontSize(10);
  doc.text(`Relevé ${statement.number}, établi le ${dateTimeFr.format(statement.createdAt)}`);
  doc.text(`Encaissements jusqu’au ${frenchDay(`${statement.until}T12:00:00Z`)} inclus`);
  doc.moveDown(0.5).font(PDF_FONTS.bold).text(statement.placeName).font(PDF_FONTS.regular).text(statement.placeAddress);
  doc.text(`Virement à ${statement.holderName}, IBAN ${displayIban(statement.iban, true)}`);
  doc.text(`${pluralCapitalised(statement.voucherCount, 'chèque')} pour ${formatEuros(statement.totalCents)}.`);
  doc.moveDown();

  const cell = (text: string, column: (typeof TABLE.columns)[number], y: number) => {
    const fitted = fitText(doc, text, column.width);
    const x = column.right ? column.x + column.width - doc.widthOfString(fitted) : column.x;
    doc.text(fitted, x, y, { lineBreak: false });
  };
  const rule = (y: number, width = 0.5) => doc.moveTo(TABLE.left, y).lineTo(TABLE.right, y).lineWidth(width).strokeColor('#555555').stroke().strokeColor('black');
  let y = doc.y;
  const header = () => {
    doc.font(PDF_FONTS.bold).fontSize(9);
    for (const column of TABLE.columns) cell(column.title, column, y);
    rule(y + TABLE.row - 2);
    y += TABLE.row + 2;
  };
  const newPage = () => {
    doc.addPage();
    y = TABLE.top;
  };
  header();
  for (const line of statement.lines) {
    if (y + TABLE.row > TABLE.bottom) {
      newPage();
      header();
    }
    const [date, code, programme, amount] = TABLE.columns;
    doc.font(PDF_FONTS.regular).fontSize(9);
    cell(dateTimeFr.format(line.redeemedAt), date!, y);
    doc.font(PDF_FONTS.mono);
    cell(line.code, code!, y);
    doc.font(PDF_FONTS.regular);
    cell(line.programme, programme!, y);
    cell(formatEuros(line.amountCents), amount!, y);
    y += TABLE.row;
  }
  // The total closes the table; on a page of its own if the last one is full.
  if (y + 2 * TABLE.row > TABLE.bottom) newPage();
  rule(y + 2, 1);
  y += 6;
  doc.font(PDF_FONTS.bold).fontSize(10);
  cell(`Total : ${plural(statement.voucherCount, 'chèque')}`, { title: '', x: TABLE.left, width: 300 }, y);
  cell(formatEuros(statement.totalCents), TABLE.columns[3]!, y);

  const { start, count } = doc.bufferedPageRange();
  for (let page = start; page < start + count; page += 1) {
    doc.switchToPage(page);
    doc.font(PDF_FONTS.regular).fontSize(8).fillColor('#333333');
    const footer = `Relevé ${statement.number} · Page ${page - start + 1} sur ${count}`;
    doc.text(footer, (595.28 - doc.widthOfString(footer)) / 2, 841.89 - 50, { lineBreak: false });
    doc.fillColor('black');
  }
  doc.end();
  return out;
}
