/** The Luhn check digit (SIRET, booklet numbers): one definition for every context. */
export function luhnDigit(digits: string): number {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return (10 - (sum % 10)) % 10;
}

export function isLuhnValid(digits: string): boolean {
  return /^[0-9]+$/.test(digits) && luhnDigit(digits.slice(0, -1)) === Number(digits.at(-1));
}
