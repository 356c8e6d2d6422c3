import type { Item, ItemBank } from './item-bank.js';
import { OBSTACLE_QUESTIONS, type ObstacleQuestion } from './obstacles.js';
import { TOPIC_CODES, type Level, type Topic } from './topics.js';

/**
 * The adaptive engine, pure: everything follows from the bank and the outcomes so far, so any instance can serve
 * the next screen. On a ladder (a topic's items, easiest first) a success settles the easier items as passed and a
 * failure settles the harder ones as failed. The next item is the one that settles the most untested items
 * whatever the answer (then the most in total, then the topic least asked, then the easier): a binary search on each
 * ladder. The diagnostic stops when nothing is left to settle, after MAX_ITEMS items, or early (stopsEarly) when
 * the person keeps answering « Je ne sais pas ». Items the obstacles already answer are never asked (bankFor).
 */
export const MAX_ITEMS = 12;

export interface Outcome {
  itemId: string;
  correct: boolean;
  /** Answered « Je ne sais pas » (which counts as a failure). */
  dontKnow?: boolean;
}

/**
 * The early stop: after DONT_KNOW_STOP answers « Je ne sais pas » in a row, to items of at least two topics, the
 * diagnostic ends. The person is not made to face more questions they cannot answer; the topics not settled count
 * at level 1, as after a failure. Two topics at least, so that one unknown topic alone never cuts the others short
 * (the engine moves from topic to topic, so three in a row are in practice three topics).
 */
export const DONT_KNOW_STOP = 3;

export function stopsEarly(bank: ItemBank, outcomes: readonly Outcome[]): boolean {
  if (outcomes.length < DONT_KNOW_STOP) return false;
  const last = outcomes.slice(-DONT_KNOW_STOP);
  if (!last.every((o) => o.dontKnow === true)) return false;
  return new Set(last.map((o) => bank.byId.get(o.itemId)?.topic ?? o.itemId)).size >= 2;
}

/**
 * Items the obstacles step already answers: an item that `requires` devices the person has none of (no device at
 * all, or no smartphone for a touch-screen item) is never asked.
 */
export function itemsAnsweredByObstacles(bank: ItemBank, equipment: readonly string[]): Set<string> {
  return new Set(bank.items.filter((item) => item.requires && !item.requires.some((device) => equipment.includes(device))).map((item) => item.id));
}

/**
 * The bank as the engine sees it for this person: without the items their obstacles answer. A topic left without
 * items stays at level 1 (nothing is shown passed), which is what having no device for it means.
 */
export function bankFor(bank: ItemBank, equipment: readonly string[] | undefined): ItemBank {
  if (equipment === undefined) return bank;
  const skipped = itemsAnsweredByObstacles(bank, equipment);
  if (skipped.size === 0) return bank;
  const items = bank.items.filter((item) => !skipped.has(item.id));
  return {
    version: bank.version,
    items,
    byId: new Map(items.map((item) => [item.id, item])),
    ladders: new Map([...bank.ladders].map(([topic, ladder]) => [topic, ladder.filter((item) => !skipped.has(item.id))])),
  };
}

/** Where a diagnostic stands: the obstacle answers (by question) and the item outcomes, in order. */
export interface Progress {
  obstacles: ReadonlyMap<string, readonly string[]>;
  outcomes: readonly Outcome[];
}

export type Step = { type: 'obstacle'; question: ObstacleQuestion } | { type: 'item'; item: Item };

/** The whole sequence: the obstacle questions in order, then the engine's items on the person's bank; null at the end. */
export function nextStep(bank: ItemBank, progress: Progress, maxItems = MAX_ITEMS): Step | null {
  const pending = OBSTACLE_QUESTIONS.find((q) => !progress.obstacles.has(q.id));
  if (pending) return { type: 'obstacle', question: pending };
  const item = nextItem(bankFor(bank, progress.obstacles.get('equipment')), progress.outcomes, maxItems);
  return item ? { type: 'item', item } : null;
}

export type Verdict = 'passed' | 'failed';

export function settledItems(bank: ItemBank, outcomes: readonly Outcome[]): Map<string, Verdict> {
  const own = new Map(outcomes.map((o) => [o.itemId, o.correct ? 'passed' : 'failed'] as const));
  const settled = new Map<string, Verdict>();
  for (const ladder of bank.ladders.values()) {
    const hardestPassed = ladder.reduce((last, item, index) => (own.get(item.id) === 'passed' ? index : last), -1);
    const failedAt = ladder.findIndex((item) => own.get(item.id) === 'failed');
    const easiestFailed = failedAt === -1 ? Infinity : failedAt;
    ladder.forEach((item, index) => {
      const verdict = own.get(item.id);
      if (verdict) settled.set(item.id, verdict);
      else if (index <= hardestPassed && index < easiestFailed) settled.set(item.id, 'passed');
      else if (index >= easiestFailed && index > hardestPassed) settled.set(item.id, 'failed');
    });
  }
  return settled;
}

interface Candidate {
  item: Item;
  score: number[];
}

const better = (a: number[], b: number[]) => {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k]! > b[k]!;
  return false;
};

export function nextItem(bank: ItemBank, outcomes: readonly Outcome[], maxItems = MAX_ITEMS): Item | null {
  if (outcomes.length >= maxItems || stopsEarly(bank, outcomes)) return null;
  const settled = settledItems(bank, outcomes);
  let best: Candidate | null = null;
  TOPIC_CODES.forEach((topic, topicIndex) => {
    const ladder = bank.ladders.get(topic) ?? [];
    const asked = outcomes.filter((o) => bank.byId.get(o.itemId)?.topic === topic).length;
    const untested = ladder.flatMap((item, index) => (settled.has(item.id) ? [] : [index]));
    for (const index of untested) {
      const ifPassed = untested.filter((u) => u <= index).length;
      const ifFailed = untested.filter((u) => u >= index).length;
      const score = [Math.min(ifPassed, ifFailed), ifPassed + ifFailed, -asked, -topicIndex, -index];
      if (!best || better(score, best.score)) best = { item: ladder[index]!, score };
    }
  });
  return (best as Candidate | null)?.item ?? null;
}

/** A topic's level: that of the hardest item settled as passed; level 1 when none is. */
export function topicLevels(bank: ItemBank, outcomes: readonly Outcome[]): Record<Topic, Level> {
  const settled = settledItems(bank, outcomes);
  const levels = {} as Record<Topic, Level>;
  for (const topic of TOPIC_CODES) {
    const passed = (bank.ladders.get(topic) ?? []).filter((item) => settled.get(item.id) === 'passed');
    levels[topic] = passed.at(-1)?.level ?? 1;
  }
  return levels;
}

/** The overall level is the one reached in most topics: the median (the lower one for an even count). */
export function overallLevel(levels: Record<Topic, Level>): Level {
  const sorted = Object.values(levels).sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** How many more items at most, for "question 4 sur 10 environ": a binary search per ladder, within the cap. */
export function estimatedTotal(bank: ItemBank, outcomes: readonly Outcome[], maxItems = MAX_ITEMS): number {
  const settled = settledItems(bank, outcomes);
  let remaining = 0;
  for (const ladder of bank.ladders.values()) {
    const untested = ladder.filter((item) => !settled.has(item.id)).length;
    remaining += Math.ceil(Math.log2(untested + 1));
  }
  return Math.min(outcomes.length + remaining, maxItems);
}
