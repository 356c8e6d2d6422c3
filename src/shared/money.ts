/** Amounts are integer cents everywhere; only display turns them into euros, through the one French formatter. */
export { formatEuros } from './french.js';

export function parseEurosToCents(input: string): number | null {
  const match = input.trim().replace(/\s|€/g, '').replace(',', '.').match(/^([0-9]+)(?:\.([0-9]{1,2}))?$/);
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}

export interface Share<K> {
  key: K;
  /** Basis points: 2 500 = 25 %. */
  shareBp: number;
}

/**
 * Splits an amount by shares to the cent, by largest remainder: each part is its exact share rounded down,
 * then the cents left over go one each to the largest fractional remainders (ties: the larger share, then
 * the order given). The parts always add up to the amount and each is within one cent of its exact share.
 */
export function splitByShares<K>(amountCents: number, shares: Share<K>[]): { key: K; amountCents: number }[] {
  const totalBp = shares.reduce((sum, share) => sum + share.shareBp, 0);
  if (totalBp <= 0) throw new RangeError('aucune part à répartir');
  const parts = shares.map((share, index) => {
    const exact = amountCents * share.shareBp;
    return { key: share.key, index, shareBp: share.shareBp, amountCents: Math.floor(exact / totalBp), remainder: exact % totalBp };
  });
  let leftover = amountCents - parts.reduce((sum, part) => sum + part.amountCents, 0);
  const byRemainder = [...parts].sort((a, b) => b.remainder - a.remainder || b.shareBp - a.shareBp || a.index - b.index);
  for (const part of byRemainder) {
    if (leftover === 0) break;
    part.amountCents += 1;
    leftover -= 1;
  }
  return parts.map(({ key, amountCents: amount }) => ({ key, amountCents: amount }));
}
