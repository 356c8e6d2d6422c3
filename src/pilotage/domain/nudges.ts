import type { ActionRule } from '../../accounts/domain/permissions.js';
import { PASS_PERMISSIONS } from '../../pass/domain/policies.js';
import { parisDay } from '../../shared/dates.js';
import type { NudgeKind, NudgePeriod } from './sleeping.js';

/**
 * Nudges: for each kind of sleeping value, whom to tell, once per period, with the link to the page where they act.
 * The notifications context turns the journal row 'pilotage.nudge' into inbox entries and e-mails with these rules
 * (notifications/domain/kinds.ts); the French texts are in use-cases/nudge-texts.ts (shared/french.ts).
 */
export const NUDGE_ACTION = 'pilotage.nudge';

/** Who holds the sleeping thing: a prescribing organisation, a funder (booklets not allocated), a place's organisation. */
export type NudgeHolder = 'prescriber' | 'funder' | 'place';

/** What one nudge says, journaled with it (audit_events.details) and read back by the notifications. */
export interface NudgeFacts {
  kind: NudgeKind;
  organisationId: number;
  organisationName: string;
  holder: NudgeHolder;
  periodKey: string;
  thresholdDays: number;
  /** Booklets (allocated, handed), places (few redemptions) or vouchers (close to expiry). */
  count: number;
  /** The oldest allocation or hand-out, or the earliest expiry (ISO). */
  since: string | null;
  /** few_redemptions: the places' names (at most a few) and the minimum asked. */
  places?: string[];
  minRedemptions?: number;
}

/**
 * The recipient rule of each kind: the permission row whose holders act on it, on the organisation of the nudge.
 * Allocated but not handed, or handed but unused (it can call the person back): the prescribers of the organisation
 * (booklets.hand). Few redemptions: the place's mediators (voucher.redeem). Close to expiry: the holder, that is the
 * funder for booklets not allocated (booklets.allocate), the prescriber otherwise.
 */
export function nudgeRecipientRule(kind: NudgeKind, holder: NudgeHolder): ActionRule {
  if (kind === 'few_redemptions') return PASS_PERMISSIONS['voucher.redeem'];
  if (kind === 'close_to_expiry' && holder === 'funder') return PASS_PERMISSIONS['booklets.allocate'];
  return PASS_PERMISSIONS['booklets.hand'];
}

/** The page where the person acts on the nudge. */
export function nudgeLink(kind: NudgeKind, holder: NudgeHolder): string {
  switch (kind) {
    case 'allocated_not_handed':
      return '/carnets';
    case 'handed_unused':
      return '/pilotage/dormants#remis';
    case 'few_redemptions':
      return '/mes-lieux';
    case 'close_to_expiry':
      return holder === 'funder' ? '/commandes' : '/carnets';
  }
}

/** What the effect of a nudge is measured by, in the 4 weeks after it against the 4 weeks before. */
export const EFFECT_WEEKS = 4;
export const NUDGE_EFFECT_MEASURE: Record<NudgeKind, 'handouts' | 'redemptions'> = {
  allocated_not_handed: 'handouts',
  handed_unused: 'redemptions',
  few_redemptions: 'redemptions',
  close_to_expiry: 'handouts',
};

/** The ISO 8601 week of a calendar day (« 2025-W45 »; the week belongs to the year of its Thursday). */
export function isoWeekKey(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const date = new Date(Date.UTC(y, m - 1, d));
  const weekday = (date.getUTCDay() + 6) % 7; // Monday 0 … Sunday 6
  date.setUTCDate(date.getUTCDate() - weekday + 3); // that week's Thursday
  const year = date.getUTCFullYear();
  const firstThursday = new Date(Date.UTC(year, 0, 4));
  firstThursday.setUTCDate(firstThursday.getUTCDate() - ((firstThursday.getUTCDay() + 6) % 7) + 3);
  const week = 1 + Math.round((date.getTime() - firstThursday.getTime()) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** « Once per period »: the key of the Paris calendar week or month the instant falls in. */
export function periodKey(period: NudgePeriod, now: Date): string {
  const day = parisDay(now);
  return period === 'month' ? day.slice(0, 7) : isoWeekKey(day);
}
