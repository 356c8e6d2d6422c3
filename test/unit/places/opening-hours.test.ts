import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { formatHour, openingHoursError, openingState, parisWallClock, weekSchedule } from '../../../src/places/domain/opening-hours.js';

const HOURS = 'Mo-Fr 09:00-12:00,14:00-18:30; Sa 08:30-12:00; PH off';
// Monday 23 November 2026; Paris is UTC+1 in winter, UTC+2 in summer.
const at = (iso: string) => new Date(iso);

test('open now, and when it closes, in plain French', () => {
  assert.deepEqual(openingState(HOURS, at('2026-11-23T09:30:00Z')), { open: true, text: 'Ouvert maintenant, ferme à 12 h' });
  assert.deepEqual(openingState(HOURS, at('2026-11-23T16:00:00Z')), { open: true, text: 'Ouvert maintenant, ferme à 18 h 30' });
});

test('closed now, and when it opens: later today, tomorrow, another day of the week', () => {
  assert.deepEqual(openingState(HOURS, at('2026-11-23T11:30:00Z')), { open: false, text: 'Fermé maintenant, ouvre à 14 h' });
  assert.deepEqual(openingState(HOURS, at('2026-11-23T20:00:00Z')), { open: false, text: 'Fermé maintenant, ouvre demain à 9 h' });
  assert.deepEqual(openingState(HOURS, at('2026-11-28T12:00:00Z')), { open: false, text: 'Fermé maintenant, ouvre lundi à 9 h' });
});

test('French public holidays close the place when the hours say PH off', () => {
  // Friday 25 December 2026, 10 h in Paris.
  assert.equal(openingState(HOURS, at('2026-12-25T09:00:00Z'))?.open, false);
  assert.equal(openingState(HOURS, at('2026-12-24T09:00:00Z'))?.open, true);
});

test('Paris time is used whatever the server time zone, summer time included', () => {
  // 07:30 UTC is 09:30 in Paris in June (UTC+2): open; 06:30 UTC is 08:30: closed.
  assert.equal(openingState(HOURS, at('2026-06-15T07:30:00Z'))?.open, true);
  assert.equal(openingState(HOURS, at('2026-06-15T06:30:00Z'))?.open, false);
  assert.equal(parisWallClock(at('2026-06-15T07:30:00Z')).getHours(), 9);
});

test('the week from Monday to Sunday, today marked', () => {
  const week = weekSchedule(HOURS, at('2026-11-25T10:00:00Z'))!;
  assert.deepEqual(week.map((d) => d.day), ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche']);
  assert.equal(week[0]!.text, '9 h – 12 h, 14 h – 18 h 30');
  assert.equal(week[5]!.text, '8 h 30 – 12 h');
  assert.equal(week[6]!.text, 'fermé');
  assert.deepEqual(week.filter((d) => d.today).map((d) => d.day), ['Mercredi']);
});

test('invalid hours are reported in French; no hours means no state', () => {
  assert.equal(openingHoursError(HOURS), null);
  assert.match(openingHoursError('de 9 à 5') ?? '', /syntaxe OpenStreetMap/);
  assert.equal(openingState(null, new Date()), null);
  assert.equal(openingState('24/7', new Date())?.text, 'Ouvert en permanence');
});

test('property: hours are written "H h" or "H h MM"', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }), (h, m) => {
      const text = formatHour(new Date(2026, 0, 5, h, m));
      if (h === 0 && m === 0) assert.equal(text, 'minuit');
      else assert.equal(text, m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')}`);
    }),
  );
});
