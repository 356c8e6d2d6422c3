import { electronicFormatIBAN, extractBIC, friendlyFormatIBAN, isSEPACountry, isValidBIC, isValidIBAN } from 'ibantools';

export type BankVerdict = { ok: true; iban: string; bic: string } | { ok: false; field: 'iban' | 'bic'; reason: string };

/**
 * IBAN (country length, national BBAN rules and mod-97 check, by ibantools) in a SEPA country, and a BIC that
 * belongs to that country: a transfer file with either wrong is rejected by the bank, too late.
 */
export function validateBankDetails(ibanInput: string, bicInput: string): BankVerdict {
  const iban = electronicFormatIBAN(ibanInput) ?? '';
  if (!isValidIBAN(iban)) return { ok: false, field: 'iban', reason: 'Cet IBAN n’est pas valide : vérifiez chaque caractère (FR76 suivi de 23 caractères pour un compte français).' };
  if (!isSEPACountry(iban.slice(0, 2))) return { ok: false, field: 'iban', reason: 'Ce compte n’est pas dans la zone SEPA : un virement SEPA ne peut pas l’atteindre.' };
  const bic = bicInput.replace(/\s/g, '').toUpperCase();
  if (!isValidBIC(bic)) return { ok: false, field: 'bic', reason: 'Ce BIC n’est pas valide : 8 ou 11 caractères, par exemple AGRIFRPP ou AGRIFRPP882.' };
  const country = extractBIC(bic).countryCode;
  const ibanCountry = iban.slice(0, 2);
  // French overseas departments and Monaco bank with French BICs.
  const compatible = country === ibanCountry || (country === 'FR' && ['GP', 'MQ', 'GF', 'RE', 'YT', 'PM', 'BL', 'MF', 'MC'].includes(ibanCountry));
  if (!compatible) return { ok: false, field: 'bic', reason: `Ce BIC est celui d’une banque du pays ${country}, alors que l’IBAN est celui d’un compte du pays ${ibanCountry} : vérifiez le BIC.` };
  return { ok: true, iban, bic };
}

/** "FR76 3000 6000 0112 3456 7890 189", with all but the last four characters hidden when asked. */
export function displayIban(iban: string, masked = false): string {
  const shown = masked ? iban.slice(0, 4) + '•'.repeat(Math.max(iban.length - 8, 0)) + iban.slice(-4) : iban;
  return masked ? shown.replace(/(.{4})(?=.)/g, '$1 ') : friendlyFormatIBAN(iban) ?? iban;
}
