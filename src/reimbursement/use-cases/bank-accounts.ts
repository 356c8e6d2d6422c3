import type { Kysely } from 'kysely';
import { organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import type { DB } from '../../db/schema.js';
import { placeFacts, placeLocation, reviewedDepartements } from '../../places/use-cases/access.js';
import { canConfirmBankDetails, canReadBankDetails } from '../domain/policies.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../../shared/errors.js';
import { validateBankDetails } from '../domain/bank.js';
import { holderNameForBank } from '../domain/sepa-text.js';

const isPlaceMediator = (principal: Principal, organisationId: number | null) => organisationId !== null && organisationsWithRole(principal, 'mediator').includes(organisationId);

/**
 * A place's mediators enter the bank details; nothing is paid to them until a second person confirms. The holder is
 * stored as the bank will receive it (accents dropped); a name that cannot be sent as is, or longer than 70
 * characters, is refused rather than altered.
 */
export async function requestBankDetails(db: Kysely<DB>, principal: Principal, placeId: number, input: { holderName: string; iban: string; bic: string }): Promise<number> {
  const place = await placeLocation(db, placeId);
  if (!isPlaceMediator(principal, place.organisation_id)) throw forbidden('Seuls les médiateurs du lieu peuvent saisir ses coordonnées bancaires.');
  const verdict = validateBankDetails(input.iban, input.bic);
  if (!verdict.ok) throw new DomainError('invalid', `${verdict.field}_invalide`, verdict.reason, { field: verdict.field });
  const holder = holderNameForBank(input.holderName);
  if (!holder.ok) throw new DomainError('invalid', holder.code, holder.reason, { field: 'titulaire' });
  const holderName = holder.sent;
  return db.transaction().execute(async (trx) => {
    // A new request replaces a pending one: the confirmation always applies to what is shown.
    await trx.updateTable('bank_accounts').set({ status: 'cancelled' }).where('place_id', '=', placeId).where('status', '=', 'pending').execute();
    const { id } = await trx
      .insertInto('bank_accounts')
      .values({ place_id: placeId, holder_name: holderName, iban: verdict.iban, bic: verdict.bic, status: 'pending', requested_by: principal.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: place.organisation_id, placeId, action: 'bank_account.requested', details: { bankAccountId: id, holderNameForBank: holderName, ibanEnd: verdict.iban.slice(-4), bic: verdict.bic } });
    return id;
  });
}

/**
 * The two-person rule against the classic fraud of a diverted IBAN: another mediator of the place's organisation,
 * the hub of its territory or the administration confirms; never the person who entered it. `shownHolderName` is the
 * "nom transmis à la banque" the confirmer was shown: if it is not the text the transfers will carry, nothing is
 * confirmed. The journal keeps the exact text confirmed.
 */
export async function confirmBankDetails(db: Kysely<DB>, principal: Principal, bankAccountId: number, shownHolderName?: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('bank_accounts').selectAll().where('id', '=', bankAccountId).forUpdate().executeTakeFirst();
    if (!account) throw notFound('Ces coordonnées bancaires n’existent pas.');
    if (account.status !== 'pending') throw conflict('Ces coordonnées bancaires ne sont plus en attente de confirmation.');
    if (account.requested_by === principal.userId) throw forbidden('Une autre personne que celle qui a saisi l’IBAN doit le confirmer.', 'meme_personne');
    const place = await placeLocation(trx, account.place_id);
    if (!canConfirmBankDetails(principal, placeFacts(place), account.requested_by)) {
      throw forbidden('Seuls un autre médiateur du lieu, le hub du territoire ou l’administration (jamais pour un lieu de leur propre organisation) peuvent confirmer ces coordonnées.');
    }
    const holder = holderNameForBank(account.holder_name);
    // Entered before names were checked this strictly: it must be entered again, not confirmed as something else.
    if (!holder.ok) throw conflict(`${holder.reason} Ces coordonnées doivent être saisies à nouveau par un médiateur du lieu.`, 'titulaire_a_ressaisir');
    const shown = shownHolderName?.trim();
    if (shown !== undefined && shown !== holder.sent) {
      throw conflict(`Le nom transmis à la banque sera « ${holder.sent} »${shown ? `, pas « ${shown} »` : ''} : vérifiez-le sur le RIB avant de confirmer.`, 'nom_transmis_different');
    }
    await trx.updateTable('bank_accounts').set({ status: 'superseded' }).where('place_id', '=', account.place_id).where('status', '=', 'confirmed').execute();
    await trx.updateTable('bank_accounts').set({ status: 'confirmed', confirmed_by: principal.userId, confirmed_at: new Date() }).where('id', '=', bankAccountId).execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: place.organisation_id, placeId: place.id, action: 'bank_account.confirmed', details: { bankAccountId, requestedBy: account.requested_by, holderNameForBank: holder.sent, ibanEnd: account.iban.slice(-4) } });
  });
}

