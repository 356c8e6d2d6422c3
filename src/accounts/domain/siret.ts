import { isLuhnValid } from '../../shared/luhn.js';

/** La Poste's establishments share SIREN 356000000, which fails Luhn: INSEE checks their SIRET by digit sum mod 5. */
const LA_POSTE_SIREN = '356000000';

export function normaliseSiret(input: string): string {
  return input.replace(/[\s.]/g, '');
}

export function isValidSiret(input: string): boolean {
  const siret = normaliseSiret(input);
  if (!/^[0-9]{14}$/.test(siret)) return false;
  if (isLuhnValid(siret)) return true;
  if (!siret.startsWith(LA_POSTE_SIREN)) return false;
  const digitSum = [...siret].reduce((sum, digit) => sum + Number(digit), 0);
  return digitSum % 5 === 0;
}
