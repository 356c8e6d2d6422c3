import { openingHoursError } from './opening-hours.js';

/**
 * The week grid of the place form: Monday to Sunday, up to two time ranges a day, and "closed on public holidays".
 * It writes the OSM `opening_hours` value the standard stores (gridToOsm) and reads back the values it can show
 * (osmToGrid: the grid's own output and the simple values people and imports write). Anything else — months,
 * weeks, sunrise, comments, more than two ranges a day, a range past midnight — stays in the expert field as typed.
 */

export const WEEKDAYS = [
  { code: 'Mo', name: 'lundi' },
  { code: 'Tu', name: 'mardi' },
  { code: 'We', name: 'mercredi' },
  { code: 'Th', name: 'jeudi' },
  { code: 'Fr', name: 'vendredi' },
  { code: 'Sa', name: 'samedi' },
  { code: 'Su', name: 'dimanche' },
] as const;

export const MAX_RANGES_PER_DAY = 2;

/** "HH:MM"; an end may be "24:00" (midnight at the end of the day). */
export interface TimeRange {
  from: string;
  to: string;
}

/** days[0] is Monday; a day without ranges is closed. */
export interface HoursGrid {
  days: TimeRange[][];
  publicHolidaysClosed: boolean;
}

/** The grid as a person filled it in, every time as typed (the form shows it back unchanged after an error). */
export interface TypedGrid {
  days: { closed: boolean; ranges: TimeRange[] }[];
  publicHolidaysClosed: boolean;
}

export interface GridError {
  /** 0 = Monday; null for the whole grid. */
  day: number | null;
  reason: string;
}

export const emptyGrid = (): HoursGrid => ({ days: WEEKDAYS.map(() => []), publicHolidaysClosed: false });

const minutes = (time: string) => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** "9 h", "14 h 30", "minuit", as the place sheet writes hours. */
export function frenchTime(time: string): string {
  const h = Number(time.slice(0, 2));
  const m = time.slice(3, 5);
  if (h === 0 && m === '00') return 'minuit';
  if (h === 24) return 'minuit';
  return m === '00' ? `${h} h` : `${h} h ${m}`;
}

/**
 * A time as people type it: "9", "9h", "9 h 30", "09:30", "9.30". "24:00", "0:00" or "minuit" as an end mean
 * midnight at the end of the day. null when it is not a time.
 */
