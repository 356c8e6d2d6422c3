/** What the SEPA rulebook allows in a credit transfer's texts: the "SEPA Latin" character set. */
const SEPA_LATIN = /^[A-Za-z0-9/\-?:().,'+ ]*$/;

/** Reductions that keep the text as a reader reads it: the same letters without accents, plain punctuation. */
const FAITHFUL: Record<string, string> = {
  œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ß: 'ss', '’': "'", '‘': "'", '‐': '-', '‑': '-', '–': '-', '—': '-', '\u00a0': ' ', '\u202f': ' ', '\t': ' ',
};

/** Approximations: acceptable in the texts the platform writes itself, never in a name someone confirmed. */
const APPROXIMATE: Record<string, string> = {
  '‚': ',', '«': '', '»': '', '“': '', '”': '', '"': '', '&': '+', _: '-', '°': ' ', ';': ',', '!': '.', '#': ' ', '*': ' ', '=': '-',
};

const REPLACEMENTS: Record<string, string> = { ...FAITHFUL, ...APPROXIMATE };

const stripAccents = (char: string) => char.normalize('NFD').replace(/[\u0300-\u036f]/g, '');

export class SepaTextError extends Error {
  constructor(public readonly text: string, public readonly characters: string[]) {
    super(`« ${text} » contient des caractères impossibles à transmettre dans un virement SEPA : ${characters.join(' ')}`);
  }
}

/**
 * Reduces a French text to SEPA Latin: accents dropped (é → e), ligatures spelt out, typographic punctuation made
 * plain; whatever cannot be reduced (another script, symbols) is refused rather than silently lost. Then cut to
 * `max` characters, spaces collapsed. For the texts the platform writes itself (identifiers, remittance, the
 * debtor's configured name); an account holder's name goes through `holderNameForBank`, which alters nothing.
 */
export function toSepaText(text: string, max: number): string {
  const reduced = [...text.normalize('NFC')]
    .map((char) => REPLACEMENTS[char] ?? stripAccents(char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  const refused = [...new Set([...reduced].filter((char) => !SEPA_LATIN.test(char)))];
  if (refused.length) throw new SepaTextError(text, refused);
  return reduced.slice(0, max).trim();
}

export const isSepaText = (text: string) => SEPA_LATIN.test(text);

/** The longest creditor name a pain.001 transfer carries. */
export const HOLDER_NAME_MAX = 70;

export type HolderNameVerdict =
  | { ok: true; sent: string }
  | { ok: false; code: 'titulaire_manquant' | 'titulaire_invalide' | 'titulaire_trop_long'; reason: string };

const quoted = (chars: string[]) => chars.map((c) => (/^[\u0000-\u001f\u007f-\u009f]$/.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : `« ${c} »`)).join(', ');

/**
 * The account holder's name exactly as the bank will receive it, or why it cannot be sent as entered. Only
 * faithful reductions are made (accents dropped, ligatures spelt out, typographic apostrophes, dashes and spaces made
 * plain); a character that would be changed or lost (& → +, quotes dropped, another script) and a name longer than
 * 70 characters are refused, never altered: the person who confirms the account sees the very text of the transfer.
 * Reducing its result again gives the same text.
 */
export function holderNameForBank(text: string): HolderNameVerdict {
  const sent = [...text.normalize('NFC')]
    .map((char) => FAITHFUL[char] ?? stripAccents(char))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  if (!sent) return { ok: false, code: 'titulaire_manquant', reason: 'Indiquez le titulaire du compte, tel qu’il figure sur le RIB.' };
  const refused = [...new Set([...sent].filter((char) => !SEPA_LATIN.test(char)))];
  if (refused.length) {
    const hint = refused.includes('&') ? ' Écrivez « et » au lieu de « & ».' : '';
    return {
      ok: false,
      code: 'titulaire_invalide',
      reason: `Le nom du titulaire ne peut pas être transmis tel quel à la banque, le virement changerait ou perdrait ${refused.length > 1 ? 'ces caractères' : 'ce caractère'} : ${quoted(refused)}.${hint} Le virement admet les lettres (sans accents, ils sont retirés), les chiffres, les espaces et / - ? : ( ) . , ' +.`,
    };
  }
  if (sent.length > HOLDER_NAME_MAX) {
    return { ok: false, code: 'titulaire_trop_long', reason: `Le nom du titulaire transmis à la banque est limité à ${HOLDER_NAME_MAX} caractères ; celui-ci en compte ${sent.length} : abrégez-le.` };
  }
  return { ok: true, sent };
}

/** A text written into the transfer file as it is: one that is not already valid SEPA text stops the file. */
export function exactSepaText(text: string, max: number): string {
  if (!SEPA_LATIN.test(text) || text.length > max || text !== text.replace(/\s+/g, ' ').trim() || !text) {
    throw new Error(`texte impossible à transmettre tel quel dans un virement SEPA : ${JSON.stringify(text)}`);
  }
  return text;
}

/** Euros with exactly two decimals and a point, as pain.001 amounts are written. */
export function sepaAmount(cents: number): string {
  if (!Number.isInteger(cents) || cents < 0) throw new Error(`montant invalide : ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
