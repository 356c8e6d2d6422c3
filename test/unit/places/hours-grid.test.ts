import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import OpeningHours from 'opening_hours';
import { emptyGrid, gridToOsm, osmToGrid, parseTime, readTypedGrid, typedFromGrid, type HoursGrid, type TimeRange } from '../../../src/places/domain/hours-grid.js';
import { openingHoursError } from '../../../src/places/domain/opening-hours.js';

const clock = (m: number) => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;

/** A day of the grid: closed, one range, or two ranges in order that neither overlap nor touch. */
const dayArb: fc.Arbitrary<TimeRange[]> = fc.oneof(
  fc.constant<TimeRange[]>([]),
  fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { minLength: 2, maxLength: 2 }).map((points) => {
    const [a, b] = points.sort((x, y) => x - y) as [number, number];
    return [{ from: clock(a), to: clock(b) }];
  }),
  fc.uniqueArray(fc.integer({ min: 0, max: 1440 }), { minLength: 4, maxLength: 4 }).map((points) => {
    const [a, b, c, d] = points.sort((x, y) => x - y) as [number, number, number, number];
    return [{ from: clock(a), to: clock(b) }, { from: clock(c), to: clock(d) }];
  }),
);
const gridArb: fc.Arbitrary<HoursGrid> = fc
  .record({ days: fc.array(dayArb, { minLength: 7, maxLength: 7 }), publicHolidaysClosed: fc.boolean() })
  .map(({ days, publicHolidaysClosed }) => ({ days: [...days], publicHolidaysClosed }));
/** What the grid means once written: "closed on public holidays" says nothing of a week closed every day. */
const normalised = (grid: HoursGrid): HoursGrid => ({ ...grid, publicHolidaysClosed: grid.publicHolidaysClosed && grid.days.some((d) => d.length > 0) });

const FRANCE = { lat: 46.6, lon: 2.4, address: { country_code: 'fr', state: '' } };
const minutesOf = (date: Date, dayStart: Date) => Math.round((date.getTime() - dayStart.getTime()) / 60_000);

test('grid → OSM → grid gives the same grid, and the opening_hours library accepts every value written', () => {
  fc.assert(
    fc.property(gridArb, (grid) => {
      const value = gridToOsm(grid);
      if (grid.days.some((d) => d.length > 0)) assert.equal(openingHoursError(value), null, value);
      else assert.equal(value, '');
      assert.deepEqual(osmToGrid(value), normalised(grid), value);
    }),
    { numRuns: 400 },
  );
});

test('the library reads each written value as the grid says, day by day (a week without public holidays)', () => {
  fc.assert(
    fc.property(gridArb.filter((g) => g.days.some((d) => d.length > 0)), (grid) => {
      const value = gridToOsm(grid);
      const oh = new OpeningHours(value, FRANCE, { mode: 0, tag_key: 'opening_hours', map_value: false, warnings_severity: 4, locale: 'fr' });
      grid.days.forEach((ranges, index) => {
        // Monday 16 November 2026 + index: no French public holiday that week.
        const start = new Date(2026, 10, 16 + index);
        const intervals = oh.getOpenIntervals(start, new Date(2026, 10, 17 + index)).map(([from, to]) => ({ from: clock(minutesOf(from, start)), to: clock(minutesOf(to, start)) }));
        assert.deepEqual(intervals, ranges, `${value}, jour ${index}`);
      });
    }),
    { numRuns: 150 },
  );
});

test('what a person types in the grid reads back from the form unchanged', () => {
  fc.assert(
    fc.property(gridArb, (grid) => {
      const { grid: read, errors } = readTypedGrid(typedFromGrid(grid));
      assert.deepEqual(errors, []);
      assert.deepEqual(read, grid);
    }),
  );
});

test('closed on public holidays: "PH off" last, and the library closes a holiday', () => {
  const grid: HoursGrid = { days: [[{ from: '09:00', to: '12:00' }, { from: '14:00', to: '17:00' }], ...Array(4).fill([{ from: '09:00', to: '12:00' }, { from: '14:00', to: '17:00' }]), [{ from: '09:00', to: '12:00' }], []], publicHolidaysClosed: true };
  const value = gridToOsm(grid);
  assert.equal(value, 'Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00; PH off');
  const oh = new OpeningHours(value, FRANCE, { mode: 0, tag_key: 'opening_hours', map_value: false, warnings_severity: 4, locale: 'fr' });
  assert.equal(oh.getState(new Date(2026, 11, 25, 10, 0)), false, 'Noël, un vendredi');
  assert.equal(oh.getState(new Date(2026, 11, 24, 10, 0)), true);
});

test('days with the same hours share a rule: runs of three days with a dash, the others listed', () => {
  const ten = [{ from: '10:00', to: '12:00' }];
  assert.equal(gridToOsm({ days: [ten, ten, [], ten, ten, ten, []], publicHolidaysClosed: false }), 'Mo,Tu,Th-Sa 10:00-12:00');
  assert.equal(gridToOsm({ days: [ten, [], [], [], [], [], [{ from: '09:00', to: '24:00' }]], publicHolidaysClosed: false }), 'Mo 10:00-12:00; Su 09:00-24:00');
  assert.equal(gridToOsm(emptyGrid()), '');
  assert.equal(gridToOsm({ ...emptyGrid(), publicHolidaysClosed: true }), '', 'PH off seul ne publie rien');
});

