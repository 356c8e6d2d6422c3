import { conflict, type DomainError } from '../../shared/errors.js';

/** What the follow-up rule needs of a booklet. */
export interface FollowUpFacts {
  handed: boolean;
  /** Vouchers of the booklet used (redeemed at a place, at the desk or in a workshop or accompaniment). */
  usedVouchers: number;
}

/**
 * The second diagnostic measures progress after the workshops: it is refused before the booklet is handed, and
 * before any of its vouchers has paid a workshop or an accompaniment (a « progress » measured before any workshop
 * would measure nothing). The booklet page shows the link to it on the same rule.
 */
export function followUpRefusal(facts: FollowUpFacts): DomainError | null {
  if (!facts.handed) return conflict('Ce carnet n’a pas encore été remis : le deuxième diagnostic se fait après les ateliers.', 'carnet_non_remis');
  if (facts.usedVouchers === 0) {
    return conflict(
      'Le deuxième diagnostic mesure vos progrès après vos ateliers : aucun chèque de ce carnet n’a encore servi à un atelier ou à un accompagnement. Revenez après votre premier atelier.',
      'aucun_atelier',
    );
  }
  return null;
}

export const canStartFollowUp = (facts: FollowUpFacts): boolean => followUpRefusal(facts) === null;
