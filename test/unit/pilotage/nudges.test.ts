import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isoWeekKey, nudgeLink, nudgeRecipientRule, periodKey, type NudgeFacts } from '../../../src/pilotage/domain/nudges.js';
import { cutoff, DEFAULT_NUDGE_SETTINGS, hasFewRedemptions, isAllocatedNotHanded, isCloseToExpiry, isHandedUnused, mergeSmallCommunes, OTHER_COMMUNES } from '../../../src/pilotage/domain/sleeping.js';
import { effectText, nudgeText } from '../../../src/pilotage/use-cases/nudge-texts.js';
import { PASS_PERMISSIONS } from '../../../src/pass/domain/policies.js';
import { validateNudgeSetting } from '../../../src/pilotage/use-cases/nudges.js';
import { DomainError } from '../../../src/shared/errors.js';

const NOW = new Date('2025-11-20T10:00:00Z');
const DAY = 86_400_000;
const facts = (over: Partial<NudgeFacts>): NudgeFacts => ({ kind: 'allocated_not_handed', organisationId: 1, organisationName: 'CAF de Nantes', holder: 'prescriber', periodKey: '2025-W47', thresholdDays: 45, count: 12, since: '2025-09-01T08:00:00Z', ...over });

describe('sleeping thresholds', () => {
  test('the defaults of the issue', () => {
    assert.deepEqual(Object.values(DEFAULT_NUDGE_SETTINGS).map((s) => [s.kind, s.thresholdDays]), [['allocated_not_handed', 45], ['handed_unused', 60], ['few_redemptions', 90], ['close_to_expiry', 30]]);
  });
  test('allocated not handed: from N days on, only if not handed and live', () => {
    const at = (days: number) => new Date(NOW.getTime() - days * DAY);
    assert.equal(isAllocatedNotHanded({ allocatedAt: at(45), handedAt: null, live: true }, NOW, 45), true);
    assert.equal(isAllocatedNotHanded({ allocatedAt: new Date(at(45).getTime() + 1), handedAt: null, live: true }, NOW, 45), false);
    assert.equal(isAllocatedNotHanded({ allocatedAt: at(50), handedAt: at(1), live: true }, NOW, 45), false);
    assert.equal(isAllocatedNotHanded({ allocatedAt: at(50), handedAt: null, live: false }, NOW, 45), false);
    fc.assert(fc.property(fc.integer({ min: 1, max: 365 }), fc.integer({ min: 0, max: 800 }), (days, age) => isAllocatedNotHanded({ allocatedAt: at(age), handedAt: null, live: true }, NOW, days) === age >= days));
  });
  test('handed unused, few redemptions, close to expiry', () => {
    assert.equal(isHandedUnused({ handedAt: new Date(NOW.getTime() - 61 * DAY), redeemedVouchers: 0, live: true }, NOW, 60), true);
    assert.equal(isHandedUnused({ handedAt: new Date(NOW.getTime() - 61 * DAY), redeemedVouchers: 1, live: true }, NOW, 60), false);
    assert.deepEqual([hasFewRedemptions(4, 5), hasFewRedemptions(5, 5)], [true, false]);
    assert.equal(isCloseToExpiry(new Date(NOW.getTime() + 30 * DAY), true, NOW, 30), true);
    assert.equal(isCloseToExpiry(new Date(NOW.getTime() + 30 * DAY + 1), true, NOW, 30), false);
    assert.equal(isCloseToExpiry(new Date(NOW.getTime() - 1), true, NOW, 30), false, 'expired is not close to expiry');
    assert.equal(cutoff(NOW, 1).getTime(), NOW.getTime() - DAY);
  });
  test('small communes merge into « autres communes », never shown alone', () => {
    const row = (communeCode: string | null, booklets: number) => ({ communeCode, communeName: communeCode ?? '?', booklets, oldest: new Date(NOW.getTime() - booklets * DAY) });
    const merged = mergeSmallCommunes([row('44109', 7), row('44184', 2), row('44020', 4), row(null, 1)], (sum) => sum);
    assert.deepEqual(merged.map((r) => [r.communeName, r.booklets]), [['44109', 7], [OTHER_COMMUNES, 7]]);
    fc.assert(
      fc.property(fc.array(fc.record({ code: fc.constantFrom('a', 'b', 'c', 'd', 'e'), n: fc.integer({ min: 1, max: 12 }) }), { maxLength: 5 }), (cells) => {
        const unique = [...new Map(cells.map((c) => [c.code, c])).values()];
        const out = mergeSmallCommunes(unique.map((c) => row(c.code, c.n)), (sum) => sum);
        const total = (xs: { booklets: number }[]) => xs.reduce((s, x) => s + x.booklets, 0);
        return total(out) === total(unique.map((c) => ({ booklets: c.n }))) && out.every((r) => r.communeName === OTHER_COMMUNES || r.booklets >= 5);
      }),
    );
  });
});

