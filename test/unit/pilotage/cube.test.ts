import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { INDICATOR_IDS, INDICATORS } from '../../../src/pilotage/domain/indicators.js';
import { FACT_SOURCES, STORED_INDICATORS, factsSelectSql, rangeSql, sourceRowsSql } from '../../../src/pilotage/use-cases/cube-sql.js';
import { BENEFICIARY_FLOORS, beneficiaryBound, goalFor, medianFromHistogram, splitPeriod, usesRollup } from '../../../src/pilotage/use-cases/indicators.js';
import { parsePilotageFilter } from '../../../src/pilotage/domain/filters.js';

const addDays = (d: string, n: number) => new Date(Date.parse(`${d}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const dayArb = fc.integer({ min: 0, max: 3000 }).map((n) => addDays('2020-01-01', n));

describe('pilotage cube SQL, built from the dictionary', () => {
  test('one source definition per stored metric: every flow and median of the dictionary, nothing else', () => {
    const main = FACT_SOURCES.filter((s) => !s.metric.includes('@')).map((s) => s.metric);
    assert.deepEqual([...main].sort(), [...STORED_INDICATORS].sort());
    assert.equal(new Set(FACT_SOURCES.map((s) => s.metric)).size, FACT_SOURCES.length);
    for (const id of INDICATOR_IDS) if (INDICATORS[id].kind === 'stock' || INDICATORS[id].kind === 'rate') assert.ok(!main.includes(id), id);
    for (const source of FACT_SOURCES) {
      assert.equal(source.bucket !== undefined, INDICATORS[source.indicator].kind === 'median', `${source.metric}: a median has buckets, a flow none`);
      assert.equal(source.metric.endsWith('@theme'), source.theme !== undefined);
    }
  });

  test('the recompute and the yardstick read the same rows; the attribution comes from the dictionary', () => {
    for (const source of FACT_SOURCES) {
      const rows = sourceRowsSql(source, { kind: 'period', from: '2026-01-01', to: '2026-01-31' });
      assert.ok(factsSelectSql(source, { kind: 'period', from: '2026-01-01', to: '2026-01-31' }).includes(rows));
      const attribution = INDICATORS[source.indicator].attribution;
      const joined = { place: 'at_p', person: 'at_h', prescriber: 'at_o', programme: 'at_pd', organisation: 'at_g', none: '' }[attribution];
      if (joined) assert.ok(rows.includes(joined), `${source.metric} placed by ${attribution}`);
    }
  });

  test('a range of days restricts the dated column so its index serves it, in Paris days', () => {
    assert.equal(rangeSql({ kind: 'all' }, 'v.redeemed_at'), 'true');
    const days = rangeSql({ kind: 'days', days: ['2026-03-29', '2026-03-01'] }, 'v.redeemed_at');
    assert.match(days, /v\.redeemed_at >= '2026-03-01'::date::timestamp at time zone 'Europe\/Paris'/);
    assert.match(days, /v\.redeemed_at < \('2026-03-29'::date \+ 1\)::timestamp at time zone 'Europe\/Paris'/);
    assert.match(days, /\(v\.redeemed_at at time zone 'Europe\/Paris'\)::date = any/);
    assert.equal(rangeSql({ kind: 'period', from: '2026-01-01', to: '2026-01-31' }, 'a.occurred_on', 'date'), `(a.occurred_on >= '2026-01-01'::date and a.occurred_on <= '2026-01-31'::date)`);
    assert.throws(() => rangeSql({ kind: 'days', days: ["2026-01-01'; drop table x; --"] }, 'v.redeemed_at'));
  });
});

describe('pilotage cube arithmetic', () => {
  test('a period splits into whole months and at most two runs of days, covering each day once (property)', () => {
    fc.assert(
      fc.property(dayArb, fc.integer({ min: 0, max: 400 }), (from, length) => {
        const to = addDays(from, length);
        const { months, days } = splitPeriod(from, to);
        assert.ok(days.length <= 2);
        const covered: string[] = [];
        for (const month of months) {
          assert.match(month, /^\d{4}-\d{2}-01$/);
          for (let d = month; d.slice(0, 7) === month.slice(0, 7); d = addDays(d, 1)) covered.push(d);
        }
        for (const range of days) for (let d = range.from; d <= range.to; d = addDays(d, 1)) covered.push(d);
        covered.sort();
        const expected: string[] = [];
        for (let d = from; d <= to; d = addDays(d, 1)) expected.push(d);
        assert.deepEqual(covered, expected);
        // No run of days could have been a whole month.
        for (const range of days) assert.ok(!(range.from.endsWith('-01') && addDays(range.to, 1).endsWith('-01')), JSON.stringify(range));
      }),
      { numRuns: 300 },
    );
    assert.deepEqual(splitPeriod('2026-01-15', '2026-03-10'), { months: ['2026-02-01'], days: [{ from: '2026-01-15', to: '2026-01-31' }, { from: '2026-03-01', to: '2026-03-10' }] });
    assert.deepEqual(splitPeriod('2026-02-01', '2026-02-28'), { months: ['2026-02-01'], days: [] });
    assert.deepEqual(splitPeriod('2026-02-03', '2026-02-05'), { months: [], days: [{ from: '2026-02-03', to: '2026-02-05' }] });
  });

  test('the median read from a histogram is the median of the values it counts (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 400 }), { maxLength: 60 }), (values) => {
        const histogram = new Map<number, number>();
        for (const v of values) histogram.set(v, (histogram.get(v) ?? 0) + 1);
        const sorted = [...values].sort((a, b) => a - b);
        const n = sorted.length;
        const expected = n === 0 ? null : n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
        assert.equal(medianFromHistogram(histogram), expected);
      }),
      { numRuns: 300 },
    );
  });

  test('people behind summed rows are never overstated: exact when they add up, the largest row otherwise', () => {
    assert.deepEqual(beneficiaryBound(true, 3, 7), { value: 7, exact: true });
    assert.deepEqual(beneficiaryBound(false, 3, 7), { value: 3, exact: false });
    assert.deepEqual(beneficiaryBound(false, 4, 4), { value: 4, exact: true });
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (rows) => {
        const distinct = new Set(rows.flat()).size;
        const perRow = rows.map((r) => new Set(r).size);
        const bound = beneficiaryBound(false, Math.max(...perRow), perRow.reduce((a, b) => a + b, 0));
        assert.ok(bound.value <= distinct);
      }),
    );
  });

  test('a subset counted exactly (people first reached, anonymous participants) lifts the lower bound, never above the sum', () => {
    // 167 redemptions spread over many small rows: the largest row says 2 people, the booklets first used there say 40.
    assert.deepEqual(beneficiaryBound(false, 2, 167, 40), { value: 40, exact: false });
    assert.deepEqual(beneficiaryBound(false, 2, 30, 30), { value: 30, exact: true });
    assert.deepEqual(beneficiaryBound(false, 2, 10, 99), { value: 10, exact: true });
    assert.equal(BENEFICIARY_FLOORS.vouchers_redeemed, 'people_reached');
    // Each booklet redeems on several days; those whose first use falls in the period form the floor.
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }), (days) => {
        const seen = new Set<number>();
        let firstUses = 0;
        for (const day of days) for (const booklet of new Set(day)) if (!seen.has(booklet)) { seen.add(booklet); firstUses += 1; }
        const perRow = days.map((r) => new Set(r).size);
        const bound = beneficiaryBound(false, Math.max(...perRow), perRow.reduce((a, b) => a + b, 0), firstUses);
        assert.equal(bound.value, seen.size);
      }),
    );
  });

  test('the national goal over a period and a population share', () => {
    assert.equal(goalFor(365, 100, 100), 1_500_000);
    assert.equal(goalFor(73, 10, 100), 30_000);
    assert.equal(goalFor(10, 5, 0), 0);
  });

  test('the rollups serve département-or-above queries without a row-level organisation', () => {
    const f = (q: Record<string, unknown>) => parsePilotageFilter(q, '2026-12-04');
    assert.equal(usesRollup(f({})), true);
    assert.equal(usesRollup(f({ level: 'departement', code: '44', funder: 3, breakdown: 'month' })), true);
    assert.equal(usesRollup(f({ level: 'commune', code: '44109' })), false);
    assert.equal(usesRollup(f({ prescriber: 4 })), false);
    assert.equal(usesRollup(f({ breakdown: 'place' })), false);
    assert.equal(usesRollup(f({ level: 'departement', code: '44', breakdown: 'territory' })), false);
    assert.equal(usesRollup(f({ level: 'region', code: '52', breakdown: 'territory' })), true);
  });
});
