import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { MAX_ITEMS, nextItem, overallLevel, topicLevels, type Outcome } from '../../../src/kit/domain/engine.js';
import { ItemBankError, parseItemBank, type ItemBank } from '../../../src/kit/domain/item-bank.js';
import { TOPIC_CODES, type Level, type Topic } from '../../../src/kit/domain/topics.js';
import { loadItemBank } from '../../../src/kit/use-cases/item-bank-file.js';

/** Runs the engine to its end with an answering policy; returns the items asked in order. */
function run(bank: ItemBank, answers: (itemId: string) => boolean): Outcome[] {
  const outcomes: Outcome[] = [];
  for (let item = nextItem(bank, outcomes); item; item = nextItem(bank, outcomes)) {
    outcomes.push({ itemId: item.id, correct: answers(item.id) });
    if (outcomes.length > 100) throw new Error('le moteur ne s’arrête pas');
  }
  return outcomes;
}

/** Valid banks of any shape: 1 to 7 items per topic, levels never decreasing along a ladder. */
const bankArbitrary = fc
  .tuple(...TOPIC_CODES.map(() => fc.array(fc.constantFrom<Level>(1, 2, 3), { minLength: 1, maxLength: 7 })))
  .map((ladders) =>
    parseItemBank({
      version: 'test',
      items: ladders.flatMap((levels, t) =>
        [...levels].sort().map((level, d) => ({
          id: `${TOPIC_CODES[t]}-${d}`, topic: TOPIC_CODES[t], difficulty: d + 1, level, question: `Question ${t}-${d} ?`,
          choices: [{ id: 'a', text: 'oui' }, { id: 'b', text: 'non' }], answer: 'a',
        })),
      ),
    }),
  );

