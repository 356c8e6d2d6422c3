import { createHmac } from 'node:crypto';

/**
 * A booklet number is its serial on 8 digits followed by a Luhn digit (9 digits), so a typo is caught before
 * any look-up. The PIN printed on the cover is derived from the serial with the server secret: it is never
 * stored, and without it nobody can read another person's balance by trying numbers. Booklets issued since
 * migration 006 have 6 digits; older ones keep their 4 (the length is stored per booklet: `pin_digits`).
 */
import { isLuhnValid, luhnDigit } from '../../shared/luhn.js';

export { isLuhnValid, luhnDigit };

export function makeBookletNumber(serial: number): string {
  const body = String(serial).padStart(8, '0');
  if (body.length > 8) throw new RangeError(`numéro de carnet hors limites : ${serial}`);
  return body + luhnDigit(body);
}

export function normaliseBookletNumber(input: string): string {
  return input.replace(/[\s\-.]/g, '');
}

export function parseBookletNumber(input: string): number | null {
  const number = normaliseBookletNumber(input);
  if (!/^[0-9]{9}$/.test(number) || !isLuhnValid(number)) return null;
  return Number(number.slice(0, 8));
}

export function formatBookletNumber(number: string): string {
  return `${number.slice(0, 3)} ${number.slice(3, 6)} ${number.slice(6)}`;
}

export const NEW_BOOKLET_PIN_DIGITS = 6;
export const PIN_DIGITS = [4, NEW_BOOKLET_PIN_DIGITS] as const;

/** The PIN of a booklet with `digits` digits; the 4-digit derivation is the one printed before 6 digits came. */
export function bookletPin(secret: string, serial: number, digits: number): string {
  if (!(PIN_DIGITS as readonly number[]).includes(digits)) throw new RangeError(`longueur de code secret inconnue : ${digits}`);
  // The 6-digit PIN comes from its own derivation, so that it shares no digits with the 4-digit one of a serial.
  const label = digits === 4 ? `booklet-pin:${serial}` : `booklet-pin-${digits}:${serial}`;
  const digest = createHmac('sha256', secret).update(label).digest();
  return String(digest.readUInt32BE(0) % 10 ** digits).padStart(digits, '0');
}
