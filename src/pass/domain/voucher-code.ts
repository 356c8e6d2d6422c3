import { createHmac } from 'node:crypto';

/**
 * A voucher code is 15 characters from a 29-letter alphabet (no 0/O, 1/I/L, U/V-like pairs or Z/2),
 * printed in three groups of five: 6 characters of serial, 8 of keyed tag, 1 check character.
 *
 * - The check character makes the weighted sum Σ i·vᵢ (i = 1…15) divisible by 29. Because 29 is prime and every
 *   weight is below 29, any single substitution changes the sum by i·d ≢ 0, and any swap of two adjacent
 *   characters changes it by (a − b) ≢ 0: both are always caught.
 * - The tag is an HMAC-SHA256 of the serial with the server secret, so a forged code is refused without a
 *   database look-up. A random string passes the check with probability 1/29 and the tag with 1/29⁸:
 *   1/29⁹ ≈ 6.9 × 10⁻¹⁴ in all, below the required 10⁻¹².
 */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXY';
const BASE = CODE_ALPHABET.length;
export const SERIAL_LENGTH = 6;
export const TAG_LENGTH = 8;
export const CODE_LENGTH = SERIAL_LENGTH + TAG_LENGTH + 1;
export const MAX_SERIAL = BASE ** SERIAL_LENGTH - 1;
const CHECK_WEIGHT_INVERSE = modularInverse(CODE_LENGTH, BASE);

function modularInverse(value: number, modulus: number): number {
  for (let candidate = 1; candidate < modulus; candidate++) if ((value * candidate) % modulus === 1) return candidate;
  throw new Error(`${value} n'est pas inversible modulo ${modulus}`);
}

function toBase(value: number, width: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < width; i++) {
    out = CODE_ALPHABET[rest % BASE] + out;
    rest = Math.floor(rest / BASE);
  }
  return out;
}

function fromBase(text: string): number {
  let value = 0;
  for (const char of text) value = value * BASE + CODE_ALPHABET.indexOf(char);
  return value;
}

function weightedSum(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += (i + 1) * CODE_ALPHABET.indexOf(text[i]!);
  return sum % BASE;
}

export function checkCharacter(body: string): string {
  const missing = (BASE - weightedSum(body)) % BASE;
  return CODE_ALPHABET[(missing * CHECK_WEIGHT_INVERSE) % BASE]!;
}

export function hasValidCheck(code: string): boolean {
  return code.length === CODE_LENGTH && weightedSum(code) === 0;
}

export function computeTag(secret: string, serial: number): string {
  const digest = createHmac('sha256', secret).update(`voucher:${serial}`).digest();
  // 40 bits of the digest, reduced to 8 base-29 digits (29⁸ ≈ 5 × 10¹¹ < 2⁴⁰).
  return toBase(digest.readUIntBE(0, 5) % BASE ** TAG_LENGTH, TAG_LENGTH);
}

export function makeVoucherCode(secret: string, serial: number): string {
  if (!Number.isInteger(serial) || serial < 1 || serial > MAX_SERIAL) throw new RangeError(`numéro de série hors limites : ${serial}`);
  const body = toBase(serial, SERIAL_LENGTH) + computeTag(secret, serial);
  return body + checkCharacter(body);
}

/** Groups of five for print and screens: ABCDE-FGHJK-MNPQR. */
export function formatVoucherCode(code: string): string {
  return code.match(/.{1,5}/g)!.join('-');
}

export function normaliseVoucherCode(input: string): string {
  return input.toUpperCase().replace(/[\s\-._]/g, '');
}

export type CodeVerdict =
  | { ok: true; serial: number; code: string }
  | { ok: false; reason: 'format' | 'typo' | 'forged'; code: string };

/** Decides authenticity from the code alone: no database involved. */
export function verifyVoucherCode(secret: string, input: string): CodeVerdict {
  const code = normaliseVoucherCode(input);
  if (code.length !== CODE_LENGTH || [...code].some((char) => !CODE_ALPHABET.includes(char))) return { ok: false, reason: 'format', code };
  if (!hasValidCheck(code)) return { ok: false, reason: 'typo', code };
  const serial = fromBase(code.slice(0, SERIAL_LENGTH));
  if (serial < 1 || computeTag(secret, serial) !== code.slice(SERIAL_LENGTH, SERIAL_LENGTH + TAG_LENGTH)) {
    return { ok: false, reason: 'forged', code };
  }
  return { ok: true, serial, code };
}
