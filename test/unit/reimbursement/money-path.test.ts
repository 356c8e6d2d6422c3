import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { displayIban, validateBankDetails } from '../../../src/reimbursement/domain/bank.js';
import { isSepaText, SepaTextError, sepaAmount, toSepaText } from '../../../src/reimbursement/domain/sepa-text.js';
import { frenchCsv } from '../../../src/shared/csv.js';

test('IBAN: checked by mod 97 and national format; BIC: format and country', () => {
  assert.deepEqual(validateBankDetails('FR76 3000 6000 0112 3456 7890 189', 'agrifrpp'), { ok: true, iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
  assert.equal(validateBankDetails('FR7630006000011234567890189', 'AGRIFRPP882').ok, true);
  const typo = validateBankDetails('FR7630006000011234567890198', 'AGRIFRPP');
  assert.deepEqual(typo.ok ? null : typo.field, 'iban');
  const foreignBic = validateBankDetails('FR7630006000011234567890189', 'DEUTDEFF');
  assert.deepEqual(foreignBic.ok ? null : [foreignBic.field, /DE/.test(foreignBic.reason)], ['bic', true]);
  const shortBic = validateBankDetails('FR7630006000011234567890189', 'AGRIFR');
  assert.equal(shortBic.ok ? null : shortBic.field, 'bic');
  assert.equal(validateBankDetails('DE89370400440532013000', 'COBADEFFXXX').ok, true);
});

test('property: a single changed digit of a valid IBAN is always caught', () => {
  const iban = 'FR7630006000011234567890189';
  fc.assert(
    fc.property(fc.integer({ min: 4, max: iban.length - 1 }), fc.integer({ min: 1, max: 9 }), (position, delta) => {
      const digit = Number(iban[position]);
      const changed = iban.slice(0, position) + String((digit + delta) % 10) + iban.slice(position + 1);
      assert.equal(validateBankDetails(changed, 'AGRIFRPP').ok, false);
    }),
  );
});

test('an IBAN is shown grouped by four, or masked but for its ends', () => {
  assert.equal(displayIban('FR7630006000011234567890189'), 'FR76 3000 6000 0112 3456 7890 189');
  assert.equal(displayIban('FR7630006000011234567890189', true), 'FR76 •••• •••• •••• •••• •••0 189');
});

test('SEPA texts: accents reduced, ligatures spelt out, typographic signs made plain; other scripts refused', () => {
  assert.equal(toSepaText('Médiathèque Œuvre & Cœur « Zoé »', 70), 'Mediatheque OEuvre + Coeur Zoe');
  assert.equal(toSepaText('Centre socio-culturel l’Îlot', 70), "Centre socio-culturel l'Ilot");
  assert.equal(toSepaText('Association des amis de la médiathèque municipale de Saint-Herblain-sur-Loire Ouest', 70).length, 70);
  assert.throws(() => toSepaText('Maison 家', 70), SepaTextError);
  assert.throws(() => toSepaText('Lieu 🙂', 70), (error: unknown) => error instanceof SepaTextError && error.characters.includes('🙂'));
});

test('property: whatever French text goes in, the result is SEPA Latin and within the limit', () => {
  const french = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÛÇœŒæ’«»&-_.,:;!?()/+\''.split('')), maxLength: 200 });
  fc.assert(
    fc.property(french, fc.integer({ min: 1, max: 140 }), (text, max) => {
      const reduced = toSepaText(text, max);
      assert.ok(isSepaText(reduced), reduced);
      assert.ok(reduced.length <= max);
    }),
  );
});

test('property: amounts are written with exactly two decimals and read back to the cent', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 99_999_999_999 }), (cents) => {
      const text = sepaAmount(cents);
      assert.match(text, /^\d+\.\d{2}$/);
      assert.equal(Math.round(Number(text) * 100), cents);
    }),
  );
  assert.throws(() => sepaAmount(12.5));
  assert.throws(() => sepaAmount(-1));
});

test('CSV for French spreadsheets: BOM, semicolons, quotes only where needed', () => {
  const csv = frenchCsv(['a', 'b'], [['x;y', 'dit "oui"'], [1, '2,50']]);
  assert.equal(csv, '\uFEFFa;b\r\n"x;y";"dit ""oui"""\r\n1;2,50\r\n');
});
