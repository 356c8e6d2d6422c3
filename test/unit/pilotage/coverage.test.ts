import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  aggregateGapScore, classBounds, contrastRatio, gap, gapClass, IFN_CLASSES, ifnClass, ifnWeight, legend, luminance, OUTLINE, PALETTE,
  peopleToReach, per10000, RATE_15_64, RATE_65_PLUS, ILLECTRONISM_RATES, AGE_STRUCTURE_2021, CHILDREN_SHARE,
} from '../../../src/pilotage/domain/coverage.js';

const score = fc.double({ min: 0, max: 10, noNaN: true });
const people = fc.double({ min: 0, max: 3_000_000, noNaN: true });
const km = fc.option(fc.double({ min: 0, max: 500, noNaN: true }), { nil: null });
const places = fc.integer({ min: 0, max: 500 });
const ifn = fc.option(score, { nil: null });

describe('the one IFN binning', () => {
  test('class = min(7, ⌊s·7/10⌋ + 1): 0 is class 1, 10 is class 7, missing is 0', () => {
    assert.deepEqual([0, 1.42, 1.43, 2.85, 2.86, 5, 8.57, 9.99, 10].map(ifnClass), [1, 1, 2, 2, 3, 4, 6, 7, 7]);
    assert.equal(ifnClass(null), 0);
    assert.equal(ifnClass(Number.NaN), 0);
    // Exactly on a bound (k·10/7), the upper class: left-closed intervals.
    for (let k = 1; k < IFN_CLASSES; k += 1) assert.equal(ifnClass(classBounds(k + 1).from), k + 1, `bound of class ${k + 1}`);
  });

  test('classes are ordered, each score falls within its class bounds, and the gap score uses the same bins on 0–100', () => {
    fc.assert(fc.property(score, score, (a, b) => {
      if (a <= b) assert.ok(ifnClass(a) <= ifnClass(b));
      const { from, to } = classBounds(ifnClass(a));
      assert.ok(a >= from - 1e-9 && (a < to + 1e-9));
      assert.equal(gapClass(a * 10), ifnClass(a));
    }));
  });

  test('palette: lightness strictly decreases from class 1 to 7; legend text contrasts at least 4.5:1; outlines 3:1 on white', () => {
    for (let k = 2; k <= IFN_CLASSES; k += 1) assert.ok(luminance(PALETTE[k]!.fill) < luminance(PALETTE[k - 1]!.fill), `class ${k}`);
    for (const colour of PALETTE) assert.ok(contrastRatio(colour.fill, colour.text) >= 4.5, `${colour.fill} / ${colour.text}: ${contrastRatio(colour.fill, colour.text)}`);
    assert.ok(contrastRatio(OUTLINE, '#ffffff') >= 3);
    assert.equal(contrastRatio('#000000', '#ffffff').toFixed(0), '21');
  });

  test('the legend names the seven classes and the missing one, in French', () => {
    const entries = legend();
    assert.equal(entries.length, 8);
    assert.equal(entries[0]!.label, 'classe 1 : de 0,00 à moins de 1,43');
    assert.equal(entries[6]!.label, 'classe 7 : de 8,57 à 10');
    assert.equal(entries[7]!.label, 'sans donnée');
    assert.equal(legend(100)[3]!.label, 'classe 4 : de 42,9 à moins de 57,1');
  });
});