test('simple values people and imports write are read into the grid; later rules replace earlier ones on their days', () => {
  assert.deepEqual(osmToGrid('Mo-Fr 09:00-17:00; We off; PH off')?.days.map((d) => d.length), [1, 1, 0, 1, 1, 0, 0]);
  assert.equal(osmToGrid('Mo-Fr 09:00-17:00; We off; PH off')?.publicHolidaysClosed, true);
  assert.deepEqual(osmToGrid('Sa-Mo 10:00-12:00')?.days.map((d) => d.length), [1, 0, 0, 0, 0, 1, 1], 'une plage de jours qui passe le dimanche');
  assert.deepEqual(osmToGrid('Tu 14:00-17:00,9:00-12:00')?.days[1], [{ from: '09:00', to: '12:00' }, { from: '14:00', to: '17:00' }]);
  assert.deepEqual(osmToGrid('24/7')?.days[3], [{ from: '00:00', to: '24:00' }]);
  assert.deepEqual(osmToGrid(''), emptyGrid());
  assert.deepEqual(osmToGrid(null), emptyGrid());
});

test('values the grid cannot show exactly stay for the expert field (null)', () => {
  for (const value of [
    'Mo-Fr 08:00-10:00,11:00-13:00,14:00-16:00', // three ranges
    'Jan-Mar Mo-Fr 09:00-12:00', // months
    'Mo-Fr 09:00-12:00 "sur rendez-vous"', // comment
    'Fr 20:00-02:00', // past midnight
    'PH off; Mo-Fr 09:00-12:00', // the weekday rule would open on a holiday
    'Mo-Fr 09:00-12:00, Sa 10:00-12:00', // additional rule
    'Mo-Fr sunrise-sunset',
    'off',
    'Mo-Fr 09:00-12:00,12:00-14:00', // ranges that touch
    'de 9 à 5', // not OSM at all
  ]) {
    assert.equal(osmToGrid(value), null, value);
  }
});

test('times as people type them', () => {
  assert.equal(parseTime('9', false), '09:00');
  assert.equal(parseTime('9h', false), '09:00');
  assert.equal(parseTime('9 h 30', false), '09:30');
  assert.equal(parseTime('14:05', false), '14:05');
  assert.equal(parseTime('9.30', false), '09:30');
  assert.equal(parseTime('minuit', true), '24:00');
  assert.equal(parseTime('0:00', true), '24:00', 'minuit en fin de journée');
  assert.equal(parseTime('24:00', false), null, 'minuit n’ouvre pas une plage');
  for (const bad of ['25:00', '9:60', 'midi', '9:5', '']) assert.equal(parseTime(bad, false), null, bad);
});

test('typing errors are named day by day, in French; a day ticked closed must have no time', () => {
  const typed = typedFromGrid(emptyGrid());
  assert.ok(typed.days.every((d) => !d.closed), 'une grille vide ne coche rien : elle est à remplir');
  typed.days[0]!.ranges = [{ from: '14:00', to: '12:00' }, { from: '', to: '' }];
  typed.days[1]!.ranges = [{ from: '9:00', to: '' }, { from: '', to: '' }];
  typed.days[2]!.ranges = [{ from: '9:00', to: '13:00' }, { from: '12:00', to: '17:00' }];
  typed.days[3]!.ranges = [{ from: '9:00', to: 'midi' }, { from: '', to: '' }];
  typed.days[4] = { closed: true, ranges: [{ from: '9:00', to: '8:00' }, { from: '', to: '' }] };
  typed.days[5] = { closed: true, ranges: [{ from: '', to: '' }, { from: '', to: '' }] };
  const { grid, errors } = readTypedGrid(typed);
  assert.deepEqual(errors, [
    { day: 0, reason: 'lundi, 1re plage : la fermeture (12 h) doit venir après l’ouverture (14 h)' },
    { day: 1, reason: 'mardi, 1re plage : indiquez l’heure d’ouverture et l’heure de fermeture' },
    { day: 2, reason: 'mercredi : les deux plages se chevauchent ou se touchent (une seule plage suffit alors)' },
    { day: 3, reason: 'jeudi, 1re plage : « midi » n’est pas une heure (par exemple 9:00 ou 14 h 30)' },
    { day: 4, reason: 'vendredi : décochez « fermé » ou effacez les heures' },
  ]);
  assert.deepEqual(grid.days[5], [], 'fermé coché, sans heure');
  assert.ok(typedFromGrid({ ...emptyGrid(), days: [[{ from: '09:00', to: '12:00' }], [], [], [], [], [], []] }).days.slice(1).every((d) => d.closed), 'les jours fermés d’une fiche sont cochés');
});
