import { DomainError } from '../../shared/errors.js';
import { REDEMPTION_GUARDS, type RedemptionGuard, type RefusalContext } from './redemption-guards.js';
import type { CodeVerdict } from './voucher-code.js';

export function codeRefusal(verdict: Extract<CodeVerdict, { ok: false }>): DomainError {
  switch (verdict.reason) {
    case 'format':
      return new DomainError('invalid', 'code_mal_forme', 'Ce code n’a pas la bonne forme : un code de chèque compte 15 caractères (lettres et chiffres, sans 0, 1, I, L, O, U ni Z).');
    case 'typo':
      return new DomainError('invalid', 'erreur_de_saisie', 'Ce code contient une erreur de saisie : vérifiez chaque caractère et réessayez.');
    case 'forged':
      return new DomainError('invalid', 'code_non_authentique', 'Ce code n’a pas été émis par la plateforme : ce chèque n’est pas authentique.');
  }
}

/** What the diagnosis query found: each guard's fact (its condition evaluated), and what the messages quote. */
export interface RefusalFacts extends RefusalContext {
  holds: Partial<Record<string, boolean>>;
}

/**
 * Why a redemption was refused: the happy path is a single guarded UPDATE; when it updates nothing, the first
 * guard of the table (in the order a mediator needs) whose fact is false names the refusal. All facts true means
 * the voucher changed state between the statement and the diagnosis.
 */
export function explainRefusal(facts: RefusalFacts): DomainError {
  for (const guard of REDEMPTION_GUARDS as readonly RedemptionGuard[]) {
    if (facts.holds[guard.code] !== true) return new DomainError(guard.kind, guard.code, guard.message(facts), guard.details?.(facts) ?? {});
  }
  return new DomainError('conflict', 'reessayer', 'Le chèque a changé d’état pendant l’opération : réessayez.');
}
