import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { actingOrganisation, isAdmin, organisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { recordAudit } from '../../shared/audit.js';
import { isUuid } from '../../shared/uuid.js';
import { conflict, forbidden, invalid, notFound } from '../../shared/errors.js';
import { AGE_BANDS, profileValue, SITUATIONS } from '../domain/profile.js';
import { formatBookletNumber, normaliseBookletNumber, parseBookletNumber } from '../domain/booklet-number.js';
import { getOrder, lockOrder } from './orders.js';
import { paginate, type Page, type PageRequest } from '../../shared/pagination.js';
import { readPage } from '../../shared/paged-query.js';
import { getProgramme } from './programmes.js';
import { plural } from '../../shared/french.js';

export interface BookletSummary {
  id: number;
  number: string;
  order_id: number;
  programme_id: number;
  programme_name: string;
  allocated_organisation_id: number | null;
  allocated_organisation_name: string | null;
  handed_at: Date | null;
  expires_at: Date | null;
  voucher_count: number;
  remaining_count: number;
  redeemed_count: number;
  /** Digits of the PIN printed on the cover (4 before migration 006, 6 since). */
  pin_digits: number;
  /** Set when too many wrong PINs locked the booklet (booklet-pin.ts). */
  locked_at: Date | null;
}

function bookletSummaries(db: Kysely<DB>) {
  return db
    .selectFrom('booklets as b')
    .innerJoin('programmes as p', 'p.id', 'b.programme_id')
    .innerJoin('orders as o', 'o.id', 'b.order_id')
    .leftJoin('organisations as a', 'a.id', 'b.allocated_organisation_id')
    .select([
      'b.id',
      'b.number',
      'b.order_id',
      'b.programme_id',
      'p.name as programme_name',
      'b.allocated_organisation_id',
      'a.name as allocated_organisation_name',
      'b.handed_at',
      'o.expires_at',
      'b.pin_digits',
      'b.locked_at',
      sql<number>`(select count(*) from vouchers v where v.booklet_id = b.id)`.as('voucher_count'),
      sql<number>`(select count(*) from vouchers v where v.booklet_id = b.id and v.status in ('activated','allocated','handed') and v.expires_at > now())`.as('remaining_count'),
      sql<number>`(select count(*) from vouchers v where v.booklet_id = b.id and v.status = 'redeemed')`.as('redeemed_count'),
    ]);
}

export async function listOrderBooklets(db: Kysely<DB>, principal: Principal, orderId: number, limit = 200): Promise<BookletSummary[]> {
  await getOrder(db, principal, orderId);
  return bookletSummaries(db).where('b.order_id', '=', orderId).orderBy('b.id').limit(limit).execute();
}

/** Booklets in a prescriber's drawer: allocated to one of its organisations and not handed yet come first. */
export async function listAllocatedBooklets(db: Kysely<DB>, principal: Principal, limit = 200): Promise<BookletSummary[]> {
  const organisations = [...organisationsWithRole(principal, 'prescriber'), ...organisationsWithRole(principal, 'mediator')];
  if (organisations.length === 0) return [];
  return bookletSummaries(db)
    .where('b.allocated_organisation_id', 'in', organisations)
    .orderBy(sql`b.handed_at is not null`)
    .orderBy('b.id')
    .limit(limit)
    .execute();
}

/** The states a booklets list filters on (/carnets): to hand, handed, locked by wrong PINs, past its validity. */
export const BOOKLET_STATES = { a_remettre: 'À remettre', remis: 'Remis', bloque: 'Bloqué (codes secrets erronés)', expire: 'Expiré' } as const;
export type BookletState = keyof typeof BOOKLET_STATES;

export interface BookletFilters {
  state?: BookletState;
  programmeId?: number;
  /** Part of the number, as printed or typed (spaces and dashes ignored). */
  number?: string;
}

/** One page of the booklets in a prescriber's drawer (listAllocatedBooklets' rule and order), filtered, with their count. */
export async function listAllocatedBookletsPage(db: Kysely<DB>, principal: Principal, filters: BookletFilters, request: PageRequest): Promise<{ booklets: BookletSummary[]; page: Page }> {
  const organisations = [...organisationsWithRole(principal, 'prescriber'), ...organisationsWithRole(principal, 'mediator')];
  if (organisations.length === 0) return { booklets: [], page: paginate(0, request) };
  let query = bookletSummaries(db).where('b.allocated_organisation_id', 'in', organisations).orderBy(sql`b.handed_at is not null`).orderBy('b.id');
  if (filters.state === 'a_remettre') query = query.where('b.handed_at', 'is', null);
  if (filters.state === 'remis') query = query.where('b.handed_at', 'is not', null);
  if (filters.state === 'bloque') query = query.where('b.locked_at', 'is not', null);
  if (filters.state === 'expire') query = query.where('o.expires_at', '<=', new Date());
  if (filters.programmeId !== undefined) query = query.where('b.programme_id', '=', filters.programmeId);
  if (filters.number) query = query.where('b.number', 'like', `%${normaliseBookletNumber(filters.number).replace(/[^0-9]/g, '') || 'x'}%`);
  const { rows, page } = await readPage(query, request);
  return { booklets: rows, page };
}

export async function findBookletByNumber(db: Kysely<DB>, input: string) {
  const serial = parseBookletNumber(input);
  if (serial === null) throw invalid(`Le numéro de carnet « ${input} » n’est pas valide : vérifiez les 9 chiffres.`, 'numero_carnet_invalide');
  const booklet = await db.selectFrom('booklets').selectAll().where('id', '=', serial).executeTakeFirst();
  if (!booklet) throw notFound(`Aucun carnet ne porte le numéro ${normaliseBookletNumber(input)}.`, 'carnet_inconnu');
  return booklet;
}

export interface AllocationInput {
  orderId: number;
  recipientOrganisationId: number;
  bookletCount: number;
}

export async function allocateBooklets(db: Kysely<DB>, principal: Principal, input: AllocationInput): Promise<string[]> {
  const order = await getOrder(db, principal, input.orderId);
  if (!isAdmin(principal)) actingOrganisation(principal, 'funder', order.funder_organisation_id);
  if (!Number.isInteger(input.bookletCount) || input.bookletCount < 1) throw invalid('Indiquez un nombre de carnets à attribuer (au moins 1).', 'nombre_carnets');
  const programme = await getProgramme(db, order.programme_id);
  const allowedRoles = programme.allowDirectHanding ? ['prescriber', 'mediator'] : ['prescriber'];
  const recipient = await db
    .selectFrom('organisations')
    .select(['id', 'name'])
    .where('id', '=', input.recipientOrganisationId)
    .where('id', 'in', db.selectFrom('memberships').select('organisation_id').where('role', 'in', allowedRoles as never))
    .executeTakeFirst();
  if (!recipient) throw invalid('Cette organisation n’est pas une structure prescriptrice : elle ne peut pas recevoir de carnets.', 'destinataire_invalide');
  return db.transaction().execute(async (trx) => {
    const locked = await lockOrder(trx, input.orderId);
    if (locked.status !== 'paid') throw conflict('Les carnets ne peuvent être attribués qu’après l’enregistrement du paiement de la commande.', 'commande_non_payee');
    const booklets = await trx
      .selectFrom('booklets')
      .select(['id', 'number'])
      .where('order_id', '=', input.orderId)
      .where('allocated_organisation_id', 'is', null)
      .orderBy('id')
      .limit(input.bookletCount)
      .execute();
    if (booklets.length < input.bookletCount) {
      throw conflict(booklets.length === 0 ? 'Il ne reste aucun carnet à attribuer dans cette commande.' : `Il ne reste que ${plural(booklets.length, 'carnet')} à attribuer dans cette commande.`, 'carnets_insuffisants', { available: booklets.length });
    }
    const ids = booklets.map((b) => b.id);
    await trx.updateTable('booklets').set({ allocated_organisation_id: recipient.id, allocated_at: new Date() }).where('id', 'in', ids).execute();
    const moved = await trx.updateTable('vouchers').set({ status: 'allocated' }).where('booklet_id', 'in', ids).where('status', '=', 'activated').executeTakeFirst();
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: order.funder_organisation_id,
      action: 'booklets.allocated',
      orderId: input.orderId,
      fromStatus: 'activated',
      toStatus: 'allocated',
      voucherCount: Number(moved.numUpdatedRows),
      details: { recipientOrganisationId: recipient.id, recipientName: recipient.name, booklets: booklets.map((b) => b.number) },
    });
    return booklets.map((b) => b.number);
  });
}

