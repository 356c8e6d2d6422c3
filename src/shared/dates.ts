const parisDayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Paris' });
const frenchDayFormat = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'Europe/Paris' });

/** The calendar day in metropolitan France, as 'YYYY-MM-DD' (what a date column and an <input type="date"> hold). */
export const parisDay = (at = new Date()): string => parisDayFormat.format(at);

/** A day as a French reader writes it: « 23 novembre 2026 », « 1er décembre 2026 » (never « 1 décembre »). */
export const frenchDay = (at: Date | string): string => frenchDayFormat.format(new Date(at)).replace(/^1 /, '1er ');

/**
 * Today in metropolitan France, in SQL: the one definition every query uses ("a label valid today", a day's
 * report), never `current_date`, which is the database server's time zone. Its TypeScript twin is `parisDay()`.
 */
export const PARIS_TODAY_SQL = `(now() at time zone 'Europe/Paris')::date`;

const parisTimeFormat = new Intl.DateTimeFormat('fr-FR', { hour: 'numeric', minute: '2-digit', timeZone: 'Europe/Paris' });

/** A moment as a French reader writes it: « 3 décembre 2026 à 16 h 28 », « 1er mars 2027 à 9 h 05 » (Paris time). */
export const frenchDateTime = (at: Date | string): string => {
  const [hours, minutes] = parisTimeFormat.format(new Date(at)).split(':');
  return `${frenchDay(at)} à ${Number(hours)}\u00a0h\u00a0${minutes}`;
};