describe('nudges', () => {
  test('the texts, with their plurals', () => {
    assert.equal(nudgeText(facts({})).subject, '12\u00a0carnets attribués depuis 45\u00a0jours n’ont pas été remis');
    assert.equal(nudgeText(facts({ count: 1 })).subject, '1\u00a0carnet attribué depuis 45\u00a0jours n’a pas été remis');
    assert.match(nudgeText(facts({})).body, /le plus ancien le 1er septembre 2025/);
    assert.equal(nudgeText(facts({ kind: 'handed_unused', thresholdDays: 60, count: 3 })).subject, '3\u00a0carnets remis depuis 60\u00a0jours n’ont jamais servi');
    assert.equal(nudgeText(facts({ kind: 'handed_unused', thresholdDays: 60, count: 1 })).subject, '1\u00a0carnet remis depuis 60\u00a0jours n’a jamais servi');
    assert.equal(nudgeText(facts({ kind: 'few_redemptions', holder: 'place', thresholdDays: 90, count: 2, minRedemptions: 5, places: ['Médiathèque', 'Espace Lumière'] })).subject, '2\u00a0lieux ont encaissé moins de 5\u00a0chèques en 90\u00a0jours');
    assert.equal(nudgeText(facts({ kind: 'few_redemptions', holder: 'place', thresholdDays: 90, count: 1, minRedemptions: 1 })).subject, '1\u00a0lieu n’a encaissé aucun chèque en 90\u00a0jours');
    assert.match(nudgeText(facts({ kind: 'few_redemptions', holder: 'place', count: 2, minRedemptions: 5, places: ['Médiathèque', 'Espace Lumière'] })).body, /: Médiathèque et Espace Lumière\./);
    assert.equal(nudgeText(facts({ kind: 'close_to_expiry', thresholdDays: 30, count: 1 })).subject, '1\u00a0chèque expire dans moins de 30\u00a0jours');
    assert.equal(nudgeText(facts({ kind: 'close_to_expiry', thresholdDays: 30, count: 40 })).subject, '40\u00a0chèques expirent dans moins de 30\u00a0jours');
    assert.equal(nudgeText(facts({ count: 1500 })).subject, '1\u202f500\u00a0carnets attribués depuis 45\u00a0jours n’ont pas été remis');
  });
  test('the effect, in words', () => {
    const sent = new Date('2025-11-03T09:00:00Z');
    assert.equal(effectText('allocated_not_handed', sent, 12, 2, true), '12\u00a0carnets remis dans les 4\u00a0semaines suivant la relance du 3 novembre 2025, contre 2 avant');
    assert.equal(effectText('allocated_not_handed', sent, 0, 2, true), 'Aucun carnet remis dans les 4\u00a0semaines suivant la relance du 3 novembre 2025, contre 2 avant');
    assert.equal(effectText('allocated_not_handed', sent, 0, 2, false, new Date(sent.getTime() + 3_600_000)), 'Relance envoyée le 3 novembre 2025 : trop tôt pour en mesurer l’effet (2 dans les 4\u00a0semaines d’avant)');
    assert.match(effectText('allocated_not_handed', sent, 0, 2, false, new Date(sent.getTime() + 3 * 86_400_000)), /^Aucun carnet remis depuis la relance/);
    assert.equal(effectText('few_redemptions', sent, 1, 0, false), '1\u00a0chèque encaissé depuis la relance du 3 novembre 2025 (les 4\u00a0semaines ne sont pas écoulées), contre 0 dans les 4\u00a0semaines d’avant');
  });
  test('recipients and action links', () => {
    assert.equal(nudgeRecipientRule('allocated_not_handed', 'prescriber'), PASS_PERMISSIONS['booklets.hand']);
    assert.equal(nudgeRecipientRule('handed_unused', 'prescriber'), PASS_PERMISSIONS['booklets.hand']);
    assert.equal(nudgeRecipientRule('few_redemptions', 'place'), PASS_PERMISSIONS['voucher.redeem']);
    assert.equal(nudgeRecipientRule('close_to_expiry', 'funder'), PASS_PERMISSIONS['booklets.allocate']);
    assert.equal(nudgeRecipientRule('close_to_expiry', 'prescriber'), PASS_PERMISSIONS['booklets.hand']);
    assert.deepEqual([nudgeLink('allocated_not_handed', 'prescriber'), nudgeLink('few_redemptions', 'place'), nudgeLink('close_to_expiry', 'funder')], ['/carnets', '/mes-lieux', '/commandes']);
  });
  test('period keys: ISO weeks and months, in Paris time', () => {
    assert.equal(isoWeekKey('2025-11-20'), '2025-W47');
    assert.equal(isoWeekKey('2021-01-03'), '2020-W53', 'a Sunday of the last week of the year before');
    assert.equal(isoWeekKey('2024-12-30'), '2025-W01', 'a Monday in the first week of next year');
    assert.equal(periodKey('month', new Date('2025-11-30T23:30:00Z')), '2025-12', 'already December in Paris');
    assert.equal(periodKey('week', new Date('2025-11-23T23:30:00Z')), '2025-W48', 'already Monday in Paris');
    const days = fc.integer({ min: Date.UTC(2000, 0, 1) / DAY, max: Date.UTC(2100, 0, 1) / DAY }).map((d) => new Date(d * DAY));
    fc.assert(
      fc.property(days, (date) => {
        const day = date.toISOString().slice(0, 10);
        const monday = new Date(date.getTime() - ((date.getUTCDay() + 6) % 7) * DAY);
        const key = isoWeekKey(day);
        // Every day of a Monday-to-Sunday week has one key; the next Monday another; the week number is 1–53.
        const sameWeek = [0, 1, 2, 3, 4, 5, 6].every((i) => isoWeekKey(new Date(monday.getTime() + i * DAY).toISOString().slice(0, 10)) === key);
        const next = isoWeekKey(new Date(monday.getTime() + 7 * DAY).toISOString().slice(0, 10));
        const week = Number(key.slice(6));
        // The ISO year is the year of the week's Thursday.
        const thursday = new Date(monday.getTime() + 3 * DAY);
        return sameWeek && next !== key && week >= 1 && week <= 53 && key.slice(0, 4) === String(thursday.getUTCFullYear());
      }),
    );
  });
  test('settings: whole days from 1 to 365, French messages', () => {
    const check = (thresholdDays: unknown) => validateNudgeSetting({ kind: 'handed_unused', enabled: true, thresholdDays, period: 'week' });
    assert.equal(check('60').thresholdDays, 60);
    assert.equal(check(365).thresholdDays, 365);
    for (const bad of ['0', '366', '-3', '4.5', '4,5', ' ', 'soixante'])
      assert.throws(() => check(bad), (e: unknown) => e instanceof DomainError && e.kind === 'invalid' && /^Carnets remis, jamais utilisés — seuil : indiquez un nombre entier de jours, de 1 à 365/.test(e.message), bad);
    assert.throws(() => validateNudgeSetting({ kind: 'few_redemptions', enabled: true, thresholdDays: '90', minRedemptions: '0', period: 'month' }), /encaissements, de 1 à 1000/);
    assert.throws(() => validateNudgeSetting({ kind: 'few_redemptions', enabled: true, thresholdDays: '90', minRedemptions: '5', period: 'jour' }), /une fois par semaine/);
  });
});
