import { bindCondition, REDEMPTION_GUARDS, type GuardParameters } from '../domain/redemption-guards.js';

/** The placeholders of the redemption statement that the guards name. */
export const REDEEM_PARAMETERS: GuardParameters = { serial: '$1', placeId: '$3', organisations: '$4::bigint[]' };

const guardsOf = (parameters: GuardParameters, separator: string) => REDEMPTION_GUARDS.map((guard) => bindCondition(guard.condition, parameters)).join(separator);

/**
 * The whole redemption in one statement, prepared once per connection (ADR 0003). Parameters:
 * $1 serial, $2 user id, $3 place id, $4 the mediator's organisations, $5 idempotency principal, $6 idempotency
 * key (null without the header), $7 request fingerprint.
 *
 * The guarded UPDATE re-checks its WHERE on the locked row, so concurrent attempts have exactly one winner; the
 * ledger lines, the journal entry and the idempotency record are written by the same statement. Its WHERE is
 * every condition of the guard table (domain/redemption-guards.ts), assembled once when this module loads: the
 * text never changes, so it stays one prepared statement. A key already used by this principal blocks the
 * update: its stored answer is replayed instead.
 */
export const REDEEM_SQL = `
with previous as (select status from vouchers where serial = $1),
redeemed as (
  update vouchers v
  set status = 'redeemed', redeemed_at = now(), redeemed_place_id = p.id, redeemed_by_user_id = $2
  from programmes pr, places p
  where pr.id = v.programme_id and p.id = $3
    and ${guardsOf(REDEEM_PARAMETERS, '\n    and ')}
    and ($6::text is null or not exists (select 1 from idempotency_keys k where k.principal = $5 and k.key = $6))
  returning v.serial, v.face_value_cents, v.redeemed_at, v.programme_id, v.order_id, v.booklet_id,
            pr.name as programme_name, p.id as place_id, p.name as place_name, p.organisation_id as place_organisation_id
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
  select $2, r.place_organisation_id, 'voucher.redeemed', r.order_id, r.booklet_id, r.serial,
         (select status from previous), 'redeemed', 1, jsonb_build_object('placeId', r.place_id)
  from redeemed r
),
answer as (
  select json_build_object('serial', r.serial, 'amountCents', r.face_value_cents, 'redeemedAt', r.redeemed_at,
                           'placeId', r.place_id, 'placeName', r.place_name, 'programmeId', r.programme_id,
                           'programmeName', r.programme_name) as row
  from redeemed r
),
remembered as (
  insert into idempotency_keys (principal, key, fingerprint, status_code, response)
  select $5, $6, $7, 200, a.row::jsonb from answer a where $6::text is not null
)
select row from answer`;

export const STORED_ANSWER_SQL = `select fingerprint, response from idempotency_keys where principal = $1 and key = $2`;

/** The placeholders of the diagnosis query: $1 serial, $2 place id, $3 the mediator's organisations. */
export const DIAGNOSIS_PARAMETERS: GuardParameters = { serial: '$1', placeId: '$2', organisations: '$3::bigint[]' };

/**
 * Why the statement updated nothing: every guard's condition evaluated on the same rows (false when the voucher or
 * the place is unknown), one boolean column per refusal code, and what the messages quote.
 */
export const REFUSAL_FACTS_SQL = `
select v.expires_at, v.redeemed_at, rp.name as redeemed_place_name,
  ${REDEMPTION_GUARDS.map((guard) => `coalesce((${bindCondition(guard.condition, DIAGNOSIS_PARAMETERS)}), false) as "${guard.code}"`).join(',\n  ')}
from (select 1) as one
left join vouchers v on v.serial = $1
left join programmes pr on pr.id = v.programme_id
left join places p on p.id = $2
left join places rp on rp.id = v.redeemed_place_id`;
