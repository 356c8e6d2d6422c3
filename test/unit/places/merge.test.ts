import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defaultChoice, differingFields, fieldText, MERGE_FIELDS, mergeSides, type MergeSide } from '../../../src/places/domain/merge.js';
import { validateStandardRow } from '../../../src/places/domain/validation.js';

const side = (placeId: number, overrides: Record<string, string>, extras: Partial<MergeSide> = {}): MergeSide => {
  const verdict = validateStandardRow({
    id: `src-${placeId}`, pivot: '00000000000000', nom: 'Espace numérique', commune: 'Nantes', code_postal: '44000', code_insee: '44109',
    adresse: '1 rue de la Paix', date_maj: '2026-01-01', services: 'Maîtrise des outils numériques du quotidien', ...overrides,
  });
  assert.ok(verdict.ok, JSON.stringify(verdict));
  return { placeId, standard: verdict.place, organisationId: null, stepFreeAccess: null, accessibilityNotes: null, programmeIds: [], ...extras };
};
const names = { organisations: new Map([[7, 'Association du quartier']]), programmes: new Map([[3, 'Pass numérique Loire-Atlantique']]) };
const field = (key: string) => MERGE_FIELDS.find((f) => f.key === key)!;

test('only the fields that differ are offered; the standard id, source and date never are', () => {
  const a = side(1, { horaires: 'Mo-Fr 09:00-12:00', source: 'hub' });
  const b = side(2, { horaires: 'Mo-Sa 09:00-12:00', telephone: '02 40 00 00 00', source: 'carto', date_maj: '2025-01-01' }, { organisationId: 7, programmeIds: [3] });
  assert.deepEqual(differingFields(a, b).map((f) => f.key), ['structure', 'telephone', 'horaires', 'programmes']);
  assert.deepEqual(differingFields(a, { ...a, placeId: 9 }), []);
});

test('the value offered first is the kept record’s, unless it has none and the other has one', () => {
  const kept = side(1, { horaires: 'Mo-Fr 09:00-12:00' });
  const other = side(2, { horaires: 'Mo-Sa 09:00-12:00', telephone: '02 40 00 00 00' }, { organisationId: 7 });
  assert.equal(defaultChoice(kept, other, field('horaires')), 1);
  assert.equal(defaultChoice(kept, other, field('telephone')), 2);
  assert.equal(defaultChoice(kept, other, field('structure')), 2);
});

test('the merged record takes each chosen field from the other record and keeps the rest, its id included', () => {
  const kept = side(1, { horaires: 'Mo-Fr 09:00-12:00', nom: 'Espace numérique (ancien nom)' }, { stepFreeAccess: false });
  const other = side(2, { horaires: 'Mo-Sa 09:00-12:00', adresse: '3 place du Commerce', latitude: '47.2', longitude: '-1.55' }, { stepFreeAccess: true, accessibilityNotes: 'rampe', programmeIds: [3] });
  const merged = mergeSides(kept, other, new Set(['adresse', 'accessibilite', 'programmes']));
  assert.equal(merged.placeId, 1);
  assert.equal(merged.standard.id, 'src-1');
  assert.equal(merged.standard.nom, 'Espace numérique (ancien nom)');
  assert.equal(merged.standard.horaires, 'Mo-Fr 09:00-12:00');
  assert.deepEqual([merged.standard.adresse, merged.standard.latitude, merged.standard.longitude], ['3 place du Commerce', 47.2, -1.55]);
  assert.deepEqual([merged.stepFreeAccess, merged.accessibilityNotes, merged.programmeIds], [true, 'rampe', [3]]);
  assert.equal(kept.standard.adresse, '1 rue de la Paix', 'les fiches comparées ne changent pas');
});

test('each value is written in French for its radio button, "non renseigné" when empty', () => {
  const a = side(1, {}, { organisationId: 7, programmeIds: [3], stepFreeAccess: true });
  assert.equal(fieldText(a, field('structure'), names), 'Association du quartier');
  assert.equal(fieldText(a, field('programmes'), names), 'Pass numérique Loire-Atlantique');
  assert.equal(fieldText(a, field('accessibilite'), names), 'accessible en fauteuil roulant');
  assert.equal(fieldText(a, field('adresse'), names), '1 rue de la Paix, 44000 Nantes (position : centre de la commune)');
  assert.equal(fieldText(a, field('telephone'), names), 'non renseigné');
});
