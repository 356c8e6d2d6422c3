import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { organisationsWithRole, type Principal } from '../accounts/principal.js';
import { recordAudit } from '../shared/audit.js';
import { conflict, forbidden, invalid, notFound } from '../shared/errors.js';
import { codeRefusal, explainRefusal } from './domain/redemption-rules.js';
import { formatVoucherCode, makeVoucherCode, verifyVoucherCode } from './domain/voucher-code.js';
import { postLedgerTransaction } from './ledger.js';

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

function mediatorOrganisations(principal: Principal): number[] {
  const organisations = organisationsWithRole(principal, 'mediator');
  if (organisations.length === 0) throw forbidden('Seul un médiateur d’un lieu peut encaisser un chèque.');
  return organisations;
}

/** The place the mediator redeems at: the one named, or their organisation's only active place. */
export async function resolvePlace(db: Kysely<DB>, principal: Principal, placeId?: number): Promise<number> {
  const organisations = mediatorOrganisations(principal);
  if (placeId !== undefined) return placeId;
  const places = await db.selectFrom('places').select('id').where('organisation_id', 'in', organisations).where('active', '=', true).limit(2).execute();
  if (places.length === 0) throw forbidden('Votre structure n’a aucun lieu actif : elle ne peut pas encaisser de chèque.');
  if (places.length > 1) throw invalid('Votre structure a plusieurs lieux : précisez le lieu où le chèque est encaissé.', 'lieu_a_preciser');
  return places[0]!.id;
}

/**
 * One guarded statement does the whole redemption: the UPDATE re-checks its conditions on the locked row, so of
 * concurrent attempts on one voucher exactly one matches; the ledger lines and the journal entry are written by
 * the same statement, so they cannot be missing.
 */
export async function redeemVoucher(db: Kysely<DB>, secret: string, principal: Principal, codeInput: string, placeId: number): Promise<RedemptionResult> {
  const serial = authenticSerial(secret, codeInput);
  const organisations = mediatorOrganisations(principal);
  const result = await sql<{
    serial: number;
    face_value_cents: number;
    redeemed_at: Date;
    programme_id: number;
    programme_name: string;
    place_name: string;
  }>`
    with previous as (select status from vouchers where serial = ${serial}),
    redeemed as (
      update vouchers v
      set status = 'redeemed', redeemed_at = now(), redeemed_place_id = p.id, redeemed_by_user_id = ${principal.userId}
      from programmes pr, places p
      where v.serial = ${serial}
        and pr.id = v.programme_id
        and p.id = ${placeId} and p.active and p.organisation_id = any(${organisations}::bigint[])
        and (v.status = 'handed' or (v.status = 'allocated' and pr.allow_direct_handing))
        and v.expires_at > now()
        and exists (select 1 from programme_departements pd join communes c on c.departement_code = pd.departement_code
                    where pd.programme_id = v.programme_id and c.insee_code = p.commune_code)
        and (cardinality(pr.eligible_services) = 0 or pr.eligible_services && p.services)
      returning v.serial, v.face_value_cents, v.redeemed_at, v.programme_id, v.order_id, v.booklet_id,
                pr.name as programme_name, p.name as place_name, p.organisation_id as place_organisation_id
    ),
    ledger_transaction as (select gen_random_uuid() as id),
    ledger as (
      insert into ledger_entries (transaction_id, kind, account, programme_id, organisation_id, order_id, voucher_serial, amount_cents)
      select t.id, 'redemption', line.account, r.programme_id, line.organisation_id, r.order_id, r.serial, line.amount
      from redeemed r cross join ledger_transaction t
      cross join lateral (values ('vouchers_outstanding', null::bigint, r.face_value_cents::bigint),
                                 ('place_payable', r.place_organisation_id, -r.face_value_cents::bigint)) as line(account, organisation_id, amount)
    ),
    journal as (
      insert into audit_events (actor_user_id, organisation_id, action, order_id, booklet_id, voucher_serial, from_status, to_status, voucher_count, details)
      select ${principal.userId}, r.place_organisation_id, 'voucher.redeemed', r.order_id, r.booklet_id, r.serial,
             (select status from previous), 'redeemed', 1, jsonb_build_object('placeId', ${placeId}::bigint)
      from redeemed r
    )
    select serial, face_value_cents, redeemed_at, programme_id, programme_name, place_name from redeemed`.execute(db);
  const row = result.rows[0];
  if (!row) throw await diagnoseRefusal(db, serial, placeId, organisations);
  return {
    code: formatVoucherCode(makeVoucherCode(secret, serial)),
    status: 'redeemed',
    redeemedAt: new Date(row.redeemed_at).toISOString(),
    amountCents: row.face_value_cents,
    place: { id: placeId, name: row.place_name },
    programme: { id: row.programme_id, name: row.programme_name },
  };
}