/** Each value may be « Non renseigné » (null, or empty from a form): stored as null and counted apart by the report. */
export interface BeneficiaryProfile {
  ageBand?: string | null;
  /** INSEE code of the commune or arrondissement, as the commune resolver found it from what was typed. */
  communeCode?: string | null;
  situation?: string | null;
  diagnosticLevel?: number | null;
  /** A diagnostic run in the same welcome: it is linked to the booklet and gives the level. */
  diagnosticId?: string | null;
}

export function validateProfile(profile: BeneficiaryProfile): void {
  const ageBand = profileValue(profile.ageBand);
  const situation = profileValue(profile.situation);
  const communeCode = profileValue(profile.communeCode);
  if (ageBand !== null && !(AGE_BANDS as readonly string[]).includes(ageBand)) throw invalid('Choisissez une tranche d’âge dans la liste, ou « Non renseigné ».', 'tranche_age');
  if (situation !== null && !(situation in SITUATIONS)) throw invalid('Choisissez une situation dans la liste, ou « Non renseigné ».', 'situation');
  if (communeCode !== null && !/^[0-9][0-9AB][0-9]{3}$/.test(communeCode)) throw invalid('Le code INSEE de la commune comporte 5 caractères (ex. 44109 pour Nantes).', 'commune');
  if (profile.diagnosticId && !isUuid(profile.diagnosticId)) throw invalid('Ce diagnostic n’existe pas.', 'diagnostic_inconnu');
  const level = profile.diagnosticLevel;
  if (level !== undefined && level !== null && ![1, 2, 3].includes(level)) throw invalid('Le niveau de diagnostic est 1, 2 ou 3.', 'niveau');
}

