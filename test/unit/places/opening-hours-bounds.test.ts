import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { MAX_OPENING_HOURS_LENGTH, MAX_OPENING_HOURS_TIMES, openingHoursError, openingState, weekSchedule } from '../../../src/places/domain/opening-hours.js';

const hhmm = (m: number) => `${String(Math.floor(m / 60) % 24).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
const ranges = (n: number) => `Mo-Su ${Array.from({ length: n }, (_, i) => `${hhmm(i * 20)}-${hhmm(i * 20 + 10)}`).join(',')}`;

test('a value beyond the bounds is refused with its reason, and never evaluated', () => {
  assert.equal(openingHoursError(ranges(MAX_OPENING_HOURS_TIMES / 2)), null);
  assert.match(openingHoursError(ranges(MAX_OPENING_HOURS_TIMES / 2 + 1))!, /horaires trop détaillés : 48 heures au plus/);
  const long = `Mo-Fr 09:00-12:00 "${'x'.repeat(MAX_OPENING_HOURS_LENGTH)}"`;
  assert.match(openingHoursError(long)!, /horaires trop longs : 1000 caractères au plus/);
  const now = new Date('2026-11-23T09:30:00Z');
  for (const value of [ranges(1200), long]) {
    const started = performance.now();
    assert.equal(openingState(value, now), null);
    assert.equal(weekSchedule(value, now), null);
    assert.ok(performance.now() - started < 50, 'rien n’est calculé');
  }
  // Every real shape stays within them: each day with two ranges, then « PH off ».
  const everyDay = `${['Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa', 'Su'].map((d) => `${d} 09:00-12:00,14:00-18:00`).join('; ')}; PH off`;
  assert.equal(openingHoursError(everyDay), null);
});

test('what is remembered for a minute is what would be computed, at every second of that minute', () => {
  const value = 'Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off';
  // The same hours spelt otherwise: another key, so computed afresh at the exact instant.
  const sameHours = 'Mo-Fr 09:00-12:00,14:00-18:30;Sa 08:30-12:00;PH off';
  assert.equal(openingHoursError(sameHours), null);
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2027, 0, 1) }), (ms) => {
      const minute = Math.floor(ms / 60_000) * 60_000;
      const first = openingState(value, new Date(minute));
      const later = openingState(value, new Date(ms));
      assert.deepEqual(later, first);
      assert.deepEqual(openingState(sameHours, new Date(ms)), first);
      assert.deepEqual(weekSchedule(sameHours, new Date(ms)), weekSchedule(value, new Date(minute)));
      // Copies: a caller changing the answer changes nothing for the next one.
      later!.text = 'changé';
      assert.notEqual(openingState(value, new Date(ms))!.text, 'changé');
      const week = weekSchedule(value, new Date(ms))!;
      week[0]!.text = 'changé';
      assert.notEqual(weekSchedule(value, new Date(ms))![0]!.text, 'changé');
    }),
    { numRuns: 200 },
  );
});
