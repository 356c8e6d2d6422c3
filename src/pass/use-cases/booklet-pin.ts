import { timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Principal } from '../../accounts/domain/principal.js';
import type { DB } from '../../db/schema.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../../shared/errors.js';
import { bookletPin, formatBookletNumber, normaliseBookletNumber, parseBookletNumber } from '../domain/booklet-number.js';
import { canUnlockBooklet } from '../domain/policies.js';

/** Wrong PINs a booklet takes, whatever the client sending them, before it is locked. */
export const MAX_PIN_FAILURES = 10;

export const bookletNotFound = () => new DomainError('not_found', 'carnet_introuvable', 'Nous ne trouvons pas ce carnet. Vérifiez le numéro et le code secret écrits sur la couverture.');

export const bookletLocked = () =>
  new DomainError(
    'forbidden',
    'carnet_bloque',
    'Ce carnet est bloqué : trop de codes secrets erronés ont été saisis. Pour le débloquer, adressez-vous à la structure qui vous l’a remis (votre prescripteur). Vos chèques restent utilisables dans les lieux.',
  );

/**
 * The booklet's serial when the PIN printed on its cover matches; the same refusal for a bad number and a bad
 * PIN, so that the answer does not confirm which booklets exist. Every door that takes a PIN (balance page,
 * public API, follow-up diagnostic) comes here: wrong PINs are counted on the booklet, whatever the client's
 * address, and at MAX_PIN_FAILURES the booklet is locked (journaled) until its prescriber or funder unlocks it;
 * a right PIN resets the count. The booklet row is locked while its PIN is checked, so that simultaneous
 * guesses cannot get past the count.
 */
export async function authenticateBooklet(db: Kysely<DB>, secret: string, numberInput: string, pinInput: string): Promise<number> {
  const serial = parseBookletNumber(numberInput);
  if (serial === null) throw bookletNotFound();
  const pin = pinInput.replace(/\s/g, '');
  const verdict = await db.transaction().execute(async (trx) => {
    const booklet = await trx
      .selectFrom('booklets')
      .select(['id', 'order_id', 'allocated_organisation_id', 'pin_digits', 'pin_failures', 'locked_at'])
      .where('id', '=', serial)
      .forUpdate()
      .executeTakeFirst();
    if (!booklet) return 'unknown' as const;
    if (booklet.locked_at) return 'locked' as const;
    const expected = bookletPin(secret, booklet.id, booklet.pin_digits);
    if (/^[0-9]+$/.test(pin) && pin.length === expected.length && timingSafeEqual(Buffer.from(expected), Buffer.from(pin))) {
      if (booklet.pin_failures > 0) await trx.updateTable('booklets').set({ pin_failures: 0 }).where('id', '=', booklet.id).execute();
      return booklet.id;
    }
    const failures = booklet.pin_failures + 1;
    const locks = failures >= MAX_PIN_FAILURES;
    await trx.updateTable('booklets').set({ pin_failures: failures, ...(locks ? { locked_at: new Date() } : {}) }).where('id', '=', booklet.id).execute();
    if (!locks) return 'wrong' as const;
    await recordAudit(trx, {
      actorUserId: null,
      organisationId: booklet.allocated_organisation_id,
      action: 'booklet.locked',
      orderId: booklet.order_id,
      bookletId: booklet.id,
      details: { failures },
    });
    return 'locked' as const;
  });
  // Thrown after the commit: the failure just counted must stay counted.
  if (verdict === 'locked') throw bookletLocked();
  if (verdict === 'unknown' || verdict === 'wrong') throw bookletNotFound();
  return verdict;
}

/**
 * Lifts the lock after too many wrong PINs: by the organisation the booklet is allocated to (its prescriber), the
 * funder of its order, or the national administration (canUnlockBooklet); journaled.
 */
export async function unlockBooklet(db: Kysely<DB>, principal: Principal, numberInput: string): Promise<{ number: string; failures: number }> {
  const serial = parseBookletNumber(numberInput);
  if (serial === null) throw invalid(`Le numéro de carnet « ${numberInput} » n’est pas valide : vérifiez les 9 chiffres.`, 'numero_carnet_invalide');
  return db.transaction().execute(async (trx) => {
    const booklet = await trx
      .selectFrom('booklets')
      .select(['id', 'number', 'order_id', 'allocated_organisation_id', 'handed_at', 'pin_failures', 'locked_at'])
      .where('id', '=', serial)
      .forUpdate()
      .executeTakeFirst();
    if (!booklet) throw notFound(`Aucun carnet ne porte le numéro ${normaliseBookletNumber(numberInput)}.`, 'carnet_inconnu');
    const order = await trx.selectFrom('orders').select('funder_organisation_id').where('id', '=', booklet.order_id).executeTakeFirstOrThrow();
    const facts = { handed: booklet.handed_at !== null, funderOrganisationId: order.funder_organisation_id, allocatedOrganisationId: booklet.allocated_organisation_id };
    if (!canUnlockBooklet(principal, facts)) {
      throw forbidden('Seuls la structure à qui ce carnet a été attribué et le financeur de sa commande peuvent le débloquer.', 'deblocage_interdit');
    }
    if (!booklet.locked_at) throw conflict(`Le carnet ${formatBookletNumber(booklet.number)} n’est pas bloqué.`, 'carnet_non_bloque');
    await trx.updateTable('booklets').set({ locked_at: null, pin_failures: 0 }).where('id', '=', booklet.id).execute();
    const actingFor = principal.memberships.find((m) => m.organisationId === booklet.allocated_organisation_id || m.organisationId === order.funder_organisation_id);
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: actingFor?.organisationId ?? booklet.allocated_organisation_id,
      action: 'booklet.unlocked',
      orderId: booklet.order_id,
      bookletId: booklet.id,
      details: { failures: booklet.pin_failures, lockedAt: new Date(booklet.locked_at).toISOString() },
    });
    return { number: booklet.number, failures: booklet.pin_failures };
  });
}
