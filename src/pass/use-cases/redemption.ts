import { CompiledQuery, sql, type Kysely } from 'kysely';
import type pg from 'pg';
import { queryPrepared } from '../../db/prepared.js';
import { fingerprint, isUniqueViolation } from '../../shared/idempotency.js';
import { countHit } from '../../shared/rate-limit.js';
import { REDEEM_SQL, REFUSAL_FACTS_SQL, STORED_ANSWER_SQL } from './redemption-sql.js';
import { REDEMPTION_GUARDS } from '../domain/redemption-guards.js';
import type { DB } from '../../db/schema.js';
import { organisationsWithRole, requireOrganisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../../shared/errors.js';
import { canRedeemAt, canUndoRedemption } from '../domain/policies.js';
import { codeRefusal, explainRefusal } from '../domain/redemption-rules.js';
import { formatVoucherCode, makeVoucherCode, verifyVoucherCode } from '../domain/voucher-code.js';
import { postLedgerTransaction } from './ledger.js';
import { REIMBURSEMENT_LOCK } from '../../shared/locks.js';
import { frenchDay } from '../../shared/dates.js';

export interface RedemptionResult {
  code: string;
  status: 'redeemed';
  redeemedAt: string;
  amountCents: number;
  place: { id: number; name: string };
  programme: { id: number; name: string };
}

export function authenticSerial(secret: string, code: string): number {
  const verdict = verifyVoucherCode(secret, code);
  if (!verdict.ok) throw codeRefusal(verdict);
  return verdict.serial;
}

const mediatorOrganisations = (principal: Principal) => requireOrganisationsWithRole(principal, 'mediator', 'Seul un médiateur d’un lieu peut encaisser un chèque.');

/** The place the mediator redeems at: the one named, or their organisation's only active place. */
export async function resolvePlace(db: Kysely<DB>, principal: Principal, placeId?: number): Promise<number> {
  const organisations = mediatorOrganisations(principal);
  if (placeId !== undefined) return placeId;
  const places = await db.selectFrom('places').select('id').where('organisation_id', 'in', organisations).where('active', '=', true).limit(2).execute();
  if (places.length === 0) throw forbidden('Votre structure n’a aucun lieu actif : elle ne peut pas encaisser de chèque.');
  if (places.length > 1) throw invalid('Votre structure a plusieurs lieux : précisez le lieu où le chèque est encaissé.', 'lieu_a_preciser');
  return places[0]!.id;
}

interface RedemptionRow {
  serial: number;
  amountCents: number;
  redeemedAt: string;
  placeId: number;
  placeName: string;
  programmeId: number;
  programmeName: string;
}

export interface RedemptionDeps {
  db: Kysely<DB>;
  pool: pg.Pool;
  secret: string;
}

function toResult(secret: string, row: RedemptionRow): RedemptionResult {
  return {
    code: formatVoucherCode(makeVoucherCode(secret, row.serial)),
    status: 'redeemed',
    redeemedAt: new Date(row.redeemedAt).toISOString(),
    amountCents: row.amountCents,
    place: { id: row.placeId, name: row.placeName },
    programme: { id: row.programmeId, name: row.programmeName },
  };
}

/**
 * Redeems a voucher with one prepared statement (see redemption-sql.ts). With an idempotency key, a retry
 * returns the original answer (`replayed`); the same key for another request is refused.
 */
export async function redeemVoucher(
  deps: RedemptionDeps,
  principal: Principal,
  codeInput: string,
  placeId: number,
  idempotencyKey?: string,
): Promise<{ result: RedemptionResult; replayed: boolean }> {
  const serial = authenticSerial(deps.secret, codeInput);
  const organisations = mediatorOrganisations(principal);
  const idempotencyPrincipal = `user:${principal.userId}`;
  const requestFingerprint = fingerprint('redeem', String(serial), String(placeId));
  let rows: { row: RedemptionRow }[];
  try {
    rows = await queryPrepared<{ row: RedemptionRow }>(deps.pool, 'redeem_voucher', REDEEM_SQL, [
      serial, principal.userId, placeId, organisations, idempotencyPrincipal, idempotencyKey ?? null, requestFingerprint,
    ]);
  } catch (error) {
    // A concurrent request with the same key committed first: the whole statement (voucher, ledger, journal) is
    // rolled back, and the key's stored answer decides below, as for a later retry.
    if (!(idempotencyKey && isUniqueViolation(error, 'idempotency_keys_pkey'))) throw error;
    rows = [];
  }
  if (rows[0]) return { result: toResult(deps.secret, rows[0].row), replayed: false };
  if (idempotencyKey) {
    const [stored] = await queryPrepared<{ fingerprint: string; response: RedemptionRow }>(deps.pool, 'stored_answer', STORED_ANSWER_SQL, [idempotencyPrincipal, idempotencyKey]);
    if (stored) {
      if (stored.fingerprint !== requestFingerprint) {
        throw invalid('Cette clé Idempotency-Key a déjà servi pour une autre requête : utilisez une nouvelle clé.', 'cle_idempotence_reutilisee');
      }
      return { result: toResult(deps.secret, stored.response), replayed: true };
    }
  }
  throw await diagnoseRefusal(deps.db, serial, placeId, organisations);
}

// Guessing codes produces forged or mistyped codes (and unknown ones only with the secret): those refusals are
// counted per user, successful redemptions never are.
const REFUSAL_WINDOW_MS = 15 * 60_000;
const MAX_REFUSALS = Number(process.env.REDEEM_MAX_REFUSALS ?? 50);

export async function limitRefusals(db: Kysely<DB>, principal: Principal | null, error: unknown): Promise<never> {
  if (principal && error instanceof DomainError && (error.kind === 'invalid' || error.kind === 'not_found')) {
    const { current } = await countHit(db, `redeem-refusals|${principal.userId}`, REFUSAL_WINDOW_MS);
    if (current > MAX_REFUSALS) throw new DomainError('too_many', 'trop_de_tentatives', 'Trop de codes refusés : patientez un quart d’heure avant de réessayer.');
  }
  throw error;
}

/** Evaluates every guard of the table on the voucher and the place, then names the first that fails. */
export async function diagnoseRefusal(db: Kysely<DB>, serial: number, placeId: number, organisations: number[]): Promise<DomainError> {
  const { rows } = await db.executeQuery<Record<string, unknown> & { expires_at: Date | null; redeemed_at: Date | null; redeemed_place_name: string | null }>(
    CompiledQuery.raw(REFUSAL_FACTS_SQL, [serial, placeId, organisations]),
  );
  const row = rows[0]!;
  return explainRefusal({
    holds: Object.fromEntries(REDEMPTION_GUARDS.map((guard) => [guard.code, row[guard.code] === true])),
    expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    redeemedAt: row.redeemed_at ? new Date(row.redeemed_at) : null,
    redeemedPlaceName: row.redeemed_place_name,
    now: new Date(),
  });
}

export const UNDO_REASON_MAX_LENGTH = 500;

/** The reason a mediator gives for taking back a redemption: required, journaled with the undo. */
export function undoReason(input: unknown): string {
  const reason = typeof input === 'string' ? input.trim() : '';
  if (!reason) throw invalid('Indiquez le motif de l’annulation de l’encaissement (par exemple : chèque saisi par erreur).', 'motif_requis');
  if (reason.length > UNDO_REASON_MAX_LENGTH) throw invalid(`Le motif de l’annulation ne doit pas dépasser ${UNDO_REASON_MAX_LENGTH} caractères.`, 'motif_trop_long');
  return reason;
}

/**
 * Before the confirmation form is shown: the voucher must have been redeemed by one of the mediator's places
 * (canUndoRedemption), the same refusal as the undo itself otherwise. Reads only; the undo checks again.
 */
export async function requireUndoableRedemption(db: Kysely<DB>, secret: string, principal: Principal, codeInput: string): Promise<void> {
  const serial = authenticSerial(secret, codeInput);
  mediatorOrganisations(principal);
  const voucher = await db
    .selectFrom('vouchers as v')
    .innerJoin('places as p', 'p.id', 'v.redeemed_place_id')
    .select(['v.status', 'p.organisation_id'])
    .where('v.serial', '=', serial)
    .executeTakeFirst();
  if (!voucher || voucher.status !== 'redeemed') throw notFound('Ce chèque n’a pas été encaissé : il n’y a rien à annuler.', 'non_encaisse');
  if (!canUndoRedemption(principal, voucher.organisation_id)) throw notFound('Ce chèque n’a pas été encaissé par votre lieu.', 'non_encaisse');
}

/**
 * A place may take back its own redemption (a mistake at the desk), with a reason, as long as it has not been
 * reimbursed nor counted in an accompaniment: the voucher row is locked before either is checked, and recording
 * an accompaniment locks it too, so an undo and a workshop cannot both claim it.
 */
export async function undoRedemption(db: Kysely<DB>, secret: string, principal: Principal, codeInput: string, reasonInput: unknown): Promise<{ code: string; status: string }> {
  const serial = authenticSerial(secret, codeInput);
  mediatorOrganisations(principal);
  const reason = undoReason(reasonInput);
  return db.transaction().execute(async (trx) => {
    // A reimbursement run in progress would pay this voucher: wait for it, then see its lines.
    await sql`select pg_advisory_xact_lock_shared(${REIMBURSEMENT_LOCK})`.execute(trx);
    const voucher = await trx
      .selectFrom('vouchers as v')
      .innerJoin('places as p', 'p.id', 'v.redeemed_place_id')
      .innerJoin('booklets as b', 'b.id', 'v.booklet_id')
      .select(['v.serial', 'v.status', 'v.programme_id', 'v.order_id', 'v.booklet_id', 'v.face_value_cents', 'p.organisation_id', 'b.handed_at', sql<boolean>`exists (select 1 from statement_lines l where l.voucher_serial = v.serial)`.as('reimbursed')])
      .where('v.serial', '=', serial)
      .forUpdate('v')
      .executeTakeFirst();
    if (!voucher || voucher.status !== 'redeemed') throw notFound('Ce chèque n’a pas été encaissé : il n’y a rien à annuler.', 'non_encaisse');
    if (!canUndoRedemption(principal, voucher.organisation_id)) throw notFound('Ce chèque n’a pas été encaissé par votre lieu.', 'non_encaisse');
    if (voucher.reimbursed) throw conflict('Ce chèque figure déjà sur un relevé de remboursement : il ne peut plus être annulé.', 'deja_rembourse');
    // Read after the row lock, in a statement of its own: an accompaniment committed meanwhile is seen.
    const counted = await trx
      .selectFrom('accompaniment_participants as ap')
      .innerJoin('accompaniments as a', 'a.id', 'ap.accompaniment_id')
      .select(['a.id', 'a.kind', 'a.occurred_on'])
      .where('ap.voucher_serial', '=', serial)
      .executeTakeFirst();
    if (counted) {
      const where = counted.kind === 'workshop' ? 'l’atelier' : 'l’accompagnement individuel';
      throw conflict(`Ce chèque est compté dans ${where} du ${frenchDay(counted.occurred_on)} (n° ${counted.id}) : son encaissement ne peut pas être annulé.`, 'compte_dans_un_accompagnement', { accompanimentId: counted.id });
    }
    const restored = voucher.handed_at ? 'handed' : 'allocated';
    const updated = await trx
      .updateTable('vouchers')
      .set({ status: restored, redeemed_at: null, redeemed_place_id: null, redeemed_by_user_id: null })
      .where('serial', '=', serial)
      .where('status', '=', 'redeemed')
      .executeTakeFirst();
    if (updated.numUpdatedRows === 0n) throw conflict('Ce chèque vient de changer d’état : réessayez.');
    await postLedgerTransaction(trx, 'redemption_undone', voucher.programme_id, [
      { account: 'vouchers_outstanding', amountCents: -voucher.face_value_cents, orderId: voucher.order_id, voucherSerial: serial },
      { account: 'place_payable', amountCents: voucher.face_value_cents, organisationId: voucher.organisation_id, orderId: voucher.order_id, voucherSerial: serial },
    ]);
    await recordAudit(trx, {
      actorUserId: principal.userId,
      organisationId: voucher.organisation_id,
      action: 'voucher.redemption_undone',
      orderId: voucher.order_id,
      bookletId: voucher.booklet_id,
      voucherSerial: serial,
      fromStatus: 'redeemed',
      toStatus: restored,
      voucherCount: 1,
      details: { reason },
    });
    return { code: formatVoucherCode(makeVoucherCode(secret, serial)), status: restored };
  });
}

export interface RedemptionLine {
  code: string;
  redeemedAt: Date;
  amountCents: number;
  placeName: string;
  programmeName: string;
  bookletNumber: string;
}

/** A place sees only its own redemptions; a funder only those of its orders; the administration all. */
export async function listRedemptions(db: Kysely<DB>, secret: string, principal: Principal, limit = 100): Promise<RedemptionLine[]> {
  const mediatorOrgs = organisationsWithRole(principal, 'mediator');
  const funderOrgs = organisationsWithRole(principal, 'funder');
  const admin = organisationsWithRole(principal, 'admin').length > 0;
  if (!admin && mediatorOrgs.length === 0 && funderOrgs.length === 0) return [];
  const rows = await db
    .selectFrom('vouchers as v')
    .innerJoin('places as p', 'p.id', 'v.redeemed_place_id')
    .innerJoin('programmes as pr', 'pr.id', 'v.programme_id')
    .innerJoin('booklets as b', 'b.id', 'v.booklet_id')
    .innerJoin('orders as o', 'o.id', 'v.order_id')
    .select(['v.serial', 'v.redeemed_at', 'v.face_value_cents', 'p.name as place_name', 'pr.name as programme_name', 'b.number'])
    .where('v.status', '=', 'redeemed')
    .$if(!admin, (qb) =>
      qb.where((eb) =>
        eb.or([
          ...(mediatorOrgs.length ? [eb('p.organisation_id', 'in', mediatorOrgs)] : []),
          ...(funderOrgs.length ? [eb('o.funder_organisation_id', 'in', funderOrgs)] : []),
        ]),
      ),
    )
    .orderBy('v.redeemed_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((row) => ({
    code: formatVoucherCode(makeVoucherCode(secret, row.serial)),
    redeemedAt: new Date(row.redeemed_at!),
    amountCents: row.face_value_cents,
    placeName: row.place_name,
    programmeName: row.programme_name,
    bookletNumber: row.number,
  }));
}

export interface RedeemablePlace {
  id: number;
  name: string;
  commune: string;
}

/** The active places where the principal may redeem (canRedeemAt), for the choice of the desk's forms; none for others. */
export async function redeemablePlaces(db: Kysely<DB>, principal: Principal | null): Promise<RedeemablePlace[]> {
  const organisations = principal ? organisationsWithRole(principal, 'mediator') : [];
  if (organisations.length === 0) return [];
  const rows = await db
    .selectFrom('places')
    .select(['id', 'name', 'commune_name', 'organisation_id'])
    .where('organisation_id', 'in', organisations)
    .where('active', '=', true)
    .orderBy('name')
    .orderBy('id')
    .execute();
  return rows.filter((row) => canRedeemAt(principal, row.organisation_id)).map((row) => ({ id: row.id, name: row.name, commune: row.commune_name }));
}
