import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  MAX_SERIAL,
  formatVoucherCode,
  hasValidCheck,
  makeVoucherCode,
  verifyVoucherCode,
} from '../../../src/pass/domain/voucher-code.js';

const SECRET = 'secret-de-test';
const serial = fc.integer({ min: 1, max: MAX_SERIAL });
const alphabetChar = fc.constantFrom(...CODE_ALPHABET);

test('an issued code is at most 16 characters, from the unambiguous alphabet, and verifies to its serial', () => {
  fc.assert(
    fc.property(serial, (s) => {
      const code = makeVoucherCode(SECRET, s);
      assert.ok(code.length <= 16);
      assert.equal(code.length, CODE_LENGTH);
      assert.match(code, /^[2-9A-HJKMNP-TV-Y]+$/);
      assert.deepEqual(verifyVoucherCode(SECRET, code), { ok: true, serial: s, code });
    }),
  );
});

test('the alphabet has no ambiguous characters', () => {
  for (const ambiguous of ['0', 'O', '1', 'I', 'L', 'U', 'Z']) assert.ok(!CODE_ALPHABET.includes(ambiguous), ambiguous);
});

test('every single-character substitution is caught by the check character', () => {
  fc.assert(
    fc.property(serial, fc.nat({ max: CODE_LENGTH - 1 }), alphabetChar, (s, position, replacement) => {
      const code = makeVoucherCode(SECRET, s);
      fc.pre(code[position] !== replacement);
      const typo = code.slice(0, position) + replacement + code.slice(position + 1);
      assert.equal(hasValidCheck(typo), false);
      assert.deepEqual(verifyVoucherCode(SECRET, typo), { ok: false, reason: 'typo', code: typo });
    }),
    { numRuns: 2000 },
  );
});

test('every swap of two different adjacent characters is caught', () => {
  fc.assert(
    fc.property(serial, fc.nat({ max: CODE_LENGTH - 2 }), (s, position) => {
      const code = makeVoucherCode(SECRET, s);
      fc.pre(code[position] !== code[position + 1]);
      const swapped = code.slice(0, position) + code[position + 1] + code[position] + code.slice(position + 2);
      assert.equal(verifyVoucherCode(SECRET, swapped).ok, false);
    }),
    { numRuns: 2000 },
  );
});

test('exhaustively: on one code, all 14 × 28 substitutions and all adjacent swaps are refused', () => {
  const code = makeVoucherCode(SECRET, 123_456);
  for (let i = 0; i < CODE_LENGTH; i++) {
    for (const char of CODE_ALPHABET) {
      if (char === code[i]) continue;
      assert.equal(hasValidCheck(code.slice(0, i) + char + code.slice(i + 1)), false);
    }
  }
});

test('a code forged with a valid check character but without the secret is refused as not authentic', () => {
  fc.assert(
    fc.property(serial, (s) => {
      const forged = makeVoucherCode('un autre secret', s);
      const verdict = verifyVoucherCode(SECRET, forged);
      assert.equal(verdict.ok, false);
      assert.equal(verdict.ok === false && verdict.reason, 'forged');
    }),
    { numRuns: 500 },
  );
});

test('random strings of the right shape are (practically) never authentic', () => {
  fc.assert(
    fc.property(fc.array(alphabetChar, { minLength: CODE_LENGTH, maxLength: CODE_LENGTH }), (chars) => {
      assert.equal(verifyVoucherCode(SECRET, chars.join('')).ok, false);
    }),
    { numRuns: 5000 },
  );
});

test('the documented chance that a random code is valid is below 1e-12', () => {
  assert.ok(1 / CODE_ALPHABET.length ** 9 < 1e-12);
});

test('input is normalised: case, spaces and hyphens do not matter; bad shapes are reported as format errors', () => {
  const code = makeVoucherCode(SECRET, 42);
  const grouped = formatVoucherCode(code);
  assert.match(grouped, /^[^-]{5}-[^-]{5}-[^-]{5}$/);
  assert.equal(verifyVoucherCode(SECRET, ` ${grouped.toLowerCase()} `).ok, true);
  assert.equal(verifyVoucherCode(SECRET, grouped.replaceAll('-', ' ')).ok, true);
  const short = verifyVoucherCode(SECRET, 'ABC');
  assert.equal(short.ok === false && short.reason, 'format');
  const badChar = verifyVoucherCode(SECRET, `0${code.slice(1)}`);
  assert.equal(badChar.ok === false && badChar.reason, 'format');
});
