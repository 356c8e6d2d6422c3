/** What the SEPA rulebook allows in a credit transfer's texts: the "SEPA Latin" character set. */
const SEPA_LATIN = /^[A-Za-z0-9/\-?:().,'+ ]*$/;

const REPLACEMENTS: Record<string, string> = {
  œ: 'oe', Œ: 'OE', æ: 'ae', Æ: 'AE', ß: 'ss', '’': "'", '‘': "'", '‚': ',', '«': '', '»': '', '“': '', '”': '', '"': '',
  '&': '+', _: '-', '–': '-', '—': '-', '\u00a0': ' ', '\u202f': ' ', '\t': ' ', '°': ' ', ';': ',', '!': '.', '#': ' ', '*': ' ', '=': '-',
};

export class SepaTextError extends Error {
  constructor(public readonly text: string, public readonly characters: string[]) {
    super(`« ${text} » contient des caractères impossibles à transmettre dans un virement SEPA : ${characters.join(' ')}`);
  }
}

/**
 * Reduces a French text to SEPA Latin: accents dropped (é → e), ligatures spelt out, typographic punctuation made
 * plain; whatever cannot be reduced (another script, symbols) is refused rather than silently lost. Then cut to
 * `max` characters, spaces collapsed.
 */
export function toSepaText(text: string, max: number): string {
  const reduced = [...text.normalize('NFC')]
    .map((char) => REPLACEMENTS[char] ?? char.normalize('NFD').replace(/[\u0300-\u036f]/g, ''))
    .join('')
    .replace(/\s+/g, ' ')
    .trim();
  const refused = [...new Set([...reduced].filter((char) => !SEPA_LATIN.test(char)))];
  if (refused.length) throw new SepaTextError(text, refused);
  return reduced.slice(0, max).trim();
}

export const isSepaText = (text: string) => SEPA_LATIN.test(text);

/** Euros with exactly two decimals and a point, as pain.001 amounts are written. */
export function sepaAmount(cents: number): string {
  if (!Number.isInteger(cents) || cents < 0) throw new Error(`montant invalide : ${cents}`);
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}
