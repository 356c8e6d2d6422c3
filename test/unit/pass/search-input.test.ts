import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { makeBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import { parseSearchInput } from '../../../src/pass/domain/search-input.js';
import { MAX_SERIAL, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { DomainError } from '../../../src/shared/errors.js';

const SECRET = 'secret-de-test';
const refusal = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

/** A code or number as people write it: groups split by spaces, dashes or dots, any case, spaces around. */
const written = (text: string) =>
  fc.tuple(fc.array(fc.constantFrom(' ', '-', '.', ''), { minLength: text.length, maxLength: text.length }), fc.boolean(), fc.constantFrom('', ' ', '  '))
    .map(([separators, lower, pad]) => {
      const joined = `${pad}${[...text].map((c, i) => (i > 0 ? separators[i]! : '') + c).join('')}${pad}`;
      return lower ? joined.toLowerCase() : joined;
    });

test('a voucher code reads back to its serial however it is written (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: MAX_SERIAL }).chain((serial) => fc.tuple(fc.constant(serial), written(makeVoucherCode(SECRET, serial)))), ([serial, typed]) => {
      assert.deepEqual(parseSearchInput(SECRET, typed), { kind: 'voucher', serial });
    }),
  );
});

test('a booklet number reads back to its serial with or without spaces and dashes (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 99_999_999 }).chain((serial) => fc.tuple(fc.constant(serial), written(makeBookletNumber(serial)))), ([serial, typed]) => {
      assert.deepEqual(parseSearchInput(SECRET, typed), { kind: 'booklet', serial });
    }),
  );
});

test('the address of a QR code, typos, forgeries and other texts', () => {
  const code = makeVoucherCode(SECRET, 4242);
  assert.deepEqual(parseSearchInput(SECRET, `https://pass.example.fr/c/${code}`), { kind: 'voucher', serial: 4242 });
  assert.throws(() => parseSearchInput(SECRET, code.slice(0, 14) + (code[14] === '2' ? '3' : '2')), refusal('code_faute_de_frappe'));
  assert.throws(() => parseSearchInput('un-autre-secret', code), refusal('code_non_emis'));
  assert.throws(() => parseSearchInput(SECRET, '000 000 001'), refusal('numero_carnet_invalide'));
  assert.throws(() => parseSearchInput(SECRET, '1234'), refusal('numero_carnet_invalide'));
  assert.throws(() => parseSearchInput(SECRET, 'bonjour'), refusal('recherche_illisible'));
  assert.throws(() => parseSearchInput(SECRET, '   '), refusal('recherche_vide'));
});
