import { z } from 'zod';
import { invalid, notFound } from '../shared/errors.js';

/**
 * Row ids are PostgreSQL bigint identities read as JavaScript numbers (src/db/database.ts), so an id the platform
 * can hold is a positive safe integer, written with digits only: "abc", "-1", "1.5", "1e3", " 7" or a 20-digit
 * number never reach a query (PostgreSQL would refuse them with an error, hence a 500).
 */
const DIGITS = /^[0-9]{1,16}$/;

/** The id written in `value`, or null when it is not one. */
export function toId(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value > 0 ? value : null;
  if (typeof value !== 'string' || !DIGITS.test(value)) return null;
  const id = Number(value);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

const ID_MESSAGE = 'un identifiant est un nombre entier positif, écrit en chiffres';

/** The one schema of an id in an API path (`/orders/:id`): refused with 400 and the field named otherwise. */
export const idParam = z
  .string()
  .regex(DIGITS, { message: ID_MESSAGE })
  .refine((value) => toId(value) !== null, { message: ID_MESSAGE })
  .transform((value) => toId(value)!);

/** An id in a page's path: anything malformed is a page that does not exist (404, in French). */
export function parseId(value: unknown, message = 'Cette page n’existe pas.'): number {
  const id = toId(value);
  if (id === null) throw notFound(message);
  return id;
}

/** The `:id` of a page's route. */
export const pathId = (params: unknown, message?: string): number => parseId((params as { id?: unknown } | undefined)?.id, message);

/** An id chosen in a form (a select, a hidden field): a malformed one is refused (422); `label` names it (« Le lieu »). */
export function formId(value: string, label: string): number {
  const id = toId(value.trim());
  if (id === null) throw invalid(`${label} n’est pas valide : rechargez la page et choisissez à nouveau.`, 'identifiant_invalide');
  return id;
}

/** The same for an optional field: empty means not given. */
export const optionalFormId = (value: string, label: string): number | undefined => (value.trim() === '' ? undefined : formId(value, label));

/**
 * A count typed in a form ("3"): digits only, or NaN, which the use case refuses with its own French message
 * (Number("1e20") would pass an integer check and reach PostgreSQL out of range).
 */
export const formWholeNumber = (value: string): number => (/^[0-9]{1,15}$/.test(value.trim()) ? Number(value.trim()) : Number.NaN);
