import OpeningHours from 'opening_hours';

/** Public holidays (PH) follow the French calendar; the coordinates only matter for sunrise/sunset rules. */
const FRANCE = { lat: 46.6, lon: 2.4, address: { country_code: 'fr', state: '' } };
const DAY_NAMES = ['dimanche', 'lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi'];
const WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0];
const MONTHS = ['janvier', 'février', 'mars', 'avril', 'mai', 'juin', 'juillet', 'août', 'septembre', 'octobre', 'novembre', 'décembre'];

const wallClockParts = new Intl.DateTimeFormat('en-GB', {
  timeZone: 'Europe/Paris', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
});

/**
 * The opening_hours library reads a Date's local fields: give it Paris wall-clock time whatever the server's
 * time zone, so "ferme à 17 h" means 17 h in France.
 */
export function parisWallClock(instant: Date): Date {
  const part = Object.fromEntries(wallClockParts.formatToParts(instant).map((p) => [p.type, Number(p.value)]));
  return new Date(part.year!, part.month! - 1, part.day!, part.hour!, part.minute!, part.second!);
}

/**
 * Parsing a value costs the library about 0.7 ms, while places share a few thousand distinct values: keep the most
 * recent parses (a parse is immutable; null marks a value that does not parse).
 */
const PARSE_CACHE_SIZE = 5000;
const parsed = new Map<string, OpeningHours | null>();

/**
 * The library's work on a value grows with its time ranges, faster than their number (1 200 ranges in a day cost
 * minutes per page, ranges past midnight that overlap into « always open » seconds): a value is read only within
 * these bounds, far above real ones (every day with two ranges and « PH off » is 190 characters and 28 times). A
 * value beyond them is refused on every write (validation) and, stored before, never evaluated.
 */
export const MAX_OPENING_HOURS_LENGTH = 1000;
export const MAX_OPENING_HOURS_TIMES = 48;

function boundsError(hours: string): string | null {
  if (hours.length > MAX_OPENING_HOURS_LENGTH) return `horaires trop longs : ${MAX_OPENING_HOURS_LENGTH} caractères au plus`;
  if ((hours.match(/\d{1,2}:\d{2}/g)?.length ?? 0) > MAX_OPENING_HOURS_TIMES) return `horaires trop détaillés : ${MAX_OPENING_HOURS_TIMES} heures au plus (par exemple deux plages par jour, chaque jour de la semaine)`;
  return null;
}

function parse(hours: string): OpeningHours | null {
  if (boundsError(hours)) return null;
  const cached = parsed.get(hours);
  if (cached !== undefined) {
    parsed.delete(hours);
    parsed.set(hours, cached);
    return cached;
  }
  let result: OpeningHours | null;
  try {
    result = new OpeningHours(hours, FRANCE, { mode: 0, tag_key: 'opening_hours', map_value: false, warnings_severity: 4, locale: 'fr' });
  } catch {
    result = null;
  }
  parsed.set(hours, result);
  if (parsed.size > PARSE_CACHE_SIZE) parsed.delete(parsed.keys().next().value!);
  return result;
}

/** null when the value follows the OSM opening_hours syntax; otherwise the reason, in French. */
export function openingHoursError(hours: string): string | null {
  const bounds = boundsError(hours);
  if (bounds) return bounds;
  if (parse(hours)) return null;
  return `horaires illisibles : la syntaxe OpenStreetMap « opening_hours » est attendue, par exemple « Mo-Fr 09:00-12:00,14:00-17:00; Sa 09:00-12:00 »`;
}

/** "17 h", "18 h 30", "minuit". */
export function formatHour(date: Date): string {
  const h = date.getHours();
  const m = date.getMinutes();
  if (h === 0 && m === 0) return 'minuit';
  return m === 0 ? `${h} h` : `${h} h ${String(m).padStart(2, '0')}`;
}

function startOfDay(date: Date): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate());
}

function addDays(date: Date, days: number): Date {
  return new Date(date.getFullYear(), date.getMonth(), date.getDate() + days);
}

/** "à 17 h" today, "demain à 9 h", "lundi à 9 h" within the week, "le 5 janvier à 9 h" beyond. */
function when(change: Date, now: Date): string {
  const days = Math.round((startOfDay(change).getTime() - startOfDay(now).getTime()) / 86_400_000);
  if (days === 0) return `à ${formatHour(change)}`;
  if (days === 1) return `demain à ${formatHour(change)}`;
  if (days < 7) return `${DAY_NAMES[change.getDay()]} à ${formatHour(change)}`;
  return `le ${change.getDate()} ${MONTHS[change.getMonth()]} à ${formatHour(change)}`;
}

export interface OpeningState {
  open: boolean;
  /** Plain French for people: "Ouvert maintenant, ferme à 17 h". */
  text: string;
}

/**
 * What a value says at a minute (what pages show is to the minute) or on a day, kept for the values seen most recently:
 * even within the bounds above, a value can cost the library a tenth of a second, and a search evaluates every
 * place it lists, at every request.
 */
const evaluated = new Map<string, unknown>();
function remembered<T>(key: string, compute: () => T): T {
  if (evaluated.has(key)) return evaluated.get(key) as T;
  const value = compute();
  evaluated.set(key, value);
  if (evaluated.size > PARSE_CACHE_SIZE) evaluated.delete(evaluated.keys().next().value!);
  return value;
}

/** Whether a place is open at an instant, and when that changes, in plain French. null without valid hours. */
export function openingState(hours: string | null, instant: Date): OpeningState | null {
  if (!hours || !parse(hours)) return null;
  const state = remembered(`state\n${Math.floor(instant.getTime() / 60_000)}\n${hours}`, () => computeOpeningState(parse(hours)!, instant));
  return { ...state };
}

function computeOpeningState(oh: OpeningHours, instant: Date): OpeningState {
  const now = parisWallClock(instant);
  const open = oh.getState(now);
  const next = oh.getNextChange(now, addDays(now, 366));
  if (open) return { open, text: next ? `Ouvert maintenant, ferme ${when(next, now)}` : 'Ouvert en permanence' };
  return { open, text: next ? `Fermé maintenant, ouvre ${when(next, now)}` : 'Fermé' };
}

export interface DaySchedule {
  day: string;
  today: boolean;
  text: string;
}

/** Monday to Sunday of the current week, each day's opening intervals in French ("9 h – 12 h, 14 h – 17 h"). */
export function weekSchedule(hours: string | null, instant: Date): DaySchedule[] | null {
  if (!hours || !parse(hours)) return null;
  const now = parisWallClock(instant);
  const week = remembered(`week\n${now.getFullYear()}-${now.getMonth()}-${now.getDate()}\n${hours}`, () => computeWeekSchedule(parse(hours)!, now));
  return week.map((day) => ({ ...day }));
}

function computeWeekSchedule(oh: OpeningHours, now: Date): DaySchedule[] {
  const monday = addDays(startOfDay(now), -((now.getDay() + 6) % 7));
  return WEEK_ORDER.map((weekday, index) => {
    const day = addDays(monday, index);
    const intervals = oh.getOpenIntervals(day, addDays(day, 1));
    const text = intervals.length ? intervals.map(([from, to]) => `${formatHour(from)} – ${formatHour(to)}`).join(', ') : 'fermé';
    const name = DAY_NAMES[weekday]!;
    return { day: name.charAt(0).toUpperCase() + name.slice(1), today: weekday === now.getDay(), text };
  });
}
