import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { renderIndicatorsDoc } from '../../../src/pilotage/domain/dictionary-doc.js';
import { DICTIONARY_CHANGELOG, DICTIONARY_VERSION, GROUP_LABELS, INDICATOR_IDS, INDICATORS, isIndicatorId } from '../../../src/pilotage/domain/indicators.js';
import { fromRoot } from '../../../src/shared/paths.js';

const defs = INDICATOR_IDS.map((id) => INDICATORS[id]);

describe('the metric dictionary', () => {
  test('docs/INDICATEURS.md is the rendering of the dictionary (regenerate with scripts/indicators-doc.ts)', () => {
    assert.equal(readFileSync(fromRoot('docs', 'INDICATEURS.md'), 'utf8'), renderIndicatorsDoc());
  });

  test('one definition per id, under its own id, in a known group', () => {
    assert.deepEqual(Object.keys(INDICATORS).sort(), [...INDICATOR_IDS].sort());
    assert.equal(new Set(INDICATOR_IDS).size, INDICATOR_IDS.length);
    for (const def of defs) {
      assert.equal(INDICATORS[def.id].id, def.id);
      assert.ok(def.group in GROUP_LABELS, def.id);
    }
  });

  test('every indicator has a French label, definition and source (typographic apostrophes, a sentence for the definition)', () => {
    for (const def of defs) {
      for (const [field, text] of [['label', def.label], ['definition', def.definition], ['source', def.source]] as const) {
        assert.ok(text.trim().length > 3, `${def.id}.${field} is empty`);
        assert.ok(!text.includes("'"), `${def.id}.${field}: French apostrophe ’ expected`);
        assert.ok(!/\b(the|of|and|per|number|rate)\b/i.test(text), `${def.id}.${field} reads as English: ${text}`);
      }
      assert.match(def.label, /^[A-ZÉÈ]/, `${def.id}: a label starts with a capital`);
      assert.match(def.definition, /^[A-ZÉÈ«].*\.$/s, `${def.id}: a definition is a sentence`);
    }
  });

  test('every rate names two existing indicators (or what it is derived from); flows and medians say what dates them', () => {
    for (const def of defs) {
      if (def.ratio) {
        for (const id of [def.ratio.numerator, def.ratio.denominator]) {
          assert.ok(isIndicatorId(id), `${def.id}: ${id} is not an indicator`);
          assert.notEqual(id, def.id);
          assert.ok(['flow', 'stock'].includes(INDICATORS[id].kind), `${def.id}: ${id} is not additive`);
        }
        assert.equal(def.kind, 'rate', `${def.id} has a ratio but is not a rate`);
      }
      for (const id of def.derivedFrom ?? []) assert.ok(isIndicatorId(id) && id !== def.id, `${def.id}: derived from ${id}`);
      if (def.kind === 'rate') {
        assert.ok(def.ratio || def.derivedFrom?.length, `${def.id}: a rate says what it is computed from`);
        assert.ok(['percent', 'ratio'].includes(def.unit), def.id);
      }
      if (def.kind === 'flow' || def.kind === 'median') assert.ok(def.dated && def.dated.trim().length > 3, `${def.id}: which date places it in a period?`);
      if (def.kind === 'median') assert.equal(def.unit, 'days', def.id);
      if (def.estimate) assert.ok(def.personal, `${def.id}: an estimate of people is personal`);
      if (def.amount) assert.ok(['vouchers', 'euros'].includes(def.unit), `${def.id}: an amount of what?`);
      if (def.openData) assert.equal(def.kind, 'flow', `${def.id}: the open data publishes flows per commune and month`);
    }
  });

  test('the version is semver and the changelog has a line for it', () => {
    assert.match(DICTIONARY_VERSION, /^\d+\.\d+\.\d+$/);
    assert.ok(DICTIONARY_CHANGELOG.some((c) => c.version === DICTIONARY_VERSION), 'a changelog line for the current version');
    for (const c of DICTIONARY_CHANGELOG) assert.match(c.date, /^\d{4}-\d{2}-\d{2}$/);
  });

  test('the document names every indicator and states the privacy rules', () => {
    const doc = renderIndicatorsDoc();
    for (const def of defs) assert.ok(doc.includes(`\`${def.id}\``) && doc.includes(def.definition), def.id);
    assert.match(doc, /## Règles de confidentialité/);
    assert.match(doc, /moins de 5 bénéficiaires distincts/);
    assert.ok(renderIndicatorsDoc([{ title: 'Méthode ajoutée', body: 'Texte.' }]).includes('## Méthode ajoutée\n\nTexte.\n'), 'extra sections are rendered');
  });
});