async function diagnoseRefusal(db: Kysely<DB>, serial: number, placeId: number, organisations: number[]) {
  const voucher = await db
    .selectFrom('vouchers as v')
    .innerJoin('programmes as pr', 'pr.id', 'v.programme_id')
    .leftJoin('places as rp', 'rp.id', 'v.redeemed_place_id')
    .select(['v.status', 'v.expires_at', 'v.redeemed_at', 'rp.name as redeemed_place_name', 'pr.allow_direct_handing', 'v.programme_id'])
    .where('v.serial', '=', serial)
    .executeTakeFirst();
  const place = voucher
    ? await db
        .selectFrom('places as p')
        .select([
          'p.active',
          sql<boolean>`exists (select 1 from programme_departements pd join communes c on c.departement_code = pd.departement_code
                               where pd.programme_id = ${voucher.programme_id} and c.insee_code = p.commune_code)`.as('in_territory'),
          sql<boolean>`(select cardinality(eligible_services) = 0 or eligible_services && p.services from programmes where id = ${voucher.programme_id})`.as('eligible'),
        ])
        .where('p.id', '=', placeId)
        .where('p.organisation_id', 'in', organisations)
        .executeTakeFirst()
    : undefined;
  return explainRefusal(
    voucher
      ? {
          status: voucher.status,
          expiresAt: new Date(voucher.expires_at),
          redeemedAt: voucher.redeemed_at ? new Date(voucher.redeemed_at) : null,
          redeemedPlaceName: voucher.redeemed_place_name,
          allowDirectHanding: voucher.allow_direct_handing,
        }
      : null,
    place ? { active: place.active, inProgrammeTerritory: place.in_territory, offersEligibleService: place.eligible } : null,
    new Date(),
  );
}

/** A place may take back its own redemption (a mistake at the desk) as long as it has not been reimbursed. */
export async function undoRedemption(db: Kysely<DB>, secret: string, principal: Principal, codeInput: string): Promise<{ code: string; status: string }> {
  const serial = authenticSerial(secret, codeInput);
  const organisations = mediatorOrganisations(principal);
  return db.transaction().execute(async (trx) => {
    const voucher = await trx
      .selectFrom('vouchers as v')
      .innerJoin('places as p', 'p.id', 'v.redeemed_place_id')
      .innerJoin('booklets as b', 'b.id', 'v.booklet_id')
      .select(['v.serial', 'v.status', 'v.programme_id', 'v.order_id', 'v.booklet_id', 'v.face_value_cents', 'p.organisation_id', 'b.handed_at'])
      .where('v.serial', '=', serial)
      .forUpdate('v')
      .executeTakeFirst();
    if (!voucher || voucher.status !== 'redeemed') throw notFound('Ce chèque n’a pas été encaissé : il n’y a rien à annuler.', 'non_encaisse');
    if (!organisations.includes(voucher.organisation_id)) throw notFound('Ce chèque n’a pas été encaissé par votre lieu.', 'non_encaisse');
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
