import { create } from 'xmlbuilder2';
import { exactSepaText, HOLDER_NAME_MAX, sepaAmount, toSepaText } from '../domain/sepa-text.js';
import { endToEndId, statementNumber } from './runs.js';

export interface SepaTransfer {
  statementId: number;
  amountCents: number;
  /** Exactly what the bank receives: the holder's name as confirmed (`holderNameForBank`), written unaltered. */
  creditorName: string;
  iban: string;
  bic: string;
}

export interface SepaBatch {
  runId: number;
  messageId: string;
  createdAt: Date;
  executionDate: string;
  debtor: { name: string; iban: string; bic: string };
  initiatingParty: string;
  transfers: SepaTransfer[];
}

/** Without milliseconds or zone: the ISODateTime most banks accept in GrpHdr/CreDtTm. */
const isoDateTime = (date: Date) => date.toISOString().slice(0, 19);

/**
 * ISO 20022 pain.001.001.03, SEPA credit transfers: one PmtInf, one transaction per statement. Besides the XSD,
 * the EPC rules: EUR, two decimals, SEPA Latin texts (names ≤ 70, remittance ≤ 140), identifiers ≤ 35. A creditor's
 * name is never reduced or cut here: one that is not already sendable as is stops the file.
 */
export function painXml(batch: SepaBatch): string {
  if (batch.transfers.length === 0) throw new Error('un virement SEPA sans transaction');
  const total = batch.transfers.reduce((sum, t) => sum + t.amountCents, 0);
  const document = create({ version: '1.0', encoding: 'UTF-8' }).ele('urn:iso:std:iso:20022:tech:xsd:pain.001.001.03', 'Document');
  const initiation = document.ele('CstmrCdtTrfInitn');
  const header = initiation.ele('GrpHdr');
  header.ele('MsgId').txt(toSepaText(batch.messageId, 35));
  header.ele('CreDtTm').txt(isoDateTime(batch.createdAt));
  header.ele('NbOfTxs').txt(String(batch.transfers.length));
  header.ele('CtrlSum').txt(sepaAmount(total));
  header.ele('InitgPty').ele('Nm').txt(toSepaText(batch.initiatingParty, 70));
  const payment = initiation.ele('PmtInf');
  payment.ele('PmtInfId').txt(toSepaText(`${batch.messageId}-1`, 35));
  payment.ele('PmtMtd').txt('TRF');
  payment.ele('BtchBookg').txt('true');
  payment.ele('NbOfTxs').txt(String(batch.transfers.length));
  payment.ele('CtrlSum').txt(sepaAmount(total));
  payment.ele('PmtTpInf').ele('SvcLvl').ele('Cd').txt('SEPA');
  payment.ele('ReqdExctnDt').txt(batch.executionDate);
  payment.ele('Dbtr').ele('Nm').txt(toSepaText(batch.debtor.name, 70));
  payment.ele('DbtrAcct').ele('Id').ele('IBAN').txt(batch.debtor.iban);
  payment.ele('DbtrAgt').ele('FinInstnId').ele('BIC').txt(batch.debtor.bic);
  payment.ele('ChrgBr').txt('SLEV');
  for (const transfer of batch.transfers) {
    const tx = payment.ele('CdtTrfTxInf');
    tx.ele('PmtId').ele('EndToEndId').txt(endToEndId(batch.runId, transfer.statementId));
    tx.ele('Amt').ele('InstdAmt', { Ccy: 'EUR' }).txt(sepaAmount(transfer.amountCents));
    tx.ele('CdtrAgt').ele('FinInstnId').ele('BIC').txt(transfer.bic);
    tx.ele('Cdtr').ele('Nm').txt(exactSepaText(transfer.creditorName, HOLDER_NAME_MAX));
    tx.ele('CdtrAcct').ele('Id').ele('IBAN').txt(transfer.iban);
    tx.ele('RmtInf').ele('Ustrd').txt(toSepaText(`Pass numerique - releve de remboursement ${statementNumber(batch.runId, transfer.statementId)}`, 140));
  }
  return document.end({ prettyPrint: true });
}
