import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Breakdown, IndicatorReport, IndicatorValue, PilotageFilter } from '../../../src/pilotage/domain/filters.js';
import { INDICATOR_IDS, INDICATORS, type IndicatorId } from '../../../src/pilotage/domain/indicators.js';
import { K_ANONYMITY, largestRemainder, protectReport, PUBLIC_ROUNDING } from '../../../src/pilotage/domain/privacy.js';

const FILTER: PilotageFilter = { level: 'departement', code: '44', from: '2026-01-01', to: '2026-12-31', funder: null, prescriber: null, place: null, programme: null, breakdown: 'territory' };

/** One row of a synthetic world: people reached, booklets handed (each of `perBooklet` vouchers), allocated vouchers. */
interface Cell { people: number; handedBooklets: number; perBooklet: number; allocated: number; redeemedBooklets: number }

const FACE = 1000;
function valuesOf(cells: Cell[]): Partial<Record<IndicatorId, IndicatorValue>> {
  const sum = (f: (c: Cell) => number) => cells.reduce((a, c) => a + f(c), 0);
  const people = sum((c) => c.people);
  const handed = sum((c) => c.handedBooklets * c.perBooklet);
  const handedBooklets = sum((c) => c.handedBooklets);
  const redeemed = sum((c) => c.redeemedBooklets * 2);
  const redeemedBooklets = sum((c) => c.redeemedBooklets);
  const allocated = sum((c) => c.allocated);
  return {
    people_reached: { value: people, beneficiaries: people },
    vouchers_handed: { value: handed, amountCents: handed * FACE, beneficiaries: handedBooklets },
    vouchers_redeemed: { value: redeemed, amountCents: redeemed * FACE, beneficiaries: redeemedBooklets },
    vouchers_allocated: { value: allocated, amountCents: allocated * FACE },
    handout_rate: { value: allocated === 0 ? null : (100 * handed) / allocated },
    use_rate: { value: handed === 0 ? null : (100 * redeemed) / handed },
    delay_handout_to_first_use: { value: redeemedBooklets === 0 ? null : 12, beneficiaries: redeemedBooklets },
    places: { value: cells.length },
  };
}
const COLUMNS: IndicatorId[] = ['people_reached', 'vouchers_handed', 'vouchers_redeemed', 'vouchers_allocated', 'handout_rate', 'use_rate', 'delay_handout_to_first_use', 'places'];

function fullValues(partial: Partial<Record<IndicatorId, IndicatorValue>>): Record<IndicatorId, IndicatorValue> {
  const out = {} as Record<IndicatorId, IndicatorValue>;
  for (const id of INDICATOR_IDS) out[id] = partial[id] ?? (INDICATORS[id].personal ? { value: 0, beneficiaries: 0 } : { value: 0 });
  return out;
}

function report(cells: Cell[], audience: 'public' | 'shared' = 'shared', by: Breakdown = 'territory'): IndicatorReport {
  return {
    filter: { ...FILTER, breakdown: by },
    dictionaryVersion: '1.0.0',
    territoryLabel: 'Loire-Atlantique (44)',
    updatedAt: '2026-12-04T10:00:00Z',
    values: fullValues(valuesOf(cells)),
    breakdown: { by, indicators: COLUMNS, rows: cells.map((c, i) => ({ key: `44${String(i).padStart(3, '0')}`, label: `Commune ${i}`, drill: { level: 'commune', code: `44${String(i).padStart(3, '0')}` }, values: valuesOf([c]) })) },
    audience,
  };
}

/** Mostly small numbers, so that small cells, zeros and complementary cases are frequent. */
const count = fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 2, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: 400 }) });
const cell: fc.Arbitrary<Cell> = fc.record({ people: count, handedBooklets: count, perBooklet: fc.integer({ min: 1, max: 10 }), allocated: count, redeemedBooklets: count });
const cells = fc.array(cell, { minLength: 1, maxLength: 12 });
const audience = fc.constantFrom<'public' | 'shared'>('public', 'shared');

