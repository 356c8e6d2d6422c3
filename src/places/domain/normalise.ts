/** Lower case, no accents, punctuation as single spaces: "Médiathèque  J.-Verne" and "mediatheque j verne" match. */
export function normaliseText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The address part of the SIRET + address import key: "12 bis, Rue X" and "12 BIS RUE X" are one address. */
export function addressKey(address: string, postalCode: string): string {
  return `${normaliseText(address)}|${postalCode}`;
}

/** French national numbers ("02 40 41 91 00") become the international form the standard requires. */
export function normalisePhone(input: string): string {
  const compact = input.replace(/[\s.\-()/]/g, '');
  if (/^0[1-9]\d{8}$/.test(compact)) return `+33${compact.slice(1)}`;
  if (/^0033\d+$/.test(compact)) return `+${compact.slice(2)}`;
  return compact;
}

/** "+33240419100" → "02 40 41 91 00" for people in metropolitan France; other numbers as stored. */
export function formatPhoneForPeople(phone: string): string {
  const match = /^\+33(\d{9})$/.exec(phone);
  if (!match) return phone;
  return `0${match[1]}`.replace(/(\d{2})(?=\d)/g, '$1 ');
}
