import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { Principal } from '../../../src/accounts/domain/principal.js';
import type { Role } from '../../../src/db/schema.js';
import { bankFor, DONT_KNOW_STOP, itemsAnsweredByObstacles, MAX_ITEMS, nextStep, stopsEarly, topicLevels, type Outcome } from '../../../src/kit/domain/engine.js';
import { followUpRefusal } from '../../../src/kit/domain/follow-up.js';
import { ItemBankError, parseItemBank, type ItemBank } from '../../../src/kit/domain/item-bank.js';
import { describeObstacles, EQUIPMENT_CODES, OBSTACLE_QUESTIONS } from '../../../src/kit/domain/obstacles.js';
import { defaultReader, readerOf } from '../../../src/kit/domain/reader.js';
import { adviceFor, CONNECTION_SERVICE, EQUIPMENT_SERVICE, INDIVIDUAL_SUPPORT_MODE, recommend, TOPIC_SERVICES, type DiagnosticResult } from '../../../src/kit/domain/recommendation.js';
import { weekLines } from '../../../src/kit/domain/summary-sheet.js';
import { TOPIC_CODES, type Level, type Topic } from '../../../src/kit/domain/topics.js';
import { loadItemBank } from '../../../src/kit/use-cases/item-bank-file.js';

type Answer = 'right' | 'wrong' | 'nsp';

/** Runs the whole sequence (obstacles, then items) with these obstacle answers and an answering policy. */
function runSteps(bank: ItemBank, obstacles: Record<string, string[]>, answer: (itemId: string, index: number) => Answer) {
  const answered = new Map<string, readonly string[]>();
  const outcomes: Outcome[] = [];
  const asked: string[] = [];
  for (let step = nextStep(bank, { obstacles: answered, outcomes }); step; step = nextStep(bank, { obstacles: answered, outcomes })) {
    if (asked.length > 3 + MAX_ITEMS) throw new Error('le diagnostic ne s’arrête pas');
    if (step.type === 'obstacle') {
      answered.set(step.question.id, obstacles[step.question.id]!);
      asked.push(step.question.id);
      continue;
    }
    const kind = answer(step.item.id, outcomes.length);
    outcomes.push({ itemId: step.item.id, correct: kind === 'right', dontKnow: kind === 'nsp' });
    asked.push(step.item.id);
  }
  return { asked, outcomes, answered };
}

/** Valid banks of any shape whose items may require devices. */
const bankArbitrary = fc
  .tuple(...TOPIC_CODES.map(() => fc.array(fc.record({ level: fc.constantFrom<Level>(1, 2, 3), requires: fc.option(fc.subarray([...EQUIPMENT_CODES], { minLength: 1 }), { nil: undefined }) }), { minLength: 1, maxLength: 6 })))
  .map((ladders) =>
    parseItemBank({
      version: 'test',
      items: ladders.flatMap((items, t) =>
        [...items].sort((a, b) => a.level - b.level).map(({ level, requires }, d) => ({
          id: `${TOPIC_CODES[t]}-${d}`, topic: TOPIC_CODES[t], difficulty: d + 1, level, question: `Question ${t}-${d} ?`,
          choices: [{ id: 'a', text: 'oui' }, { id: 'b', text: 'non' }], answer: 'a', ...(requires ? { requires } : {}),
        })),
      ),
    }),
  );
const equipmentArbitrary: fc.Arbitrary<string[]> = fc.oneof(fc.constant<string[]>(['none']), fc.subarray<string>([...EQUIPMENT_CODES], { minLength: 1 }));
const obstaclesArbitrary = equipmentArbitrary.map((equipment) => ({ equipment, internet: ['home'], feelings: ['none'] }));