const TRUE_BENEFICIARIES: Partial<Record<IndicatorId, (c: Cell) => number>> = {
  people_reached: (c) => c.people,
  vouchers_handed: (c) => c.handedBooklets,
  vouchers_redeemed: (c) => c.redeemedBooklets,
  delay_handout_to_first_use: (c) => c.redeemedBooklets,
};
const sumOf = (cs: Cell[], f: (c: Cell) => number) => cs.reduce((a, c) => a + f(c), 0);

describe('largestRemainder', () => {
  test('whole shares sum to exactly the total and each is the floor or the ceiling of its exact share', () => {
    fc.assert(
      fc.property(fc.array(fc.nat({ max: 20_000_000 }), { minLength: 1, maxLength: 40 }), fc.integer({ min: 1, max: 1000 }), (values, total) => {
        const shares = largestRemainder(values, total);
        const sum = values.reduce((a, b) => a + b, 0);
        assert.equal(shares.length, values.length);
        if (sum === 0) return assert.ok(shares.every((s) => s === 0));
        assert.equal(shares.reduce((a, b) => a + b, 0), total);
        // share ∈ {⌊v·t/s⌋, ⌈v·t/s⌉}  ⇔  |share·s − v·t| < s (integers, exact in BigInt).
        values.forEach((v, i) => assert.ok(BigInt(Math.abs(Number(BigInt(shares[i]!) * BigInt(sum) - BigInt(v) * BigInt(total)))) < BigInt(sum), `share ${shares[i]} of ${v}/${sum}`));
      }),
    );
  });

  test('non-integer values (hours) too, and the default total is 100', () => {
    fc.assert(
      // Values as the reports carry them (hours to a tenth at least): the rule compares non-integers at a millionth.
      fc.property(fc.array(fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 20 }), (values) => {
        const shares = largestRemainder(values);
        const sum = values.reduce((a, b) => a + b, 0);
        if (shares.every((s) => s === 0)) return;
        assert.equal(shares.reduce((a, b) => a + b, 0), 100);
        values.forEach((v, i) => assert.ok(Math.abs(shares[i]! - (100 * v) / sum) < 1 + 1e-6));
      }),
    );
  });

  test('ties are broken deterministically: the earlier value gets the unit, equal values differ by at most one', () => {
    assert.deepEqual(largestRemainder([1, 1, 1]), [34, 33, 33]);
    assert.deepEqual(largestRemainder([1, 1, 1, 1, 1, 1]), [17, 17, 17, 17, 16, 16]);
    assert.deepEqual(largestRemainder([0, 0]), [0, 0]);
    assert.deepEqual(largestRemainder([2, 1]), [67, 33]);
    assert.throws(() => largestRemainder([-1, 2]));
  });
});