/** Links a finished first diagnostic to the booklet being handed; its overall level goes in the profile. */
async function linkDiagnostic(trx: Kysely<DB>, diagnosticId: string, bookletId: number): Promise<number> {
  const linked = await trx
    .updateTable('diagnostics')
    .set({ booklet_id: bookletId })
    .where('id', '=', diagnosticId)
    .where('kind', '=', 'initial')
    .where('finished_at', 'is not', null)
    .where('booklet_id', 'is', null)
    .returning('overall_level')
    .executeTakeFirst();
  if (!linked) throw conflict('Ce diagnostic n’est pas terminé ou il est déjà lié à un autre carnet.', 'diagnostic_non_liable');
  return linked.overall_level!;
}

/** A prescriber hands a booklet to a person, recording a pseudonymous profile: no name is ever asked. */
export async function handBooklet(db: Kysely<DB>, principal: Principal, bookletNumber: string, profile: BeneficiaryProfile): Promise<{ number: string; voucherCount: number }> {
  validateProfile(profile);
  const ageBand = profileValue(profile.ageBand);
  const communeCode = profileValue(profile.communeCode);
  const situation = profileValue(profile.situation);
  const booklet = await findBookletByNumber(db, bookletNumber);
  const mine = [...organisationsWithRole(principal, 'prescriber'), ...organisationsWithRole(principal, 'mediator')];
  if (booklet.allocated_organisation_id === null || !mine.includes(booklet.allocated_organisation_id)) {
    throw forbidden('Ce carnet n’a pas été attribué à votre structure : vous ne pouvez pas le remettre.', 'carnet_non_attribue');
  }
  const commune = communeCode === null ? null : await db.selectFrom('communes').select('insee_code').where('insee_code', '=', communeCode).executeTakeFirst();
  if (commune === undefined) throw invalid(`Aucune commune n’a le code INSEE ${communeCode}.`, 'commune_inconnue');
  return db.transaction().execute(async (trx) => {
    const diagnosticLevel = profile.diagnosticId ? await linkDiagnostic(trx, profile.diagnosticId, booklet.id) : (profile.diagnosticLevel ?? null);
    const claimed = await trx
      .updateTable('booklets')
      .set({
        handed_at: new Date(),
        handed_by_user_id: principal.userId,
        profile_age_band: ageBand,
        profile_commune_code: communeCode,
        profile_situation: situation,
        profile_diagnostic_level: diagnosticLevel,
      })
      .where('id', '=', booklet.id)
      .where('handed_at', 'is', null)
      .executeTakeFirst();
    if (claimed.numUpdatedRows === 0n) throw conflict(`Le carnet ${formatBookletNumber(booklet.number)} a déjà été remis.`, 'carnet_deja_remis');
    const moved = await trx
      .updateTable('vouchers')
      .set({ status: 'handed' })
      .where('booklet_id', '=', booklet.id)
      .where('status', '=', 'allocated')
      .where('expires_at', '>', new Date())
      .executeTakeFirst();
    const count = Number(moved.numUpdatedRows);
    if (count === 0) throw conflict(`Le carnet ${formatBookletNumber(booklet.number)} n’a plus de chèque valable.`, 'carnet_vide');
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: booklet.allocated_organisation_id,
      action: 'booklet.handed',
      orderId: booklet.order_id,
      bookletId: booklet.id,
      fromStatus: 'allocated',
      toStatus: 'handed',
      voucherCount: count,
      details: { ageBand, communeCode, situation, diagnosticLevel, diagnosticId: profile.diagnosticId ?? null },
    });
    return { number: booklet.number, voucherCount: count };
  });
}
