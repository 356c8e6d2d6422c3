import { httpStatus as httpStatusOf } from '../../../src/http/errors.js';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isValidSiret } from '../../../src/accounts/domain/siret.js';
import { bookletPin, isLuhnValid, makeBookletNumber, parseBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { explainRefusal, type RefusalFacts } from '../../../src/pass/domain/redemption-rules.js';
import { REDEMPTION_GUARDS } from '../../../src/pass/domain/redemption-guards.js';
import { validateProgrammeInput } from '../../../src/pass/use-cases/programmes.js';
import { orderAmountCents } from '../../../src/pass/use-cases/orders.js';
import { formatEuros, parseEurosToCents, splitByShares } from '../../../src/shared/money.js';
import { DomainError } from '../../../src/shared/errors.js';

test('SIRET: Luhn is checked, and La Poste (SIREN 356000000) uses its digit-sum rule', () => {
  assert.equal(isValidSiret('73282932000074'), true);
  assert.equal(isValidSiret('73282932000075'), false);
  assert.equal(isValidSiret('732 829 320 00074'), true);
  assert.equal(isValidSiret('7328293200007'), false);
  assert.equal(isLuhnValid('35600000000010'), false, 'this La Poste SIRET fails Luhn');
  assert.equal(isValidSiret('35600000000010'), true, 'digit sum 15');
  assert.equal(isValidSiret('35600000000011'), false, 'digit sum 16');
});

test('booklet numbers: 9 digits with a Luhn digit; any single-digit typo is caught', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 99_999_999 }), fc.nat({ max: 8 }), fc.integer({ min: 1, max: 9 }), (serial, position, delta) => {
      const number = makeBookletNumber(serial);
      assert.equal(number.length, 9);
      assert.equal(parseBookletNumber(number), serial);
      const digit = (Number(number[position]) + delta) % 10;
      assert.equal(parseBookletNumber(number.slice(0, position) + digit + number.slice(position + 1)), null);
    }),
  );
});

test('booklet PINs are 4 digits (6 since migration 006), stable, and depend on the secret', () => {
  assert.match(bookletPin('a', 12, 4), /^[0-9]{4}$/);
  assert.equal(bookletPin('a', 12, 4), bookletPin('a', 12, 4));
  const differing = Array.from({ length: 50 }, (_, i) => bookletPin('a', i + 1, 4) !== bookletPin('b', i + 1, 4)).filter(Boolean).length;
  assert.ok(differing > 40);
  assert.match(bookletPin('a', 12, 6), /^[0-9]{6}$/);
  assert.equal(bookletPin('a', 12, 6), bookletPin('a', 12, 6));
  const differing6 = Array.from({ length: 50 }, (_, i) => bookletPin('a', i + 1, 6) !== bookletPin('b', i + 1, 6)).filter(Boolean).length;
  assert.ok(differing6 > 45);
  const sharedTail = Array.from({ length: 50 }, (_, i) => bookletPin('a', i + 1, 6).endsWith(bookletPin('a', i + 1, 4))).filter(Boolean).length;
  assert.ok(sharedTail < 5, 'the 6 digits do not contain the 4-digit PIN of the same serial');
  assert.throws(() => bookletPin('a', 12, 5), RangeError);
});

test('splitting by shares adds up to the cent and gives each part its share within one cent', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 1e10 }), fc.array(fc.integer({ min: 1, max: 10_000 }), { minLength: 1, maxLength: 6 }), (amount, bps) => {
      const parts = splitByShares(amount, bps.map((shareBp, key) => ({ key, shareBp })));
      const total = bps.reduce((a, b) => a + b, 0);
      assert.equal(parts.reduce((sum, p) => sum + p.amountCents, 0), amount);
      parts.forEach((part, i) => assert.ok(Math.abs(part.amountCents - (amount * bps[i]!) / total) < 1));
    }),
  );
});

test('rounding remainders go to the largest fractional parts', () => {
  assert.deepEqual(splitByShares(100, [{ key: 'a', shareBp: 3333 }, { key: 'b', shareBp: 3333 }, { key: 'c', shareBp: 3334 }]).map((p) => p.amountCents), [33, 33, 34]);
  assert.deepEqual(splitByShares(1001, [{ key: 'etat', shareBp: 2500 }, { key: 'dep', shareBp: 7500 }]).map((p) => p.amountCents), [250, 751]);
});