describe('protectReport', () => {
  test('no published personal cell counts fewer than 5 beneficiaries (zero is published)', () => {
    fc.assert(
      fc.property(cells, audience, (cs, aud) => {
        const out = protectReport(report(cs, aud));
        for (const [id, of] of Object.entries(TRUE_BENEFICIARIES) as [IndicatorId, (c: Cell) => number][]) {
          const total = sumOf(cs, of);
          if (total > 0 && total < K_ANONYMITY) assert.equal(out.values[id].value, null, `${id} total ${total}`);
          cs.forEach((c, i) => {
            const b = of(c);
            const v = out.breakdown!.rows[i]!.values[id]!;
            if (b > 0 && b < K_ANONYMITY) {
              assert.equal(v.value, null, `${id} row ${i}: ${b}`);
              assert.equal(v.suppressed, 'small_cell');
              if ('amountCents' in v) assert.equal(v.amountCents, null);
            }
            if (b === 0 && id !== 'delay_handout_to_first_use') assert.notEqual(v.value, null, 'zero is not a small cell');
          });
        }
      }),
    );
  });

  test('complementary suppression: a withheld cell is never alone in its column when the total is published', () => {
    fc.assert(
      fc.property(cells, audience, (cs, aud) => {
        const out = protectReport(report(cs, aud));
        for (const id of ['people_reached', 'vouchers_handed', 'vouchers_redeemed'] as IndicatorId[]) {
          const rows = out.breakdown!.rows.map((r) => r.values[id]!);
          const withheld = rows.filter((v) => v.value === null);
          if (out.values[id].value !== null) assert.notEqual(withheld.length, 1, `${id}: one withheld cell and a published total`);
          if (aud === 'shared' && out.values[id].value !== null && withheld.length > 0) {
            // The total minus the published cells is the sum of at least two hidden cells, never one of them.
            const exact = valuesOf(cs)[id]!.value!;
            const hiddenSum = exact - rows.reduce((a, v) => a + (v.value ?? 0), 0);
            const primaries = cs.map((c, i) => ({ c, v: rows[i]! })).filter((p) => p.v.suppressed === 'small_cell').map((p) => valuesOf([p.c])[id]!.value!);
            for (const p of primaries) if (primaries.length === 1) assert.ok(hiddenSum > p, `${id}: ${hiddenSum} reveals ${p}`);
            // The complementary cell is the smallest non-zero published one.
            const exactOf = (i: number) => valuesOf([cs[i]!])[id]!.value!;
            const complement = rows.findIndex((v) => v.suppressed === 'complementary');
            if (complement >= 0) rows.forEach((v) => v.value !== null && v.value > 0 && assert.ok(exactOf(complement) <= v.value, `${id}: not the smallest`));
          }
        }
      }),
    );
  });

  test('rates and amounts computed from a withheld cell are withheld', () => {
    fc.assert(
      fc.property(cells, audience, (cs, aud) => {
        const out = protectReport(report(cs, aud));
        for (const values of [out.values, ...out.breakdown!.rows.map((r) => r.values)]) {
          if (values.vouchers_handed!.value === null) {
            assert.equal(values.vouchers_handed!.amountCents, null);
            assert.equal(values.handout_rate!.value, null);
            assert.equal(values.use_rate!.value, null);
          }
          if (values.vouchers_redeemed!.value === null) assert.equal(values.use_rate!.value, null);
        }
      }),
    );
  });

  test('public audience: personal counts rounded to the nearest 5 under 100 and to the nearest 10 above, amounts and rates computed from the rounded counts; the rest exact', () => {
    fc.assert(
      fc.property(cells, (cs) => {
        const shared = protectReport(report(cs, 'shared'));
        const pub = protectReport(report(cs, 'public'));
        const pairs = [[shared.values, pub.values], ...shared.breakdown!.rows.map((r, i) => [r.values, pub.breakdown!.rows[i]!.values])] as [Record<string, IndicatorValue>, Record<string, IndicatorValue>][];
        for (const [exact, rounded] of pairs) {
          for (const id of ['people_reached', 'vouchers_handed', 'vouchers_redeemed'] as IndicatorId[]) {
            const e = exact[id]!.value;
            const r = rounded[id]!.value;
            assert.equal(r === null, e === null, 'the same cells are withheld');
            if (e === null || r === null) continue;
            const step = e < PUBLIC_ROUNDING.below ? PUBLIC_ROUNDING.step : PUBLIC_ROUNDING.aboveStep;
            assert.equal(r % step, 0);
            assert.ok(Math.abs(r - e) <= step / 2);
            assert.equal(rounded[id]!.rounded, true);
            assert.equal(shared.audience, 'shared');
            assert.equal(exact[id]!.rounded, undefined, 'shared outputs are exact');
          }
          const handed = rounded.vouchers_handed!;
          if (handed.value !== null) assert.equal(handed.amountCents, handed.value * FACE);
          // Non-personal counts stay exact.
          assert.equal(rounded.vouchers_allocated!.value, exact.vouchers_allocated!.value);
          assert.equal(rounded.places!.value, exact.places!.value);
          const allocated = rounded.vouchers_allocated!.value!;
          if (handed.value !== null && allocated > 0) assert.ok(Math.abs(rounded.handout_rate!.value! - (100 * handed.value) / allocated) <= 0.05 + 1e-9, 'the rate of the rounded count, to a tenth');
        }
      }),
    );
  });

  test('shares: whole percents of the published cells summing to 100; withheld cells and rates have none', () => {
    fc.assert(
      fc.property(cells, audience, (cs, aud) => {
        const out = protectReport(report(cs, aud));
        for (const id of ['people_reached', 'vouchers_handed', 'vouchers_allocated', 'places'] as IndicatorId[]) {
          const rows = out.breakdown!.rows;
          const published = rows.filter((r) => r.values[id]!.value !== null);
          for (const r of rows) if (r.values[id]!.value === null) assert.equal(r.shares![id], null);
          const sum = published.reduce((a, r) => a + r.values[id]!.value!, 0);
          if (sum > 0) assert.equal(published.reduce((a, r) => a + r.shares![id]!, 0), 100);
          else for (const r of published) assert.equal(r.shares![id], null);
        }
        for (const r of out.breakdown!.rows) assert.equal(r.shares!.handout_rate, null);
      }),
    );
  });

  test('idempotent, and the number of beneficiaries never leaves', () => {
    fc.assert(
      fc.property(cells, audience, (cs, aud) => {
        const input = report(cs, aud);
        const before = JSON.stringify(input);
        const once = protectReport(input);
        assert.equal(JSON.stringify(input), before, 'the input is not modified');
        assert.deepEqual(protectReport(once), once);
        assert.deepEqual(protectReport(JSON.parse(JSON.stringify(once))), once, 'through JSON as well');
        assert.ok(!JSON.stringify(once).includes('beneficiaries'));
      }),
    );
  });

  test('a commune of 3 people and one of 12: the 3 is withheld, the 12 hides it, the total is published', () => {
    const base = { handedBooklets: 0, perBooklet: 10, allocated: 0, redeemedBooklets: 0 };
    const out = protectReport(report([{ ...base, people: 3 }, { ...base, people: 40 }, { ...base, people: 12 }, { ...base, people: 0 }]));
    const people = out.breakdown!.rows.map((r) => r.values.people_reached!);
    assert.deepEqual(people.map((v) => [v.value, v.suppressed]), [[null, 'small_cell'], [40, null], [null, 'complementary'], [0, null]]);
    assert.equal(out.values.people_reached.value, 55);
    assert.deepEqual(out.breakdown!.rows.map((r) => r.shares!.people_reached), [null, 100, null, 0]);
    // Only the 3 and zeros: no other cell to hide, so the total goes.
    const alone = protectReport(report([{ ...base, people: 3 }, { ...base, people: 0 }]));
    assert.equal(alone.values.people_reached.value, null);
    // A territory of 4 people: withheld at the top, and every non-zero part of it.
    const small = protectReport(report([{ ...base, people: 2 }, { ...base, people: 2 }]));
    assert.equal(small.values.people_reached.suppressed, 'small_cell');
  });

  test('an estimate stays flagged, withheld or not; a personal value without its beneficiaries is withheld (fail closed)', () => {
    const r = report([{ people: 7, handedBooklets: 7, perBooklet: 10, allocated: 70, redeemedBooklets: 7 }]);
    r.values.anonymous_participants = { value: 3, beneficiaries: 3 };
    r.values.accompaniments = { value: 30 };
    const out = protectReport(r);
    assert.deepEqual(out.values.anonymous_participants, { value: null, suppressed: 'small_cell', estimate: true });
    assert.equal(out.values.accompaniments.value, null, 'no beneficiaries given: withheld');
    r.values.anonymous_participants = { value: 9, beneficiaries: 9 };
    assert.deepEqual(protectReport(r).values.anonymous_participants, { value: 9, suppressed: null, estimate: true });
  });

  test('the public audience never gets an organisation breakdown nor filter', () => {
    const cs = [{ people: 7, handedBooklets: 7, perBooklet: 10, allocated: 70, redeemedBooklets: 7 }];
    for (const by of ['funder', 'prescriber', 'place', 'programme'] as Breakdown[]) {
      assert.equal(protectReport({ ...report(cs, 'public', by), filter: { ...FILTER, breakdown: null } }).breakdown, null);
      assert.notEqual(protectReport(report(cs, 'shared', by)).breakdown, null);
    }
    assert.throws(() => protectReport({ ...report(cs, 'public'), filter: { ...FILTER, funder: 3 } }), /connectez-vous/);
  });
});