/** The longest reason of a refusal: a sentence or two for the person who entered the details. */
export const REFUSAL_REASON_MAX = 500;

/**
 * The other side of the two-person rule: whoever may confirm pending details (canConfirmBankDetails: never the person
 * who entered them) may refuse them instead, with a reason. Refused details are never paid to (runs take confirmed
 * details only); the place's mediators read the reason on the bank page and enter new details.
 */
export async function refuseBankDetails(db: Kysely<DB>, principal: Principal, bankAccountId: number, reason: string): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const account = await trx.selectFrom('bank_accounts').selectAll().where('id', '=', bankAccountId).forUpdate().executeTakeFirst();
    if (!account) throw notFound('Ces coordonnées bancaires n’existent pas.');
    const place = await placeLocation(trx, account.place_id);
    if (account.requested_by === principal.userId) throw forbidden('Une autre personne que celle qui a saisi l’IBAN doit le confirmer ou le refuser : saisissez plutôt de nouvelles coordonnées.', 'meme_personne');
    if (!canConfirmBankDetails(principal, placeFacts(place), account.requested_by)) {
      throw forbidden('Seuls un autre médiateur du lieu, le hub du territoire ou l’administration (jamais pour un lieu de leur propre organisation) peuvent refuser ces coordonnées.');
    }
    if (account.status !== 'pending') throw conflict('Ces coordonnées bancaires ne sont plus en attente de confirmation.');
    const text = reason.trim();
    // A reason made only of invisible characters (zero-width spaces, direction marks) says nothing to its reader.
    if (!/[\p{L}\p{N}]/u.test(text)) throw invalid('Indiquez le motif du refus : la personne qui a saisi ces coordonnées le lira pour les corriger.', 'motif_requis', { field: 'motif' });
    if (text.length > REFUSAL_REASON_MAX) throw invalid(`Le motif tient en ${REFUSAL_REASON_MAX} caractères au plus.`, 'motif_trop_long', { field: 'motif' });
    await trx.updateTable('bank_accounts').set({ status: 'refused', refused_by: principal.userId, refused_at: new Date(), refusal_reason: text }).where('id', '=', bankAccountId).execute();
    await recordAudit(trx, { actorUserId: principal.userId, organisationId: place.organisation_id, placeId: place.id, action: 'bank_account.refused', details: { bankAccountId, requestedBy: account.requested_by, ibanEnd: account.iban.slice(-4), reason: text } });
  });
}

/** A place's bank details, for those canReadBankDetails allows (its mediators, the hub of its territory, the administration). */
export async function bankDetailsOfPlace(db: Kysely<DB>, principal: Principal, placeId: number) {
  const place = await placeLocation(db, placeId);
  if (!canReadBankDetails(principal, placeFacts(place))) {
    throw forbidden('Les coordonnées bancaires d’un lieu ne sont visibles que par ses médiateurs, le hub de son territoire et l’administration.');
  }
  const rows = await db
    .selectFrom('bank_accounts as b')
    .innerJoin('users as u', 'u.id', 'b.requested_by')
    .leftJoin('users as c', 'c.id', 'b.confirmed_by')
    .leftJoin('users as r', 'r.id', 'b.refused_by')
    .select(['b.id', 'b.holder_name', 'b.iban', 'b.bic', 'b.status', 'b.requested_at', 'b.requested_by', 'u.display_name as requested_by_name', 'c.display_name as confirmed_by_name', 'b.confirmed_at',
      'r.display_name as refused_by_name', 'b.refused_at', 'b.refusal_reason'])
    .where('b.place_id', '=', placeId)
    .where('b.status', 'in', ['pending', 'confirmed', 'refused'])
    .orderBy('b.id', 'desc')
    .execute();
  return {
    confirmed: rows.find((r) => r.status === 'confirmed') ?? null,
    pending: rows.find((r) => r.status === 'pending') ?? null,
    // A refusal stays news until new details are entered: shown while it is the place's latest request.
    refused: rows[0]?.status === 'refused' ? rows[0] : null,
  };
}

/** Pending bank details a reviewer (hub, administration) may confirm on their territory. */
export async function pendingBankDetails(db: Kysely<DB>, principal: Principal) {
  const departements = await reviewedDepartements(db, principal);
  let query = db
    .selectFrom('bank_accounts as b')
    .innerJoin('places as p', 'p.id', 'b.place_id')
    .innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
    .select(['b.id', 'b.place_id', 'p.name as place_name', 'b.holder_name', 'b.iban', 'b.bic', 'b.requested_at'])
    .where('b.status', '=', 'pending')
    .orderBy('b.requested_at');
  if (departements) query = query.where('c.departement_code', 'in', departements.length ? departements : ['']);
  return query.execute();
}
