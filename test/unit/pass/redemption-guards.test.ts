import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bindCondition, REDEMPTION_GUARDS } from '../../../src/pass/domain/redemption-guards.js';
import { LIVE_VOUCHER_STATUSES_SQL } from '../../../src/pass/domain/voucher-status.js';
import { DIAGNOSIS_PARAMETERS, REDEEM_PARAMETERS, REDEEM_SQL, REFUSAL_FACTS_SQL } from '../../../src/pass/use-cases/redemption-sql.js';
import { acceptsProgramme, inProgrammeTerritory, labelValidToday } from '../../../src/places/domain/sql-fragments.js';
import { PARIS_TODAY_SQL } from '../../../src/shared/dates.js';

test('the guard table and the redemption statement agree: every guard’s condition is in the statement’s WHERE', () => {
  const where = REDEEM_SQL.slice(REDEEM_SQL.indexOf('where pr.id = v.programme_id'), REDEEM_SQL.indexOf('returning'));
  for (const guard of REDEMPTION_GUARDS) {
    const condition = bindCondition(guard.condition, REDEEM_PARAMETERS);
    assert.ok(where.includes(`and ${condition}\n`), `${guard.code} manque dans REDEEM_SQL : ${condition}`);
  }
  // Nothing else decides a redemption, except the joins and the idempotency key.
  const conjuncts = where.split('\n    and ').length - 1;
  assert.equal(conjuncts, REDEMPTION_GUARDS.length + 1, 'one conjunct per guard, plus the idempotency key');
  assert.ok(!/\{(serial|placeId|organisations)\}/.test(REDEEM_SQL), 'every parameter bound');
});

test('the refusal diagnosis evaluates the very same conditions, one column per refusal code', () => {
  for (const guard of REDEMPTION_GUARDS) {
    assert.ok(REFUSAL_FACTS_SQL.includes(`coalesce((${bindCondition(guard.condition, DIAGNOSIS_PARAMETERS)}), false) as "${guard.code}"`), guard.code);
  }
  assert.equal(new Set(REDEMPTION_GUARDS.map((g) => g.code)).size, REDEMPTION_GUARDS.length, 'codes are unique');
  assert.ok(!/\{(serial|placeId|organisations)\}/.test(REFUSAL_FACTS_SQL));
});

test('one definition each: the place rules, the live statuses and today in Paris', () => {
  const byCode = Object.fromEntries(REDEMPTION_GUARDS.map((g) => [g.code, g.condition]));
  assert.equal(byCode.lieu_non_labellise, labelValidToday('p'));
  assert.equal(byCode.hors_territoire, inProgrammeTerritory('p', 'v.programme_id'));
  assert.equal(byCode.programme_non_accepte, acceptsProgramme('p', 'v.programme_id'));
  assert.ok(byCode.cheque_expire!.includes(LIVE_VOUCHER_STATUSES_SQL));
  assert.equal(LIVE_VOUCHER_STATUSES_SQL, `('issued', 'activated', 'allocated', 'handed')`);
  assert.ok(labelValidToday('p').includes(PARIS_TODAY_SQL));
  for (const text of [REDEEM_SQL, REFUSAL_FACTS_SQL]) assert.ok(!text.includes('current_date'), 'the server’s date is not the Paris date');
  assert.throws(() => labelValidToday('p; drop table places'), /alias/);
});
