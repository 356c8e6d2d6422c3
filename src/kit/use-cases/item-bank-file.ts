import { readFileSync } from 'node:fs';
import { fromRoot } from '../../shared/paths.js';
import { ItemBankError, parseItemBank, type ItemBank } from '../domain/item-bank.js';

export const DEFAULT_ITEMS_FILE = fromRoot('src', 'kit', 'items', 'diagnostic-items.json');

const banks = new Map<string, ItemBank>();

/**
 * Reads and checks the items file once per process (empty or absent: the bundled one); the app calls it at start so
 * a bad file stops the start.
 */
export function loadItemBank(requested?: string): ItemBank {
  const file = requested || DEFAULT_ITEMS_FILE;
  const cached = banks.get(file);
  if (cached) return cached;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ItemBankError([`${file} : lecture impossible (${(error as Error).message})`]);
  }
  const bank = parseItemBank(raw);
  banks.set(file, bank);
  return bank;
}