test('euro amounts parse and format in French', () => {
  assert.equal(parseEurosToCents('10'), 1000);
  assert.equal(parseEurosToCents('12,5'), 1250);
  assert.equal(parseEurosToCents('12,505'), null);
  assert.equal(parseEurosToCents('dix'), null);
  assert.equal(formatEuros(123456).replace(/\s/g, ' '), '1 234,56 €');
  assert.equal(orderAmountCents(100, 10, 1000), 1_000_000);
});

test('a programme needs a territory and co-funders whose shares make 100 %', () => {
  const base = { name: 'P', departementCodes: ['44'], cofunders: [{ organisationId: 1, shareBp: 2500 }, { organisationId: 2, shareBp: 7500 }] };
  assert.doesNotThrow(() => validateProgrammeInput(base));
  assert.throws(() => validateProgrammeInput({ ...base, departementCodes: [] }), /au moins un département/);
  assert.throws(() => validateProgrammeInput({ ...base, cofunders: [{ organisationId: 1, shareBp: 2500 }] }), /100\u202f% au total \(actuellement 25\u202f%\)/);
  assert.throws(() => validateProgrammeInput({ ...base, cofunders: [{ organisationId: 1, shareBp: 5000 }, { organisationId: 1, shareBp: 5000 }] }), /qu’une fois/);
  assert.throws(() => validateProgrammeInput({ ...base, eligibleServices: ['Jongler'] }), /Service inconnu/);
});

test('each redemption refusal has its own status and French message', () => {
  const now = new Date('2026-06-01T10:00:00Z');
  const later = new Date('2027-01-01T00:00:00Z');
  const allHold = Object.fromEntries(REDEMPTION_GUARDS.map((guard) => [guard.code, true]));
  const facts = (failing: string[], context: Partial<RefusalFacts> = {}): RefusalFacts => ({
    holds: { ...allHold, ...Object.fromEntries(failing.map((code) => [code, false])) }, expiresAt: later, redeemedAt: null, redeemedPlaceName: null, now, ...context,
  });
  const statusOf = (error: DomainError) => [httpStatusOf(error), error.code];
  assert.deepEqual(statusOf(explainRefusal(facts(['cheque_inconnu', 'lieu_non_autorise']))), [404, 'cheque_inconnu']);
  const used = explainRefusal(facts(['deja_encaisse', 'cheque_expire', 'cheque_non_remis'], { redeemedAt: now, redeemedPlaceName: 'Médiathèque' }));
  assert.deepEqual(statusOf(used), [409, 'deja_encaisse']);
  assert.match(used.message, /Médiathèque/);
  assert.match(used.message, /1 juin 2026/);
  assert.deepEqual(used.details, { redeemedAt: now.toISOString(), placeName: 'Médiathèque' });
  const expired = explainRefusal(facts(['cheque_expire'], { expiresAt: now }));
  assert.deepEqual(statusOf(expired), [410, 'cheque_expire']);
  assert.match(expired.message, /expiré le 1er juin 2026/);
  assert.deepEqual(statusOf(explainRefusal(facts(['cheque_annule', 'cheque_expire', 'cheque_non_remis']))), [410, 'cheque_annule']);
  assert.deepEqual(statusOf(explainRefusal(facts(['lieu_non_autorise', 'lieu_inactif', 'hors_territoire']))), [403, 'lieu_non_autorise']);
  assert.deepEqual(statusOf(explainRefusal(facts(['lieu_inactif']))), [403, 'lieu_inactif']);
  assert.deepEqual(statusOf(explainRefusal(facts(['hors_territoire', 'programme_non_accepte']))), [403, 'hors_territoire']);
  assert.deepEqual(statusOf(explainRefusal(facts(['lieu_non_labellise']))), [403, 'lieu_non_labellise']);
  assert.deepEqual(statusOf(explainRefusal(facts(['programme_non_accepte']))), [403, 'programme_non_accepte']);
  assert.deepEqual(statusOf(explainRefusal(facts(['service_non_eligible']))), [403, 'service_non_eligible']);
  assert.deepEqual(statusOf(explainRefusal(facts(['cheque_non_active', 'cheque_non_remis']))), [403, 'cheque_non_active']);
  assert.deepEqual(statusOf(explainRefusal(facts(['cheque_non_remis']))), [403, 'cheque_non_remis']);
  assert.deepEqual(statusOf(explainRefusal(facts([]))), [409, 'reessayer']);
});