describe('the diagnostic’s steps', () => {
  test('whatever the bank, the devices and the answers: obstacles first, never an item the obstacles answer, never twice, and it ends', () => {
    fc.assert(
      fc.property(bankArbitrary, obstaclesArbitrary, fc.func(fc.constantFrom<Answer>('right', 'wrong', 'nsp')), (bank, obstacles, answers) => {
        const { asked, outcomes } = runSteps(bank, obstacles, (id, i) => answers(id, i));
        assert.deepEqual(asked.slice(0, 3), OBSTACLE_QUESTIONS.map((q) => q.id));
        const skipped = itemsAnsweredByObstacles(bank, obstacles.equipment);
        for (const id of asked.slice(3)) {
          assert.ok(!skipped.has(id), `${id} demande un appareil que la personne n’a pas`);
          const requires = bank.byId.get(id)!.requires;
          assert.ok(!requires || requires.some((d) => obstacles.equipment.includes(d)));
        }
        assert.equal(new Set(asked).size, asked.length);
        assert.ok(outcomes.length <= MAX_ITEMS);
      }),
      { numRuns: 400 },
    );
  });

  test('it stops only when everything is settled, at the cap, or after 3 « Je ne sais pas » in a row over two topics', () => {
    fc.assert(
      fc.property(bankArbitrary, obstaclesArbitrary, fc.func(fc.constantFrom<Answer>('right', 'wrong', 'nsp')), (bank, obstacles, answers) => {
        const { outcomes } = runSteps(bank, obstacles, (id, i) => answers(id, i));
        const personal = bankFor(bank, obstacles.equipment);
        if (outcomes.length < MAX_ITEMS && !stopsEarly(personal, outcomes)) {
          // Nothing left: without the early stop and the cap, the engine has no question either.
          const withoutDontKnow = outcomes.map((o) => ({ ...o, dontKnow: false }));
          assert.equal(nextStep(bank, { obstacles: new Map(Object.entries(obstacles)), outcomes: withoutDontKnow }, 1000), null);
        }
        if (stopsEarly(personal, outcomes)) {
          const last = outcomes.slice(-DONT_KNOW_STOP);
          assert.ok(last.every((o) => o.dontKnow));
          assert.ok(new Set(last.map((o) => personal.byId.get(o.itemId)!.topic)).size >= 2);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('the early stop: always « Je ne sais pas » ends after 3 items, every topic at level 1', () => {
    const bank = loadItemBank();
    const { asked, outcomes } = runSteps(bank, { equipment: ['smartphone'], internet: ['home'], feelings: ['none'] }, () => 'nsp');
    assert.equal(outcomes.length, DONT_KNOW_STOP);
    assert.equal(asked.length, 3 + DONT_KNOW_STOP);
    assert.equal(new Set(outcomes.map((o) => bank.byId.get(o.itemId)!.topic)).size, 3, 'trois thèmes');
    assert.ok(Object.values(topicLevels(bank, outcomes)).every((level) => level === 1));
    // Wrong answers (not « Je ne sais pas ») never stop early: the person tries, the engine keeps measuring.
    assert.equal(runSteps(bank, { equipment: ['smartphone'], internet: ['home'], feelings: ['none'] }, () => 'wrong').outcomes.length, 10);
    // A « Je ne sais pas » streak broken by an answer starts again.
    const broken = runSteps(bank, { equipment: ['smartphone'], internet: ['home'], feelings: ['none'] }, (_id, i) => (i === 2 ? 'wrong' : 'nsp'));
    assert.ok(broken.outcomes.length > DONT_KNOW_STOP);
    assert.ok(stopsEarly(bank, broken.outcomes) || broken.outcomes.length === MAX_ITEMS || broken.outcomes.length === 10);
  });

  test('no device: no question about a device; a computer only: no question about a phone or a touch screen', () => {
    const bank = loadItemBank();
    const everyoneRight = () => 'right' as const;
    const none = runSteps(bank, { equipment: ['none'], internet: ['none'], feelings: ['none'] }, everyoneRight);
    assert.ok(none.asked.every((id) => bank.byId.get(id)?.topic !== 'device'), none.asked.join(', '));
    assert.equal(topicLevels(bankFor(bank, ['none']), none.outcomes).device, 1, 'sans appareil, le thème reste au niveau 1');
    const computer = runSteps(bank, { equipment: ['computer'], internet: ['home'], feelings: ['none'] }, everyoneRight);
    const deviceItems = computer.asked.filter((id) => bank.byId.get(id)?.topic === 'device');
    assert.deepEqual(deviceItems, ['appareil-bloque']);
    const phone = runSteps(bank, { equipment: ['smartphone'], internet: ['home'], feelings: ['none'] }, everyoneRight);
    assert.ok(phone.asked.filter((id) => bank.byId.get(id)?.topic === 'device').length >= 2, 'avec un smartphone, les questions sur l’appareil sont posées');
  });

  test('the items file checks the devices an item requires, in French', () => {
    assert.deepEqual([...EQUIPMENT_CODES], OBSTACLE_QUESTIONS[0].choices.map((c) => c.id).filter((id) => id !== 'none'));
    const item = { id: 'appareil-x', topic: 'device', difficulty: 1, level: 1, question: 'Une question ?', choices: [{ id: 'a', text: 'oui' }, { id: 'b', text: 'non' }], answer: 'a' };
    const others = TOPIC_CODES.filter((t) => t !== 'device').map((topic, i) => ({ ...item, id: `autre-${i}`, topic }));
    assert.throws(
      () => parseItemBank({ version: 'v', items: [{ ...item, requires: ['minitel'] }, ...others] }),
      (error: ItemBankError) => error.problems.some((p) => /question appareil-x \(requires\.0\) : appareil inconnu/.test(p)),
    );
    assert.equal(parseItemBank({ version: 'v', items: [{ ...item, requires: ['tablet'] }, ...others] }).byId.get('appareil-x')!.requires![0], 'tablet');
  });
});

const level = fc.constantFrom<Level>(1, 2, 3);
const resultArbitrary = fc
  .record({
    levels: fc.tuple(...TOPIC_CODES.map(() => level)),
    equipment: fc.subarray([...EQUIPMENT_CODES]),
    internet: fc.constantFrom('home', 'mobile', 'none'),
    feelings: fc.subarray(['fear', 'help', 'urgent']),
  })
  .map(({ levels, equipment, internet, feelings }): DiagnosticResult => ({
    levels: Object.fromEntries(TOPIC_CODES.map((t, i) => [t, levels[i]!])) as Record<Topic, Level>,
    overall: [...levels].sort()[2]!,
    obstacles: { equipment: equipment.length ? equipment : ['none'], internet, feelings: feelings.length ? feelings : ['none'] },
  }));

const principalWith = (...roles: Role[]): Principal => ({
  userId: 1, email: 'x@test.fr', displayName: 'x',
  memberships: roles.map((role, i) => ({ organisationId: i + 1, organisationName: 'o', role, isOrgAdmin: false, departements: [] })),
});

describe('the reader of the advice', () => {
  test('the welcome step’s default follows the role; a choice wins; an unknown value falls back to the default', () => {
    assert.equal(defaultReader(null), 'person');
    for (const role of ['prescriber', 'mediator', 'helper'] as Role[]) assert.equal(defaultReader(principalWith(role)), 'professional', role);
    for (const role of ['funder', 'hub', 'admin'] as Role[]) assert.equal(defaultReader(principalWith(role)), 'person', role);
    assert.equal(readerOf('person', principalWith('prescriber')), 'person');
    assert.equal(readerOf('professional', null), 'professional');
    assert.equal(readerOf('quelqu’un', principalWith('mediator')), 'professional');
    assert.equal(readerOf(undefined, null), 'person');
  });

  test('every advice exists for both readers: « vous » for the person, « la personne » for the professional', () => {
    fc.assert(
      fc.property(resultArbitrary, (result) => {
        const recommendation = recommend(result);
        const person = adviceFor(recommendation, 'person').map((a) => a.text);
        const professional = adviceFor(recommendation, 'professional').map((a) => a.text);
        assert.deepEqual(person, recommendation.advice, 'les mots de la personne restent ceux de l’API');
        assert.equal(professional.length, person.length);
        for (const text of professional) assert.ok(!/\b(vous|votre|vos)\b/i.test(text), `au professionnel : ${text}`);
        assert.ok(professional.some((text) => /la personne/i.test(text)));
        for (const text of describeObstacles(result.obstacles, 'professional')) assert.ok(/^La personne /.test(text), text);
        for (const text of describeObstacles(result.obstacles, 'person')) assert.ok(/^Vous /.test(text), text);
      }),
    );
  });

  test('each advice links to the places that match it, the self-training to nothing', () => {
    fc.assert(
      fc.property(resultArbitrary, (result) => {
        const recommendation = recommend(result);
        for (const [index, line] of adviceFor(recommendation, 'person').entries()) {
          const target = recommendation.items![index]!.target;
          if (target === 'self_training') assert.equal(line.search, null);
          else assert.ok(line.search && line.search.label.startsWith('Trouver un lieu'));
          if (target === 'helper') assert.deepEqual(line.search!.services, [TOPIC_SERVICES.procedures]);
          if (target === 'equipment') assert.deepEqual(line.search!.services, [EQUIPMENT_SERVICE]);
          if (target === 'connection') assert.deepEqual(line.search!.services, [CONNECTION_SERVICE]);
          if (target === 'individual') assert.deepEqual(line.search!.supportModes, [INDIVIDUAL_SUPPORT_MODE]);
          if (target === 'workshops' || target === 'topics') {
            assert.deepEqual(line.search!.services, recommendation.services);
            assert.equal(line.search!.acceptsPass, recommendation.vouchers > 0);
          }
        }
      }),
    );
  });

  test('a recommendation frozen before the two wordings keeps its words and links nowhere', () => {
    const old = { ...recommend({ levels: { device: 1, internet: 1, messaging: 1, procedures: 1, security: 1 }, overall: 1, obstacles: { equipment: ['none'], internet: 'none', feelings: ['none'] } }) };
    delete old.items;
    assert.deepEqual(adviceFor(old, 'professional'), old.advice.map((text) => ({ text, search: null })));
  });
});

describe('the follow-up diagnostic', () => {
  test('refused before the booklet is handed and before any voucher has paid a workshop, in French', () => {
    assert.equal(followUpRefusal({ handed: false, usedVouchers: 0 })?.code, 'carnet_non_remis');
    const before = followUpRefusal({ handed: true, usedVouchers: 0 })!;
    assert.equal(before.code, 'aucun_atelier');
    assert.equal(before.kind, 'conflict');
    assert.match(before.message, /après votre premier atelier/);
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), (used) => followUpRefusal({ handed: true, usedVouchers: used }) === null));
  });
});

describe('the week on paper', () => {
  const week = (texts: string[]) => ['Lundi', 'Mardi', 'Mercredi', 'Jeudi', 'Vendredi', 'Samedi', 'Dimanche'].map((day, i) => ({ day, today: i === 2, text: texts[i]! }));

  test('days with the same hours go together, three in a row as a range, never « now »', () => {
    assert.deepEqual(weekLines(week(['9 h – 12 h', '9 h – 12 h', '9 h – 12 h', '9 h – 12 h', '9 h – 12 h', 'fermé', 'fermé'])), [
      'Du lundi au vendredi : 9 h – 12 h',
      'Samedi et dimanche : fermé',
    ]);
    assert.deepEqual(weekLines(week(['fermé', '10 h – 18 h', '10 h – 18 h', '10 h – 18 h', '10 h – 18 h', '10 h – 18 h', 'fermé'])), [
      'Lundi et dimanche : fermé',
      'Du mardi au samedi : 10 h – 18 h',
    ]);
    assert.deepEqual(weekLines(week(['fermé', '14 h – 19 h', '10 h – 18 h', '14 h – 19 h', '14 h – 19 h', '10 h – 18 h', 'fermé'])), [
      'Lundi et dimanche : fermé',
      'Mardi, jeudi et vendredi : 14 h – 19 h',
      'Mercredi et samedi : 10 h – 18 h',
    ]);
  });

  test('whatever the week, each day is told once and nothing says « maintenant »', () => {
    const text = fc.constantFrom('fermé', '9 h – 12 h', '14 h – 17 h', '9 h – 12 h, 14 h – 17 h');
    fc.assert(
      fc.property(fc.array(text, { minLength: 7, maxLength: 7 }), (texts) => {
        const lines = weekLines(week(texts));
        assert.ok(lines.length <= 7 && lines.length === new Set(texts).size);
        assert.ok(lines.every((line) => !/maintenant/.test(line)));
        const told = lines.join(' ').toLowerCase();
        for (const day of ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']) {
          const ranged = /du (\w+) au (\w+)/g;
          const inRange = [...told.matchAll(ranged)].some((m) => {
            const order = ['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche'];
            return order.indexOf(m[1]!) <= order.indexOf(day) && order.indexOf(day) <= order.indexOf(m[2]!);
          });
          assert.ok(told.includes(day) || inRange, `${day} manque dans ${lines.join(' | ')}`);
        }
      }),
    );
  });
});

