import { K_ANONYMITY } from './privacy.js';

/**
 * Where value sleeps: the four lists of /pilotage/dormants and the four kinds of nudges are the same rules, defined
 * here once (thresholds in whole days, read from nudge_settings, defaults below).
 *
 * - allocated_not_handed: a booklet allocated to a prescribing organisation more than N days ago (45), not handed, with
 *   a live voucher;
 * - handed_unused: a booklet handed more than N days ago (60) of which no voucher was redeemed, still live;
 * - few_redemptions: a labelled place accepting the pass with fewer than M redemptions (5) in the last N days (90);
 * - close_to_expiry: live vouchers (the pass's definition, pass/domain/voucher-status.ts) expiring within N days (30).
 */
export const NUDGE_KINDS = ['allocated_not_handed', 'handed_unused', 'few_redemptions', 'close_to_expiry'] as const;
export type NudgeKind = (typeof NUDGE_KINDS)[number];
export const isNudgeKind = (value: unknown): value is NudgeKind => (NUDGE_KINDS as readonly unknown[]).includes(value);

export const NUDGE_PERIODS = ['week', 'month'] as const;
export type NudgePeriod = (typeof NUDGE_PERIODS)[number];

export interface NudgeSetting {
  kind: NudgeKind;
  enabled: boolean;
  /** Days: since allocation, since hand-out, the redemption window, the expiry horizon. */
  thresholdDays: number;
  /** few_redemptions only: a place with fewer redemptions than this in the window sleeps. */
  minRedemptions: number | null;
  /** Once per period: ISO week or calendar month (Paris time). */
  period: NudgePeriod;
}

export const DEFAULT_NUDGE_SETTINGS: Record<NudgeKind, NudgeSetting> = {
  allocated_not_handed: { kind: 'allocated_not_handed', enabled: true, thresholdDays: 45, minRedemptions: null, period: 'week' },
  handed_unused: { kind: 'handed_unused', enabled: true, thresholdDays: 60, minRedemptions: null, period: 'week' },
  few_redemptions: { kind: 'few_redemptions', enabled: true, thresholdDays: 90, minRedemptions: 5, period: 'month' },
  close_to_expiry: { kind: 'close_to_expiry', enabled: true, thresholdDays: 30, minRedemptions: null, period: 'week' },
};

export const THRESHOLD_MIN_DAYS = 1;
export const THRESHOLD_MAX_DAYS = 365;
export const MIN_REDEMPTIONS_MAX = 1000;

/** What each threshold means, for the settings form and the page's headings. */
export const NUDGE_LABELS: Record<NudgeKind, { title: string; threshold: string }> = {
  allocated_not_handed: { title: 'Carnets attribués, pas encore remis', threshold: 'jours après l’attribution' },
  handed_unused: { title: 'Carnets remis, jamais utilisés', threshold: 'jours après la remise' },
  few_redemptions: { title: 'Lieux labellisés avec peu d’encaissements', threshold: 'jours de période observée' },
  close_to_expiry: { title: 'Chèques proches de l’échéance', threshold: 'jours avant l’échéance' },
};

const DAY_MS = 86_400_000;

/** The moment before which an allocation or a hand-out counts as sleeping (now − N days). */
export const cutoff = (now: Date, days: number): Date => new Date(now.getTime() - days * DAY_MS);
/** The horizon of close_to_expiry (now + N days). */
export const horizon = (now: Date, days: number): Date => new Date(now.getTime() + days * DAY_MS);

/** Sleeping-with-an-allocation, as a pure rule (the SQL below says the same for many rows). */
export function isAllocatedNotHanded(booklet: { allocatedAt: Date | null; handedAt: Date | null; live: boolean }, now: Date, days: number): boolean {
  return booklet.allocatedAt !== null && booklet.handedAt === null && booklet.live && booklet.allocatedAt <= cutoff(now, days);
}

export function isHandedUnused(booklet: { handedAt: Date | null; redeemedVouchers: number; live: boolean }, now: Date, days: number): boolean {
  return booklet.handedAt !== null && booklet.redeemedVouchers === 0 && booklet.live && booklet.handedAt <= cutoff(now, days);
}

export const hasFewRedemptions = (redemptions: number, minRedemptions: number): boolean => redemptions < minRedemptions;

export function isCloseToExpiry(expiresAt: Date, live: boolean, now: Date, days: number): boolean {
  return live && expiresAt > now && expiresAt <= horizon(now, days);
}

/** Below this many booklets, a commune's row is merged into « autres communes » (no list reaches one person). */
export const SMALL_COMMUNE_BOOKLETS = K_ANONYMITY;
export const OTHER_COMMUNES = 'autres communes';

export interface CommuneCount {
  communeCode: string | null;
  communeName: string;
  booklets: number;
  oldest: Date;
}

/**
 * Per prescriber, its communes with fewer than SMALL_COMMUNE_BOOKLETS booklets merged into one row « autres communes »
 * (booklets summed, oldest kept), placed last; a booklet without a commune goes there too.
 */
export function mergeSmallCommunes<T extends CommuneCount>(rows: T[], merged: (sum: CommuneCount) => T): T[] {
  const kept = rows.filter((r) => r.communeCode !== null && r.booklets >= SMALL_COMMUNE_BOOKLETS);
  const small = rows.filter((r) => !kept.includes(r));
  if (small.length === 0) return kept;
  const booklets = small.reduce((sum, r) => sum + r.booklets, 0);
  const oldest = new Date(Math.min(...small.map((r) => r.oldest.getTime())));
  return [...kept, merged({ communeCode: null, communeName: OTHER_COMMUNES, booklets, oldest })];
}
