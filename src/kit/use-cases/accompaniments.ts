import { CompiledQuery, sql, type Kysely } from 'kysely';
import { canReadAccompaniment } from '../domain/policies.js';
import type { DB } from '../../db/schema.js';
import { requireOrganisationsWithRole, type Principal } from '../../accounts/use-cases/principal.js';
import { formatVoucherCode, makeVoucherCode } from '../../pass/domain/voucher-code.js';
import { authenticSerial, diagnoseRefusal } from '../../pass/use-cases/redemption.js';
import { REDEEM_SQL } from '../../pass/use-cases/redemption-sql.js';
import { recordAudit } from '../../shared/audit.js';
import { conflict, DomainError, forbidden, invalid, notFound } from '../../shared/errors.js';
import { fingerprint } from '../../shared/idempotency.js';
import { parisDay } from '../../shared/dates.js';
import { ACCOMPANIMENT_KINDS, checkAccompaniment, REFERRALS, THEMES, type AccompanimentInput } from '../domain/accompaniment.js';

export interface RecordedAccompaniment {
  id: number;
  /** Vouchers redeemed by this record, and those already redeemed at the place and now linked to it. */
  redeemed: { code: string; amountCents: number }[];
  linked: string[];
  anonymous: number;
}

const mediatorOrganisations = (principal: Principal) => requireOrganisationsWithRole(principal, 'mediator', 'Seul un médiateur d’un lieu enregistre des accompagnements.');

function serialsOf(secret: string, input: AccompanimentInput): (number | null)[] {
  const serials = input.participants.map((p, index) => {
    if (!p.voucherCode?.trim()) return null;
    try {
      return authenticSerial(secret, p.voucherCode);
    } catch (error) {
      if (error instanceof DomainError) throw invalid(`Participant ${index + 1} : ${error.message} Rien n’a été enregistré.`, error.code);
      throw error;
    }
  });
  const given = serials.filter((s): s is number => s !== null);
  if (new Set(given).size !== given.length) throw invalid('Le même chèque est saisi pour deux participants. Rien n’a été enregistré.', 'cheque_en_double');
  return serials;
}

/**
 * Records an accompaniment and redeems the vouchers of its participants in one transaction: either the record and
 * every redemption commit, or nothing does and each refused voucher is named. A voucher already redeemed at this
 * place is linked instead (the desk redeemed it first); a voucher counts in one accompaniment only.
 */
export async function recordAccompaniment(db: Kysely<DB>, secret: string, principal: Principal, input: AccompanimentInput): Promise<RecordedAccompaniment> {
  checkAccompaniment(input, parisDay());
  const organisations = mediatorOrganisations(principal);
  const place = await db.selectFrom('places').select(['id', 'organisation_id']).where('id', '=', input.placeId).where('active', '=', true).executeTakeFirst();
  if (!place || place.organisation_id === null || !organisations.includes(place.organisation_id)) {
    throw forbidden('Ce lieu n’est pas un lieu actif de votre structure.', 'lieu_interdit');
  }
  const serials = serialsOf(secret, input);
  return db.transaction().execute(async (trx) => {
    const accompaniment = await trx
      .insertInto('accompaniments')
      .values({ kind: input.kind as 'individual' | 'workshop', place_id: place.id, organisation_id: place.organisation_id!, occurred_on: input.date, duration_minutes: input.durationMinutes, themes: input.themes, recorded_by: principal.userId })
      .returning('id')
      .executeTakeFirstOrThrow();
    const refusals: string[] = [];
    const redeemed: RecordedAccompaniment['redeemed'] = [];
    const linked: string[] = [];
    for (const [index, participant] of input.participants.entries()) {
      const serial = serials[index]!;
      if (serial !== null) {
        const code = formatVoucherCode(makeVoucherCode(secret, serial));
        const outcome = await redeemOrLink(trx, principal, organisations, place.id, serial);
        if (outcome.refusal) {
          refusals.push(`participant ${index + 1} (${code}) : ${outcome.refusal}`);
          continue;
        }
        if (outcome.amountCents === null) linked.push(code);
        else redeemed.push({ code, amountCents: outcome.amountCents });
      }
      // A voucher counts in one accompaniment (unique voucher_serial): when a concurrent record took it since it was
      // read above, the insert waits for that record, then inserts nothing, and this one is refused as a conflict.
      const inserted = await trx
        .insertInto('accompaniment_participants')
        .values({ accompaniment_id: accompaniment.id, voucher_serial: serial, autonomy_observed: participant.autonomy ?? null, referral: participant.referral || null })
        .onConflict((oc) => oc.column('voucher_serial').doNothing())
        .returning('id')
        .executeTakeFirst();
      if (!inserted) {
        const counted = await trx.selectFrom('accompaniment_participants').select('accompaniment_id').where('voucher_serial', '=', serial).executeTakeFirst();
        const code = formatVoucherCode(makeVoucherCode(secret, serial!));
        throw conflict(
          `Rien n’a été enregistré : le chèque ${code} du participant ${index + 1} vient d’être compté dans ${counted ? `l’accompagnement n° ${counted.accompaniment_id}` : 'un autre accompagnement'}.`,
          'cheque_deja_compte',
          { accompanimentId: counted?.accompaniment_id ?? null },
        );
      }
    }
    if (refusals.length) throw invalid(`Rien n’a été enregistré. ${refusals.join(' ; ')}.`, 'cheques_refuses', { refusals });
    const anonymous = serials.filter((s) => s === null).length;
    await recordAudit(trx, {
      actorUserId: principal.userId, organisationId: place.organisation_id, placeId: place.id, action: 'accompaniment.recorded',
      voucherCount: redeemed.length,
      details: { accompanimentId: accompaniment.id, kind: input.kind, redeemed: redeemed.map((r) => r.code), linked, anonymous },
    });
    return { id: accompaniment.id, redeemed, linked, anonymous };
  });
}

