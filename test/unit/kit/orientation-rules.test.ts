import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ORIENTATION_RULES, recommend, TOPIC_SERVICES, type DiagnosticResult } from '../../../src/kit/domain/recommendation.js';
import { TOPIC_CODES, type Level, type Topic } from '../../../src/kit/domain/topics.js';
import { fromRoot } from '../../../src/shared/paths.js';

const level = fc.constantFrom<Level>(1, 2, 3);
const resultArbitrary = fc
  .record({
    levels: fc.tuple(...TOPIC_CODES.map(() => level)),
    equipment: fc.subarray(['smartphone', 'computer', 'tablet']),
    internet: fc.constantFrom('home', 'mobile', 'none'),
    feelings: fc.subarray(['fear', 'help', 'urgent']),
  })
  .map(({ levels, equipment, internet, feelings }): DiagnosticResult => {
    const byTopic = Object.fromEntries(TOPIC_CODES.map((t, i) => [t, levels[i]!])) as Record<Topic, Level>;
    const sorted = [...levels].sort();
    return {
      levels: byTopic,
      overall: sorted[2]!,
      obstacles: { equipment: equipment.length ? equipment : ['none'], internet, feelings: feelings.length ? feelings : ['none'] },
    };
  });

const base = (over: Partial<DiagnosticResult> = {}): DiagnosticResult => ({
  levels: { device: 2, internet: 2, messaging: 2, procedures: 2, security: 2 },
  overall: 2,
  obstacles: { equipment: ['smartphone'], internet: 'home', feelings: ['none'] },
  ...over,
});

describe('orientation rules', () => {
  test('workshops and vouchers follow the overall level: 8–10 / 10, 5–6 / 6, none and self-training', () => {
    fc.assert(
      fc.property(resultArbitrary, (result) => {
        const r = recommend(result);
        const expected = { 1: [{ min: 8, max: 10 }, 10], 2: [{ min: 5, max: 6 }, 6], 3: [null, 0] }[result.overall];
        assert.deepEqual([r.workshops, r.vouchers], expected);
        assert.equal(r.selfTraining, result.overall === 3);
        assert.ok(r.advice.length >= 1);
      }),
    );
  });

  test('a helper is proposed exactly when a procedure is urgent and the person is at level 1 in procedures', () => {
    fc.assert(
      fc.property(resultArbitrary, (result) => {
        assert.equal(recommend(result).helperReferral, result.obstacles.feelings.includes('urgent') && result.levels.procedures === 1);
      }),
    );
  });

  test('every weak topic’s service is recommended under level 3; equipment and connection help follow the obstacles', () => {
    fc.assert(
      fc.property(resultArbitrary, (result) => {
        const r = recommend(result);
        if (result.overall < 3) for (const t of TOPIC_CODES.filter((t) => result.levels[t] < 3)) assert.ok(r.services.includes(TOPIC_SERVICES[t]), t);
        assert.equal(r.helpServices.includes('Acquisition de matériel informatique à prix solidaire'), result.obstacles.equipment.includes('none'));
        assert.equal(r.helpServices.includes('Accès internet et matériel informatique'), result.obstacles.internet === 'none');
        assert.equal(new Set(r.services).size, r.services.length);
      }),
    );
  });

  test('examples a prescriber would recognise', () => {
    const scammedRetiree = recommend(base({ levels: { device: 2, internet: 2, messaging: 3, procedures: 3, security: 1 }, overall: 2 }));
    assert.deepEqual(scammedRetiree.services, ['Maîtrise des outils numériques du quotidien', 'Utilisation sécurisée du numérique']);
    const urgent = recommend(base({ levels: { device: 1, internet: 1, messaging: 1, procedures: 1, security: 1 }, overall: 1, obstacles: { equipment: ['none'], internet: 'none', feelings: ['fear', 'urgent'] } }));
    assert.deepEqual(urgent.rules, ['niveau-1', 'themes', 'aidant', 'materiel', 'connexion', 'individuel']);
    assert.equal(urgent.individualSupport, true);
  });

  test('docs/DIAGNOSTIC.md shows the same table as the code', () => {
    const docs = readFileSync(fromRoot('docs', 'DIAGNOSTIC.md'), 'utf8');
    for (const rule of ORIENTATION_RULES) assert.ok(docs.includes(`| \`${rule.id}\` | ${rule.when} | ${rule.then} |`), rule.id);
    const section = docs.slice(docs.indexOf('## 4.'), docs.indexOf('## 5.'));
    const rows = section.split('\n').filter((line) => /^\| `[a-z0-9-]+` \|/.test(line));
    assert.equal(rows.length, ORIENTATION_RULES.length, 'aucune règle en trop dans la documentation');
  });
});
