import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { elide, formatEuros, formatEurosForSpreadsheet, formatNumber, formatPercent, frenchList, NARROW_NBSP, NBSP, ofInstitution, ofName, ordinal, plural, pluralCapitalised } from '../../../src/shared/french.js';
import { frenchDay } from '../../../src/shared/dates.js';

test('euros: decimal comma, narrow no-break space for thousands, no-break space before €', () => {
  assert.equal(formatEuros(200000), `2${NARROW_NBSP}000,00${NBSP}€`);
  assert.equal(formatEuros(5), `0,05${NBSP}€`);
  assert.equal(formatEuros(123456789), `1${NARROW_NBSP}234${NARROW_NBSP}567,89${NBSP}€`);
  assert.equal(formatEuros(-1050), `-10,50${NBSP}€`);
});

test('euros: any amount reads back to its cents (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: -1e11, max: 1e11 }), (cents) => {
      const text = formatEuros(cents).replace(`${NBSP}€`, '').replaceAll(NARROW_NBSP, '').replace(',', '.').replace('−', '-');
      assert.equal(Math.round(Number(text) * 100), cents);
      assert.equal(Math.round(Number(formatEurosForSpreadsheet(cents).replace(',', '.')) * 100), cents);
      assert.doesNotMatch(formatEuros(cents), / /, 'no ordinary space');
    }),
  );
});

test('numbers and percentages', () => {
  assert.equal(formatNumber(12345), `12${NARROW_NBSP}345`);
  assert.equal(formatNumber(3.5, 1), '3,5');
  assert.equal(formatPercent(2500), `25${NARROW_NBSP}%`);
  assert.equal(formatPercent(3333), `33,33${NARROW_NBSP}%`);
});

test('plurals: aucun for zero, singular for one, plural from two', () => {
  assert.equal(plural(0, 'lieu', 'lieux'), 'aucun lieu');
  assert.equal(plural(0, 'demande', 'demandes', { feminine: true }), 'aucune demande');
  assert.equal(pluralCapitalised(0, 'lieu', 'lieux'), 'Aucun lieu');
  assert.equal(plural(1, 'lieu', 'lieux'), `1${NBSP}lieu`);
  assert.equal(plural(2, 'lieu', 'lieux'), `2${NBSP}lieux`);
  assert.equal(plural(1500, 'chèque'), `1${NARROW_NBSP}500${NBSP}chèques`);
});

test('elision and « de » before names with their article', () => {
  assert.equal(elide('de', 'État'), 'd’État');
  assert.equal(elide('de', 'Espace Lumière'), 'd’Espace Lumière');
  assert.equal(elide('le', 'atelier'), 'l’atelier');
  assert.equal(elide('de', 'Nantes'), 'de Nantes');
  assert.equal(elide('de', 'Hauts-de-Seine'), 'de Hauts-de-Seine');
  assert.equal(ofName('Le Rhône'), 'du Rhône');
  assert.equal(ofName('La Loire-Atlantique'), 'de la Loire-Atlantique');
  assert.equal(ofName('Les Hauts-de-Seine'), 'des Hauts-de-Seine');
  assert.equal(ofName('L’Ain'), 'de l’Ain');
  assert.equal(ofName('Ain'), 'd’Ain');
});

test('ordinals and the first of the month', () => {
  assert.equal(ordinal(1), '1er');
  assert.equal(ordinal(1, true), '1re');
  assert.equal(ordinal(3), '3e');
  assert.equal(frenchDay(new Date('2026-12-01T12:00:00Z')), '1er décembre 2026');
  assert.equal(frenchDay(new Date('2026-12-11T12:00:00Z')), '11 décembre 2026');
  assert.equal(frenchList(['a', 'b', 'c']), 'a, b et c');
});

test('« de » before an organisation or a place: the article its first word takes', () => {
  assert.equal(ofInstitution('État — Agence nationale de la cohésion des territoires'), 'de l’État — Agence nationale de la cohésion des territoires');
  assert.equal(ofInstitution('Espace Lumière'), 'de l’Espace Lumière');
  assert.equal(ofInstitution('Centre social Malakoff'), 'du Centre social Malakoff');
  assert.equal(ofInstitution('Médiathèque Jacques Demy'), 'de la Médiathèque Jacques Demy');
  assert.equal(ofInstitution('CAF de Loire-Atlantique'), 'de la CAF de Loire-Atlantique');
  assert.equal(ofInstitution('Hub numérique de l’Ouest'), 'du Hub numérique de l’Ouest', 'aspirated h: no elision');
  assert.equal(ofInstitution('Hôtel de ville'), 'de l’Hôtel de ville');
  // Names without such a noun are proper names: as ofName.
  assert.equal(ofInstitution('Nantes'), 'de Nantes');
  assert.equal(ofInstitution('Orvault'), 'd’Orvault');
  assert.equal(ofInstitution('La Poste'), 'de la Poste');
  assert.equal(ofInstitution('Le Rhône'), 'du Rhône');
  assert.equal(ofInstitution('Emmaüs Connect'), 'd’Emmaüs Connect');
});

test('articles and prepositions before the names of organisations and places', async () => {
  const { withArticle, withPreposition } = await import('../../../src/shared/french.js');
  const { frenchDateTime } = await import('../../../src/shared/dates.js');
  assert.equal(withArticle('Médiathèque Jacques Demy'), 'la Médiathèque Jacques Demy');
  assert.equal(withArticle('Nantes'), 'Nantes');
  assert.equal(withPreposition('à', 'Médiathèque Jacques Demy'), 'à la Médiathèque Jacques Demy');
  assert.equal(withPreposition('à', 'Centre social Malakoff'), 'au Centre social Malakoff');
  assert.equal(withPreposition('à', 'Espace Lumière'), 'à l’Espace Lumière');
  assert.equal(withPreposition('à', 'CAF de Loire-Atlantique'), 'à la CAF de Loire-Atlantique');
  assert.equal(withPreposition('par', 'République française'), 'par la République française');
  assert.equal(withPreposition('de', 'Le Mans'), 'du Mans');
  assert.equal(withPreposition('à', 'Les Herbiers'), 'aux Herbiers');
  assert.equal(withPreposition('de', 'Orvault'), 'd’Orvault');
  assert.equal(withPreposition('de', 'Département de Loire-Atlantique'), 'du Département de Loire-Atlantique');
  assert.equal(frenchDateTime(new Date('2026-12-03T15:28:00Z')), '3 décembre 2026 à 16\u00a0h\u00a028');
  assert.equal(frenchDateTime(new Date('2027-03-01T08:05:00Z')), '1er mars 2027 à 9\u00a0h\u00a005');
});
