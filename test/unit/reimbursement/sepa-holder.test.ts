import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { holderNameForBank, isSepaText } from '../../../src/reimbursement/domain/sepa-text.js';
import { painXml, type SepaBatch } from '../../../src/reimbursement/use-cases/sepa.js';

const batch = (creditorName: string): SepaBatch => ({
  runId: 1, messageId: 'NI-RUN-000001-20260101', createdAt: new Date('2026-01-01T10:00:00Z'), executionDate: '2026-01-02',
  debtor: { name: 'Opérateur du pass', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' }, initiatingParty: 'Opérateur du pass',
  transfers: [{ statementId: 1, amountCents: 1000, creditorName, iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPNTE' }],
});
/** The creditor's name as the XML file carries it, entities decoded. */
const creditorInXml = (xml: string) => {
  const match = /<Cdtr>\s*<Nm>([^<]*)<\/Nm>/.exec(xml);
  assert.ok(match, xml);
  return match[1]!.replace(/&apos;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
};

test('holder name: accents, ligatures and typographic signs reduced; what is sent is said', () => {
  assert.deepEqual(holderNameForBank('Médiathèque Œuvre et Cœur'), { ok: true, sent: 'Mediatheque OEuvre et Coeur' });
  assert.deepEqual(holderNameForBank('Association Lieu A — Médiation'), { ok: true, sent: 'Association Lieu A - Mediation' });
  assert.deepEqual(holderNameForBank('  Centre socio-culturel   l’Îlot '), { ok: true, sent: "Centre socio-culturel l'Ilot" });
});

test('holder name: a character the bank would receive changed or not at all is refused, in French', () => {
  const ampersand = holderNameForBank('Lire & Écrire');
  assert.equal(ampersand.ok, false);
  assert.ok(!ampersand.ok && ampersand.code === 'titulaire_invalide');
  assert.match(!ampersand.ok ? ampersand.reason : '', /« & ».*« et »/);
  for (const name of ['Le « Local »', 'Association "Clic"', 'Lieu_numérique', 'Atelier n° 3', 'Café ; boutique', 'Maison 家', 'Lieu 🙂', 'Fab#lab']) {
    const verdict = holderNameForBank(name);
    assert.equal(verdict.ok, false, name);
    assert.ok(!verdict.ok && verdict.code === 'titulaire_invalide' && /ne peut pas être transmis tel quel/.test(verdict.reason), name);
  }
});

test('holder name: more than 70 characters once reduced is refused, never cut', () => {
  const long = `Association des amis de la médiathèque municipale de Saint-Herblain ${'x'.repeat(7)}`;
  assert.equal(long.length, 75);
  const verdict = holderNameForBank(long);
  assert.ok(!verdict.ok && verdict.code === 'titulaire_trop_long', JSON.stringify(verdict));
  assert.match(!verdict.ok ? verdict.reason : '', /70 caractères.*75/);
  assert.equal(holderNameForBank('é'.repeat(70)).ok, true);
  assert.equal(holderNameForBank('e'.repeat(71)).ok, false);
});

const FAITHFUL = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 éèêëàâäîïôöùûüçÉÈÊÀÂÎÔÛÇœŒæ’‘–—-.,:?()/+\'\u00a0\u202f'.split('');
const LOSSY = '&"«»“”‚_°;!#*=%$€@[]{}<>|~^`\\家🙂'.split('');
const frenchName = fc.string({ unit: fc.constantFrom(...FAITHFUL), maxLength: 90 });
const reference = (text: string) =>
  text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/œ/g, 'oe').replace(/Œ/g, 'OE').replace(/æ/g, 'ae').replace(/[’‘]/g, "'").replace(/[–—]/g, '-').replace(/\s+/g, ' ').trim();

test('property: a name is either refused, or sent exactly as shown and stored: accents only removed, at most 70', () => {
  fc.assert(
    fc.property(frenchName, (text) => {
      const verdict = holderNameForBank(text);
      const expected = reference(text);
      if (!expected) return assert.equal(verdict.ok, false);
      if (expected.length > 70) return assert.ok(!verdict.ok && verdict.code === 'titulaire_trop_long');
      assert.ok(verdict.ok, JSON.stringify(verdict));
      assert.equal(verdict.sent, expected);
      assert.ok(isSepaText(verdict.sent));
      // What is stored is what is shown is what is sent: entered again, it does not change; in the file, it is the same.
      assert.deepEqual(holderNameForBank(verdict.sent), verdict);
      assert.equal(creditorInXml(painXml(batch(verdict.sent))), verdict.sent);
    }),
    { numRuns: 300 },
  );
});

test('property: any name with a character the bank would not receive as such is refused', () => {
  fc.assert(
    fc.property(frenchName, fc.constantFrom(...LOSSY), frenchName, (before, lossy, after) => {
      const verdict = holderNameForBank(`${before}${lossy}${after}`);
      assert.ok(!verdict.ok);
    }),
  );
});

test('the transfer file never alters a creditor name: one it cannot send as is stops the file', () => {
  assert.equal(creditorInXml(painXml(batch("Centre socio-culturel l'Ilot"))), "Centre socio-culturel l'Ilot");
  assert.throws(() => painXml(batch('Lire & Ecrire')));
  assert.throws(() => painXml(batch('Médiathèque')));
  assert.throws(() => painXml(batch('x'.repeat(71))));
});