async function redeemOrLink(trx: Kysely<DB>, principal: Principal, organisations: number[], placeId: number, serial: number): Promise<{ refusal?: string; amountCents: number | null }> {
  // Locked against an undo (which locks the row for update): an undo waits for this record, then sees the voucher
  // counted and refuses; or this record waits for the undo, then sees the voucher back in the person's hands and
  // redeems it afresh. No key update: a concurrent record's participant insert (key share) does not wait on it.
  const voucher = await trx.selectFrom('vouchers').select(['status', 'redeemed_place_id']).where('serial', '=', serial).forNoKeyUpdate().executeTakeFirst();
  if (voucher?.status === 'redeemed' && voucher.redeemed_place_id === placeId) {
    const counted = await trx.selectFrom('accompaniment_participants').select('accompaniment_id').where('voucher_serial', '=', serial).executeTakeFirst();
    if (counted) return { refusal: `ce chèque compte déjà dans l’accompagnement n° ${counted.accompaniment_id}`, amountCents: null };
    return { amountCents: null };
  }
  const { rows } = await trx.executeQuery<{ row: { amountCents: number } }>(
    CompiledQuery.raw(REDEEM_SQL, [serial, principal.userId, placeId, organisations, `user:${principal.userId}`, null, fingerprint('redeem', String(serial), String(placeId))]),
  );
  if (rows[0]) return { amountCents: rows[0].row.amountCents };
  const refusal = await diagnoseRefusal(trx, serial, placeId, organisations);
  return { refusal: refusal.message, amountCents: null };
}

export interface AccompanimentDetails {
  id: number;
  kind: string;
  kindLabel: string;
  placeName: string;
  date: string;
  durationMinutes: number;
  themes: string[];
  recordedAt: Date;
  participants: { code: string | null; amountCents: number | null; autonomy: number | null; referral: string | null }[];
}

export async function getAccompaniment(db: Kysely<DB>, secret: string, principal: Principal, id: number): Promise<AccompanimentDetails> {
  const row = await db
    .selectFrom('accompaniments as a')
    .innerJoin('places as p', 'p.id', 'a.place_id')
    .select(['a.id', 'a.kind', 'p.name as place_name', 'a.occurred_on', 'a.duration_minutes', 'a.themes', 'a.recorded_at', 'a.organisation_id'])
    .where('a.id', '=', id)
    .executeTakeFirst();
  if (!row || !canReadAccompaniment(principal, row.organisation_id)) throw notFound('Cet accompagnement n’existe pas dans votre structure.');
  const participants = await db
    .selectFrom('accompaniment_participants as ap')
    .leftJoin('vouchers as v', 'v.serial', 'ap.voucher_serial')
    .select(['ap.voucher_serial', 'v.face_value_cents', 'ap.autonomy_observed', 'ap.referral'])
    .where('ap.accompaniment_id', '=', id)
    .orderBy('ap.id')
    .execute();
  return {
    id: row.id, kind: row.kind, kindLabel: ACCOMPANIMENT_KINDS[row.kind], placeName: row.place_name, date: row.occurred_on,
    durationMinutes: row.duration_minutes, themes: row.themes.map((t) => THEMES[t as keyof typeof THEMES] ?? t), recordedAt: new Date(row.recorded_at),
    participants: participants.map((p) => ({
      code: p.voucher_serial === null ? null : formatVoucherCode(makeVoucherCode(secret, p.voucher_serial)),
      amountCents: p.face_value_cents,
      autonomy: p.autonomy_observed,
      referral: p.referral ? (REFERRALS[p.referral as keyof typeof REFERRALS] ?? p.referral) : null,
    })),
  };
}

export async function listAccompaniments(db: Kysely<DB>, principal: Principal, limit = 50) {
  const organisations = mediatorOrganisations(principal);
  return db
    .selectFrom('accompaniments as a')
    .innerJoin('places as p', 'p.id', 'a.place_id')
    .select([
      'a.id', 'a.kind', 'p.name as place_name', 'a.occurred_on', 'a.duration_minutes', 'a.themes',
      sql<number>`(select count(*) from accompaniment_participants ap where ap.accompaniment_id = a.id)::int`.as('participants'),
      sql<number>`(select count(voucher_serial) from accompaniment_participants ap where ap.accompaniment_id = a.id)::int`.as('vouchers'),
    ])
    .where('a.organisation_id', 'in', organisations)
    .orderBy('a.occurred_on', 'desc')
    .orderBy('a.id', 'desc')
    .limit(limit)
    .execute();
}