describe('people to reach (estimate)', () => {
  test('the derived rates reproduce the national 15,4 % with the national age structure', () => {
    const s = AGE_STRUCTURE_2021;
    const over15 = s['15-24'] + s['25-39'] + s['40-59'] + s['60-64'] + s['65-74'] + s['75+'];
    const working = s['15-24'] + s['25-39'] + s['40-59'] + s['60-64'];
    const national = (working * RATE_15_64 + (s['65-74'] + s['75+']) * RATE_65_PLUS) / over15;
    assert.ok(Math.abs(national - ILLECTRONISM_RATES.overall) < 0.002, `${national}`);
    assert.ok(Math.abs(RATE_15_64 - 0.064) < 0.001 && Math.abs(RATE_65_PLUS - 0.418) < 0.001);
    // France: 68 M inhabitants, 41 M aged 15–64 → about 8,4 M people, the national order of magnitude.
    const france = peopleToReach(68_000_000, 40_900_000);
    assert.ok(france > 8_000_000 && france < 9_000_000, `${france}`);
  });

  test('never negative, never more than the population, grows with the population, falls back without the 15–64', () => {
    fc.assert(fc.property(people, fc.option(people, { nil: null }), fc.double({ min: 0, max: 1000, noNaN: true }), (p, w, more) => {
      const n = peopleToReach(p, w);
      assert.ok(n >= 0 && n <= p + 1e-6);
      assert.ok(peopleToReach(p + more, w) >= n - 1e-6);
    }));
    assert.ok(Math.abs(peopleToReach(1000, null) - 1000 * (1 - CHILDREN_SHARE) * 0.154) < 1e-9);
  });
});

describe('the gap score', () => {
  const input = fc.record({ need: people, ifn, labelledPlaces: places, nearestLabelledKm: km });

  test('bounded: the offer in [0, 1], the score in [0, 100], the unmet need within the weighted need', () => {
    fc.assert(fc.property(input, (i) => {
      const g = gap(i);
      assert.ok(g.offer >= 0 && g.offer <= 1);
      assert.ok(g.score >= 0 && g.score <= 100);
      assert.ok(g.unmetNeed >= 0 && g.unmetNeed <= g.weightedNeed + 1e-6);
      assert.ok(Math.abs(g.score - aggregateGapScore(g.unmetNeed, i.need)) < 1e-6 || i.need === 0);
    }));
  });

  test('more labelled places never raise the gap', () => {
    fc.assert(fc.property(input, fc.integer({ min: 1, max: 50 }), (i, more) => {
      assert.ok(gap({ ...i, labelledPlaces: i.labelledPlaces + more }).score <= gap(i).score + 1e-9);
    }));
  });

  test('a nearer labelled place never raises the gap; having one never does either', () => {
    fc.assert(fc.property(input, fc.double({ min: 0, max: 1, noNaN: true }), (i, factor) => {
      const base = gap(i).score;
      if (i.nearestLabelledKm !== null) assert.ok(gap({ ...i, nearestLabelledKm: i.nearestLabelledKm * factor }).score <= base + 1e-9);
      else assert.ok(gap({ ...i, nearestLabelledKm: 5 }).score <= base + 1e-9);
    }));
  });

  test('a higher IFN or a larger need never lowers the gap', () => {
    fc.assert(fc.property(input, score, score, people, (i, a, b, more) => {
      const [low, high] = a <= b ? [a, b] : [b, a];
      assert.ok(gap({ ...i, ifn: high }).score >= gap({ ...i, ifn: low }).score - 1e-9);
      assert.ok(gap({ ...i, need: i.need + more }).score >= gap(i).score - 1e-9);
    }));
  });

  test('examples: no place within reach is the whole weighted need; a place at the centre of a small commune covers it', () => {
    assert.deepEqual(gap({ need: 100, ifn: 10, labelledPlaces: 0, nearestLabelledKm: null }), { weightedNeed: 150, offer: 0, unmetNeed: 150, score: 100 });
    assert.equal(gap({ need: 100, ifn: 5, labelledPlaces: 0, nearestLabelledKm: 25 }).score, (100 * 1) / 1.5);
    assert.equal(gap({ need: 100, ifn: 5, labelledPlaces: 1, nearestLabelledKm: 0 }).score, 0);
    // A city of 20 000 weighted people with one place: 2 000 covered, 90 % of the need left.
    const city = gap({ need: 20_000, ifn: 5, labelledPlaces: 1, nearestLabelledKm: 0 });
    assert.ok(Math.abs(city.offer - 0.1) < 1e-12 && Math.abs(city.unmetNeed - 18_000) < 1e-6);
    assert.equal(ifnWeight(null), 1, 'an unknown IFN weighs as a score of 5');
    assert.equal(per10000(3, 20_000), 1.5);
    assert.equal(per10000(3, 0), null);
  });
});
