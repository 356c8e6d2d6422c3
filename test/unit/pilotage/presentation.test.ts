import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { IndicatorReport, IndicatorValue } from '../../../src/pilotage/domain/filters.js';
import { INDICATOR_IDS, type IndicatorId } from '../../../src/pilotage/domain/indicators.js';
import { breakdownTable, formatValue, FUNNEL, reportCards, reportFunnel } from '../../../src/pilotage/use-cases/presentation.js';
import { indicatorsCsv } from '../../../src/pilotage/use-cases/report-files.js';

const NNBSP = '\u202f';
const NBSP = '\u00a0';

function report(values: Partial<Record<IndicatorId, IndicatorValue>> = {}, breakdown: IndicatorReport['breakdown'] = null): IndicatorReport {
  return {
    filter: { level: 'france', code: null, from: '2026-01-01', to: '2026-12-31', funder: null, prescriber: null, place: null, programme: null, breakdown: breakdown?.by ?? null },
    dictionaryVersion: '1.0.0',
    territoryLabel: 'France',
    updatedAt: '2026-12-04T10:00:00Z',
    values: Object.fromEntries(INDICATOR_IDS.map((id) => [id, values[id] ?? { value: 0 }])) as IndicatorReport['values'],
    breakdown,
    audience: 'shared',
  };
}

describe('pilotage: the numbers as people read them', () => {
  test('counts, percentages, days, euros and ratios are written in French', () => {
    assert.equal(formatValue('vouchers_redeemed', { value: 1234567, amountCents: 123456700 }).text, `1${NNBSP}234${NNBSP}567`);
    assert.equal(formatValue('vouchers_redeemed', { value: 12, amountCents: 12000 }).amount, `120,00${NBSP}€`);
    assert.equal(formatValue('use_rate', { value: 45.55 }).text, `45,6${NNBSP}%`);
    assert.equal(formatValue('goal_progress', { value: 0.02 }).text, `moins de 0,1${NNBSP}%`, 'a small share is not « 0 % »');
    assert.equal(formatValue('goal_progress', { value: 0 }).text, `0${NNBSP}%`);
    assert.equal(formatValue('delay_allocation_to_handout', { value: 1 }).text, `1${NBSP}jour`);
    assert.equal(formatValue('delay_allocation_to_handout', { value: 12.5 }).text, `12,5${NBSP}jours`);
    assert.equal(formatValue('money_ordered', { value: 200000, amountCents: 200000 }).text, `2${NNBSP}000,00${NBSP}€`);
    assert.equal(formatValue('leverage_per_state_euro', { value: 4 }).text, '4');
    assert.equal(formatValue('training_hours', { value: 10.5 }).text, `10,5${NBSP}h`);
    assert.equal(formatValue('use_rate', { value: null }).text, '—');
  });

  test('a withheld value says so (« < 5 », « masqué ») with its reason, never a number', () => {
    const small = formatValue('people_reached', { value: null, suppressed: 'small_cell', beneficiaries: 3 });
    assert.equal(small.text, '< 5');
    assert.match(small.reason!, /moins de 5 personnes/);
    const complementary = formatValue('people_reached', { value: null, suppressed: 'complementary' });
    assert.equal(complementary.text, 'masqué');
    assert.equal(formatValue('anonymous_participants', { value: 40, estimate: true }).estimate, true);
    assert.equal(formatValue('anonymous_participants', { value: 40 }).estimate, true, 'the dictionary flags it');
    assert.equal(formatValue('people_reached', { value: 40, rounded: true }).text, 'environ 40');
  });

  test('a whole count reads back as itself once its separators are removed (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 2_000_000_000 }), (n) => {
      const text = formatValue('vouchers_handed', { value: n }).text;
      assert.equal(Number(text.replaceAll(NNBSP, '')), n);
      assert.doesNotMatch(text, /[ ,.]/);
    }));
  });

  test('cards follow the dictionary, grouped, each with its definition and source', () => {
    const groups = reportCards(report({ vouchers_issued: { value: 100, amountCents: 100000 } }));
    const cards = groups.flatMap((g) => g.cards);
    assert.deepEqual(cards.map((c) => c.id).sort(), [...INDICATOR_IDS].sort());
    assert.ok(cards.every((c) => c.definition && c.source));
    assert.equal(groups[0]!.label, 'Pass numérique');
    assert.equal(cards.find((c) => c.id === 'vouchers_issued')!.value.text, '100');
  });

  test('the funnel goes from issued to reimbursed with the rate into each step and its median delays', () => {
    const funnel = reportFunnel(report({ vouchers_handed: { value: 50 }, handout_rate: { value: 62.5 }, delay_allocation_to_handout: { value: 9 } }));
    assert.deepEqual(funnel.map((s) => s.id), ['vouchers_issued', 'vouchers_activated', 'vouchers_allocated', 'vouchers_handed', 'vouchers_redeemed', 'vouchers_reimbursed']);
    const handed = funnel[3]!;
    assert.equal(handed.rate!.value.text, `62,5${NNBSP}%`);
    assert.equal(handed.delays[0]!.value.text, `9${NBSP}jours`);
    assert.equal(FUNNEL.length, 6);
  });

  test('a territory breakdown links each row to its drill-down, with the period kept, and writes its shares', () => {
    const r = report({}, {
      by: 'territory', indicators: ['vouchers_redeemed'],
      rows: [
        { key: '52', label: 'Pays de la Loire', drill: { level: 'region', code: '52' }, values: { vouchers_redeemed: { value: 30 } }, shares: { vouchers_redeemed: 75 } },
        { key: '53', label: 'Bretagne', drill: { level: 'region', code: '53' }, values: { vouchers_redeemed: { value: null, suppressed: 'small_cell' } }, shares: { vouchers_redeemed: null } },
      ],
    });
    const table = breakdownTable(r)!;
    assert.equal(table.rows[0]!.href, '/pilotage?level=region&code=52&from=2026-01-01&to=2026-12-31&breakdown=territory');
    assert.equal(table.rows[0]!.cells[0]!.shareText, `75${NNBSP}%`);
    assert.equal(table.rows[1]!.cells[0]!.value.text, '< 5');
    // The CSV leaves a withheld cell empty and says why.
    const csv = indicatorsCsv(r).content;
    assert.match(csv, /par territoire;53;Bretagne;Chèques encaissés;vouchers_redeemed;;chèques;;;moins de 5 personnes/);
    assert.match(csv, /par territoire;52;Pays de la Loire;Chèques encaissés;vouchers_redeemed;30;chèques;;75;/);
  });
});
