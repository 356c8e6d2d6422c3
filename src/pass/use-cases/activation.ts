import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, invalid } from '../../shared/errors.js';
import { postLedgerTransaction } from './ledger.js';
import { lockOrder } from './orders.js';

/**
 * No pass circulates before the money is in: recording the funder's payment is what makes an issued order's
 * vouchers spendable.
 */
export async function recordPayment(db: Kysely<DB>, actorUserId: number | null, orderId: number, paymentReference: string): Promise<number> {
  const reference = paymentReference.trim();
  if (!reference) throw invalid('Indiquez la référence du paiement (virement, mandat administratif…).', 'reference_manquante');
  return db.transaction().execute(async (trx) => {
    const order = await lockOrder(trx, orderId);
    if (order.status === 'placed') throw conflict('Les carnets de cette commande ne sont pas encore émis : émettez-les avant d’enregistrer le paiement.', 'commande_non_emise');
    if (order.status !== 'issued') throw conflict(`Le paiement de la commande ${orderId} ne peut pas être enregistré (statut : ${order.status}).`, 'paiement_impossible');
    const activated = await trx
      .updateTable('vouchers')
      .set({ status: 'activated' })
      .where('order_id', '=', orderId)
      .where('status', '=', 'issued')
      .executeTakeFirst();
    await trx.updateTable('orders').set({ status: 'paid', paid_at: new Date(), payment_reference: reference }).where('id', '=', orderId).execute();
    const shares = await trx.selectFrom('order_cofunding').selectAll().where('order_id', '=', orderId).execute();
    await postLedgerTransaction(trx, 'order_payment', order.programme_id, [
      { account: 'bank', amountCents: order.amount_cents, orderId },
      ...shares.map((share) => ({ account: 'funder_receivable' as const, amountCents: -share.amount_cents, organisationId: share.organisation_id, orderId })),
    ]);
    const count = Number(activated.numUpdatedRows);
    await recordAudit(trx, {
      actorUserId,
      organisationId: order.funder_organisation_id,
      action: 'order.paid',
      orderId,
      fromStatus: 'issued',
      toStatus: 'activated',
      voucherCount: count,
      details: { paymentReference: reference, amountCents: order.amount_cents },
    });
    return count;
  });
}