describe('adaptive engine', () => {
  test('on any bank and any answers it ends, never asks an item twice and never more than 12', () => {
    fc.assert(
      fc.property(bankArbitrary, fc.func(fc.boolean()), (bank, answers) => {
        const asked = run(bank, answers).map((o) => o.itemId);
        assert.ok(asked.length <= MAX_ITEMS);
        assert.equal(new Set(asked).size, asked.length);
        assert.ok(asked.every((id) => bank.byId.has(id)));
      }),
      { numRuns: 300 },
    );
  });

  test('it stops only when every item is settled or the cap is reached', () => {
    fc.assert(
      fc.property(bankArbitrary, fc.func(fc.boolean()), (bank, answers) => {
        const outcomes = run(bank, answers);
        if (outcomes.length < MAX_ITEMS) {
          // Nothing left: every item is answered or implied by an answer on its ladder.
          assert.equal(nextItem(bank, outcomes, 1000), null);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('all right gives each topic the level of its hardest item; all wrong gives level 1', () => {
    fc.assert(
      fc.property(bankArbitrary, (bank) => {
        // Binary search needs ceil(log2(n + 1)) items per ladder: only banks that fit under the cap can reach the top.
        fc.pre([...bank.ladders.values()].reduce((sum, ladder) => sum + Math.ceil(Math.log2(ladder.length + 1)), 0) <= MAX_ITEMS);
        const right = topicLevels(bank, run(bank, () => true));
        const wrong = topicLevels(bank, run(bank, () => false));
        for (const topic of TOPIC_CODES) {
          const ladder = bank.ladders.get(topic)!;
          assert.equal(right[topic], ladder.at(-1)!.level, topic);
          assert.equal(wrong[topic], 1);
        }
      }),
      { numRuns: 200 },
    );
  });

  test('with the bundled items, everything right is level 3 and everything wrong level 1, in 10 items', () => {
    const bank = loadItemBank();
    const right = run(bank, () => true);
    const wrong = run(bank, () => false);
    assert.equal(overallLevel(topicLevels(bank, right)), 3);
    assert.equal(overallLevel(topicLevels(bank, wrong)), 1);
    assert.equal(right.length, 10);
    assert.equal(wrong.length, 10);
  });

  /** A seeded population (the same on every run) answering with slips and lucky guesses; the share classified right. */
  function classifiedRight(unevenShare: number): number {
    const bank = loadItemBank();
    let seed = 20180913;
    const random = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const PEOPLE = 2000;
    const SLIP = 0.05; // knows, but taps the wrong answer
    const GUESS = 0.15; // does not know, guesses right instead of « Je ne sais pas »
    let correct = 0;
    for (let person = 0; person < PEOPLE; person++) {
      const base = (1 + Math.floor(random() * 3)) as Level;
      const truth = Object.fromEntries(TOPIC_CODES.map((t) => {
        const shift = random() < unevenShare ? (random() < 0.5 ? -1 : 1) : 0;
        return [t, Math.min(3, Math.max(1, base + shift)) as Level];
      })) as Record<Topic, Level>;
      const outcomes = run(bank, (itemId) => {
        const item = bank.byId.get(itemId)!;
        return item.level <= truth[item.topic] ? random() > SLIP : random() < GUESS;
      });
      if (overallLevel(topicLevels(bank, outcomes)) === overallLevel(truth)) correct++;
    }
    return correct / PEOPLE;
  }

  test('a simulated population of known levels is classified right at least 90 % of the time', () => {
    const even = classifiedRight(0);
    // Real people are uneven: here one topic in five sits a level above or below their usual level.
    const uneven = classifiedRight(0.2);
    console.log(`# population simulée : ${(even * 100).toFixed(1)} % (niveau égal partout), ${(uneven * 100).toFixed(1)} % (un thème sur cinq décalé)`);
    assert.ok(even >= 0.9, `niveau égal : ${(even * 100).toFixed(1)} %`);
    assert.ok(uneven >= 0.9, `niveaux inégaux : ${(uneven * 100).toFixed(1)} %`);
  });

  test('the overall level is the one reached in most topics', () => {
    assert.equal(overallLevel({ device: 3, internet: 3, messaging: 2, procedures: 1, security: 2 }), 2);
    assert.equal(overallLevel({ device: 1, internet: 1, messaging: 3, procedures: 3, security: 1 }), 1);
  });
});

describe('items file', () => {
  const item = (over: Record<string, unknown> = {}) => ({ id: 'appareil-x', topic: 'device', difficulty: 1, level: 1, question: 'Une question ?', choices: [{ id: 'a', text: 'oui' }, { id: 'b', text: 'non' }], answer: 'a', ...over });
  const problems = (raw: unknown) => {
    try {
      parseItemBank(raw);
      return [];
    } catch (error) {
      assert.ok(error instanceof ItemBankError);
      return error.problems;
    }
  };

  test('the bundled file is valid and covers every topic', () => {
    const bank = loadItemBank();
    for (const topic of TOPIC_CODES) assert.ok(bank.ladders.get(topic)!.length >= 3, topic);
  });

  test('every problem is listed at once, in French, naming the item', () => {
    const found = problems({
      version: 'v',
      items: [
        item(),
        item({ difficulty: 2, level: 1, answer: 'z' }),
        item({ id: 'x', topic: 'cooking' }),
      ],
    });
    assert.ok(found.some((p) => /question x .*thème inconnu/.test(p)), found.join('\n'));
    assert.ok(found.some((p) => /identifiant/.test(p)), found.join('\n'));
    const cross = problems({ version: 'v', items: [item(), item({ difficulty: 2, level: 1, answer: 'z' }), item({ id: 'appareil-y', difficulty: 3, level: 3 }), item({ id: 'appareil-z', difficulty: 4, level: 2 })] });
    assert.ok(cross.includes('appareil-x : identifiant en double'), cross.join('\n'));
    assert.ok(cross.includes('appareil-x : la bonne réponse « z » n’est pas un des choix'), cross.join('\n'));
    assert.ok(cross.some((p) => /appareil-z est plus difficile que appareil-y mais d’un niveau inférieur/.test(p)), cross.join('\n'));
    assert.ok(cross.includes('thème security : aucune question'), cross.join('\n'));
  });
});
