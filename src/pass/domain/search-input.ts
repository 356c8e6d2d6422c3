import { invalid, notFound } from '../../shared/errors.js';
import { normaliseBookletNumber, parseBookletNumber } from './booklet-number.js';
import { CODE_LENGTH, verifyVoucherCode } from './voucher-code.js';

/** What an operator typed in the search: a voucher (its serial) or a booklet (its serial), as printed. */
export type SearchTarget = { kind: 'voucher'; serial: number } | { kind: 'booklet'; serial: number };

/**
 * Reads a voucher code or a booklet number as it is printed or typed: with or without spaces, dashes or dots, in
 * lower or upper case, or the address of the voucher's QR code (…/c/CODE). A booklet number is 9 digits with its
 * Luhn digit; a voucher code is authenticated from its check character and tag, without the database.
 */
export function parseSearchInput(secret: string, input: string): SearchTarget {
  const text = input.trim();
  if (!text) throw invalid('Tapez le code d’un chèque (15 caractères, par exemple ABCDE-FGHJK-MNPQR) ou le numéro d’un carnet (9 chiffres).', 'recherche_vide');
  const fromLink = /\/c\/([^/?#\s]+)\s*$/i.exec(text);
  const candidate = fromLink ? decodeURIComponent(fromLink[1]!) : text;
  const digits = normaliseBookletNumber(candidate);
  if (/^[0-9]+$/.test(digits)) {
    if (digits.length !== 9) throw invalid(`Un numéro de carnet a 9 chiffres ; « ${candidate.slice(0, 40)} » en a ${digits.length}.`, 'numero_carnet_invalide');
    const serial = parseBookletNumber(digits);
    if (serial === null) throw invalid(`Le numéro de carnet « ${candidate} » contient une faute de frappe : vérifiez les 9 chiffres.`, 'numero_carnet_invalide');
    return { kind: 'booklet', serial };
  }
  const verdict = verifyVoucherCode(secret, candidate);
  if (verdict.ok) return { kind: 'voucher', serial: verdict.serial };
  if (verdict.reason === 'format') {
    throw invalid(`« ${candidate.slice(0, 40)} » n’est ni un code de chèque (${CODE_LENGTH} caractères, par exemple ABCDE-FGHJK-MNPQR) ni un numéro de carnet (9 chiffres).`, 'recherche_illisible');
  }
  if (verdict.reason === 'typo') throw invalid(`Le code « ${candidate.slice(0, 40)} » contient une faute de frappe : vérifiez chaque caractère.`, 'code_faute_de_frappe');
  throw notFound(`Le code « ${candidate.slice(0, 40)} » n’a pas été émis par la plateforme : ce chèque est un faux ou a été mal recopié.`, 'code_non_emis');
}