export function parseTime(text: string, end: boolean): string | null {
  const value = text.trim().toLowerCase();
  if (end && value === 'minuit') return '24:00';
  const match = /^(\d{1,2})\s*(?:[:h.]\s*(\d{2})?)?$/.exec(value);
  if (!match) return null;
  const h = Number(match[1]);
  const m = match[2] === undefined ? 0 : Number(match[2]);
  if (m > 59 || h > 24 || (h === 24 && m !== 0)) return null;
  if (end && h === 0 && m === 0) return '24:00';
  if (!end && h === 24) return null;
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`;
}

const ordinal = (index: number) => (index === 0 ? '1re' : `${index + 1}e`);

/**
 * Reads the grid as typed: a day without any time is closed; a day ticked closed must have no time (ticked with
 * times, the person meant one or the other: asked rather than guessed); a range needs both times, the end after the
 * start, and the second range after the first.
 */
export function readTypedGrid(typed: TypedGrid): { grid: HoursGrid; errors: GridError[] } {
  const errors: GridError[] = [];
  const days = WEEKDAYS.map((weekday, day) => {
    const input = typed.days[day];
    if (!input) return [];
    if (input.closed) {
      if (input.ranges.some((r) => r.from.trim() || r.to.trim())) errors.push({ day, reason: `${weekday.name} : décochez « fermé » ou effacez les heures` });
      return [];
    }
    const ranges: TimeRange[] = [];
    input.ranges.slice(0, MAX_RANGES_PER_DAY).forEach((range, index) => {
      const fromText = range.from.trim();
      const toText = range.to.trim();
      if (!fromText && !toText) return;
      const where = `${weekday.name}, ${ordinal(index)} plage`;
      if (!fromText || !toText) {
        errors.push({ day, reason: `${where} : indiquez l’heure d’ouverture et l’heure de fermeture` });
        return;
      }
      const from = parseTime(fromText, false);
      const to = parseTime(toText, true);
      if (!from || !to) {
        errors.push({ day, reason: `${where} : « ${from ? toText : fromText} » n’est pas une heure (par exemple 9:00 ou 14 h 30)` });
        return;
      }
      if (minutes(to) <= minutes(from)) {
        errors.push({ day, reason: `${where} : la fermeture (${frenchTime(to)}) doit venir après l’ouverture (${frenchTime(from)})` });
        return;
      }
      ranges.push({ from, to });
    });
    ranges.sort((a, b) => minutes(a.from) - minutes(b.from));
    if (ranges.length === 2 && minutes(ranges[1]!.from) <= minutes(ranges[0]!.to)) {
      errors.push({ day, reason: `${weekday.name} : les deux plages se chevauchent ou se touchent (une seule plage suffit alors)` });
    }
    return ranges;
  });
  return { grid: { days, publicHolidaysClosed: typed.publicHolidaysClosed }, errors };
}

/** The grid as the form shows it: closed days ticked, unless no day is open (a blank grid to fill in). */
export function typedFromGrid(grid: HoursGrid): TypedGrid {
  const anyOpen = grid.days.some((ranges) => ranges.length > 0);
  return {
    days: grid.days.map((ranges) => ({
      closed: anyOpen && ranges.length === 0,
      ranges: Array.from({ length: MAX_RANGES_PER_DAY }, (_, i) => ranges[i] ?? { from: '', to: '' }),
    })),
    publicHolidaysClosed: grid.publicHolidaysClosed,
  };
}

/** "Mo-We,Fr": runs of three days or more with a dash, the others listed. */
function daySelector(days: number[]): string {
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i <= days.length; i++) {
    if (i < days.length && days[i] === days[i - 1]! + 1) continue;
    const run = days.slice(start, i);
    parts.push(run.length >= 3 ? `${WEEKDAYS[run[0]!]!.code}-${WEEKDAYS[run[run.length - 1]!]!.code}` : run.map((d) => WEEKDAYS[d]!.code).join(','));
    start = i;
  }
  return parts.join(',');
}

/**
 * The OSM value of a grid: days with the same ranges share a rule ("Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00"),
 * closed days are left out (closed by default), "PH off" comes last. A week closed every day gives "" (no hours
 * published).
 */
export function gridToOsm(grid: HoursGrid): string {
  const groups = new Map<string, number[]>();
  grid.days.forEach((ranges, day) => {
    if (ranges.length === 0) return;
    const key = ranges.map((r) => `${r.from}-${r.to}`).join(',');
    groups.set(key, [...(groups.get(key) ?? []), day]);
  });
  const rules = [...groups.entries()].map(([times, days]) => `${daySelector(days)} ${times}`);
  if (rules.length && grid.publicHolidaysClosed) rules.push('PH off');
  return rules.join('; ');
}

const DAY_CODES: string[] = WEEKDAYS.map((d) => d.code.toLowerCase());

/** "Mo-Fr,Su" → [0, 1, 2, 3, 4, 6]; a range may wrap over the week's end ("Sa-Mo"). null otherwise. */
function parseDaySelector(text: string): number[] | null {
  const days = new Set<number>();
  for (const part of text.split(',')) {
    const bounds = part.trim().toLowerCase().split('-').map((b) => b.trim());
    if (bounds.length > 2) return null;
    const indices = bounds.map((b) => DAY_CODES.indexOf(b));
    if (indices.some((i) => i < 0)) return null;
    const [first, last = first] = indices as [number, number?];
    for (let d = first; ; d = (d + 1) % 7) {
      days.add(d);
      if (d === last) break;
    }
  }
  return [...days];
}

/** "09:00-12:00,14:00-17:00" → ranges the grid can hold (two at most, in order, within the day). null otherwise. */
function parseRanges(text: string): TimeRange[] | null {
  const ranges: TimeRange[] = [];
  for (const part of text.split(',')) {
    const match = /^(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(part.trim());
    if (!match) return null;
    const from = parseTime(match[1]!, false);
    const to = parseTime(match[2]!, true);
    if (!from || !to || match[2] === '00:00' || minutes(to) <= minutes(from)) return null;
    ranges.push({ from, to });
  }
  ranges.sort((a, b) => minutes(a.from) - minutes(b.from));
  if (ranges.length > MAX_RANGES_PER_DAY) return null;
  if (ranges.length === 2 && minutes(ranges[1]!.from) <= minutes(ranges[0]!.to)) return null;
  return ranges;
}

/**
 * The grid of an OSM value when the grid can show it exactly; null when it cannot (the expert field keeps it).
 * Rules apply in order, a later rule replacing an earlier one on its days, as in OSM; "PH off" only as the last rule.
 */
export function osmToGrid(value: string | null): HoursGrid | null {
  const text = (value ?? '').trim();
  if (!text) return emptyGrid();
  if (openingHoursError(text)) return null;
  if (text === '24/7') return { days: WEEKDAYS.map(() => [{ from: '00:00', to: '24:00' }]), publicHolidaysClosed: false };
  const rules = text.split(';').map((rule) => rule.trim()).filter(Boolean);
  const grid = emptyGrid();
  for (const [index, rule] of rules.entries()) {
    if (/^PH\s+(off|closed)$/i.test(rule)) {
      if (index !== rules.length - 1) return null;
      grid.publicHolidaysClosed = true;
      continue;
    }
    const match = /^([A-Za-z]{2}(?:\s*[-,]\s*[A-Za-z]{2})*)\s+(.+)$/.exec(rule);
    if (!match) return null;
    const days = parseDaySelector(match[1]!);
    if (!days) return null;
    const times = match[2]!.trim();
    const ranges = /^(off|closed)$/i.test(times) ? [] : parseRanges(times);
    if (!ranges) return null;
    for (const day of days) grid.days[day] = ranges.map((r) => ({ ...r }));
  }
  // "off" or "PH off" alone says "always closed", which an empty grid (no hours published) would not.
  if (grid.days.every((ranges) => ranges.length === 0)) return null;
  return grid;
}
