import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  buildTerritoryIndex,
  decide,
  findTerritories,
  nameForms,
  normaliseName,
  parseQuery,
  splitDepartementList,
  territoriesOf,
  type Candidate,
  type MatchQuality,
} from '../../../src/territories/domain/commune-resolver.js';
import { communeFromArrondissements, communeNameOfArrondissement } from '../../../src/territories/domain/arrondissements.js';
import { readReferential } from '../../../src/territories/use-cases/load.js';

// The whole copied referential, as the loader groups it: the rules are checked on the real names.
const referential = readReferential();
const territories = territoriesOf(referential.departements, referential.communes);
const index = buildTerritoryIndex(territories);
const communes = territories.filter((t) => t.kind === 'commune');

const labels = (candidates: Candidate[]) => candidates.map((c) => c.label);
const first = (query: string, options = {}) => findTerritories(index, query, options)[0];
const QUALITY: MatchQuality[] = ['exact', 'prefix', 'word', 'contains'];

test('names compare without accents, case, hyphens, apostrophes; « St », « Ste » and ordinals written one way', () => {
  for (const spelling of ['Saint-Nazaire', 'saint nazaire', 'ST NAZAIRE', 'St-Nazaire', 'st. nazaire', 'Saint  Nazaire ']) assert.equal(normaliseName(spelling), 'saint nazaire', spelling);
  assert.equal(normaliseName('Sainte-Luce-sur-Loire'), normaliseName('Ste Luce sur Loire'));
  assert.equal(normaliseName("L'Haÿ-les-Roses"), normaliseName('l’hay les roses'));
  assert.equal(normaliseName('Œuilly'), 'oeuilly');
  assert.equal(normaliseName('Paris 16ème'), normaliseName('paris 16e'));
  assert.equal(normaliseName('Paris 1ère'), 'paris 1er');
  assert.deepEqual(nameForms('Le Mans', 'commune'), ['le mans', 'mans']);
  assert.deepEqual(nameForms('Paris 16e Arrondissement', 'arrondissement'), ['paris 16e arrondissement', 'paris 16e', 'paris 16']);
});

test('a query is a code, or a name with its qualifiers (bracketed département or postal code, a postal code beside it)', () => {
  assert.equal(parseQuery('44 600').code, '44600');
  assert.equal(parseQuery('2a004').code, '2A004');
  assert.equal(parseQuery('2b').code, '2B');
  const label = parseQuery('Saint-Nazaire (44)');
  assert.deepEqual([label.name, label.departementCode, label.kinds], ['saint nazaire', '44', ['commune', 'arrondissement']]);
  assert.deepEqual(parseQuery('Paris (département 75)').kinds, ['departement']);
  const withPostal = parseQuery('44600 Saint-Nazaire');
  assert.deepEqual([withPostal.name, withPostal.postalCode], ['saint nazaire', '44600']);
  // « st » typed last may still be the start of a word: both spellings are tried.
  assert.deepEqual(parseQuery('ste').variants, ['sainte', 'ste']);
});

test('Paris, Lyon and Marseille are communes rebuilt from their arrondissements, which stay resolvable', () => {
  const paris = communes.find((c) => c.code === '75056')!;
  const arrondissements = territories.filter((t) => t.parent?.code === '75056');
  assert.equal(arrondissements.length, 20);
  assert.equal(paris.population, arrondissements.reduce((sum, a) => sum + a.population, 0));
  assert.ok(paris.postalCodes.includes('75001') && paris.postalCodes.includes('75116'));
  assert.ok(paris.lat! > 48.81 && paris.lat! < 48.91 && paris.lng! > 2.25 && paris.lng! < 2.42, `centre ${paris.lat}, ${paris.lng}`);
  assert.equal(communes.find((c) => c.code === '69123')?.name, 'Lyon');
  assert.equal(communes.find((c) => c.code === '13055')?.name, 'Marseille');
  assert.equal(communeNameOfArrondissement('Marseille 13e Arrondissement'), 'Marseille');
  const weighted = communeFromArrondissements('X', [
    { insee_code: 'A', parent_code: 'X', departement_code: '99', name: 'X 1er Arrondissement', postal_codes: ['1'], lat: 0, lng: 0, population: 3 },
    { insee_code: 'B', parent_code: 'X', departement_code: '99', name: 'X 2e Arrondissement', postal_codes: ['2', '1'], lat: 4, lng: 8, population: 1 },
  ]);
  assert.deepEqual([weighted.name, weighted.population, weighted.lat, weighted.lng, weighted.postal_codes], ['X', 4, 1, 2, ['1', '2']]);
});

test('the cases of the issue: Paris, Lyon, Marseille, their arrondissements, Saint-Nazaire, Loire-Atlantique', () => {
  assert.deepEqual(labels(findTerritories(index, 'Paris', { limit: 2 })), ['Paris (75)', 'Paris (département 75)']);
  assert.equal(decide(findTerritories(index, 'Paris')).status, 'ambiguous', 'the commune and the département: the person chooses');
  const parisCommune = decide(findTerritories(index, 'Paris', { kinds: ['commune', 'arrondissement'] }));
  assert.ok(parisCommune.status === 'resolved' && parisCommune.candidate.territory.code === '75056');
  for (const [query, code] of [['Lyon', '69123'], ['Marseille', '13055'], ['lyon', '69123'], ['75056', '75056'], ['44109', '44109']] as const) {
    const resolution = decide(findTerritories(index, query));
    assert.ok(resolution.status === 'resolved' && resolution.candidate.territory.code === code, query);
  }
  for (const [query, code] of [['75001', '75101'], ['75016', '75116'], ['75116', '75116'], ['13001', '13201'], ['69003', '69383'], ['Paris 1er', '75101'], ['Paris 16', '75116'], ['Lyon 3e', '69383'], ['Marseille 13e', '13213'], ['paris 16ème arrondissement', '75116']] as const) {
    const resolution = decide(findTerritories(index, query));
    assert.ok(resolution.status === 'resolved' && resolution.candidate.territory.code === code, `${query} → ${resolution.status === 'resolved' ? resolution.candidate.label : resolution.status}`);
    assert.equal(resolution.candidate.territory.kind, 'arrondissement');
  }
  assert.deepEqual(first('75001')!.territory.parent, { code: '75056', name: 'Paris' });
  // 13001 is also Aix-en-Provence's INSEE code: the postal code's arrondissement first, Aix after.
  assert.deepEqual(labels(findTerritories(index, '13001')), ['Marseille 1er Arrondissement (13)', 'Aix-en-Provence (13)']);
  for (const spelling of ['Saint Nazaire', 'St-Nazaire', 'saint-nazaire', 'ST NAZAIRE', 'st nazaire']) {
    assert.equal(first(spelling)!.label, 'Saint-Nazaire (44)', spelling);
  }
  assert.deepEqual(findTerritories(index, 'Saint-Nazaire').filter((c) => c.match === 'exact').map((c) => c.territory.departementCode), ['44', '66', '30']);
  for (const spelling of ['Loire-Atlantique', 'loire atlantique', 'LOIRE ATLANTIQUE', '44']) {
    const resolution = decide(findTerritories(index, spelling));
    assert.ok(resolution.status === 'resolved' && resolution.candidate.label === 'Loire-Atlantique (département 44)', spelling);
  }
  assert.equal(first('Mans')!.label, 'Le Mans (72)');
  assert.equal(first('Le Mans')!.label, 'Le Mans (72)');
  assert.equal(first("Les Sables-d'Olonne")!.label, 'Les Sables-d’Olonne (85)'.replace('’', "'"));
  assert.equal(first('sables olonne')!.label, "Les Sables-d'Olonne (85)");
});

test('a postal code shared by several communes gives them all, and the person chooses', () => {
  const candidates = findTerritories(index, '44150');
  const byPostalCode = candidates.filter((c) => c.by === 'postal_code');
  assert.deepEqual(byPostalCode.map((c) => c.territory.name).sort(), ['Ancenis-Saint-Géréon', 'Vair-sur-Loire']);
  assert.equal(decide(candidates).status, 'ambiguous');
  // 44150 is also the INSEE code of Saint-Aignan-Grandlieu: after the postal code's communes.
  assert.deepEqual(candidates.map((c) => c.by), ['postal_code', 'postal_code', 'insee_code']);
  assert.equal(candidates[2]!.match, 'prefix');
});

test('ranking: exact, then starts with, then a word starts with, then contains; population within each', () => {
  const ranked = findTerritories(index, 'nazaire', { limit: 50 });
  assert.ok(ranked.some((c) => c.match === 'word'));
  const azair = findTerritories(index, 'azaire', { limit: 50 });
  assert.ok(azair.length > 0 && azair.every((c) => c.match === 'contains'), 'inside a word only when nothing better');
  fc.assert(
    fc.property(fc.constantFrom('sa', 'saint', 'paris', 'le', 'nan', 'ville', 'mont', 'a', 'b', 'loire'), fc.integer({ min: 1, max: 40 }), (query, limit) => {
      const found = findTerritories(index, query, { limit });
      assert.ok(found.length <= limit);
      for (let i = 1; i < found.length; i++) {
        const [a, b] = [found[i - 1]!, found[i]!];
        const order = QUALITY.indexOf(a.match) - QUALITY.indexOf(b.match);
        // Among exact matches the official name comes before a name matched without its article, then population.
        const samePopulationOrder = a.match === 'exact' || a.territory.population >= b.territory.population;
        assert.ok(order < 0 || (order === 0 && samePopulationOrder), `${query}: ${a.label} avant ${b.label}`);
      }
    }),
  );
});

/** A name as a person may write it: case changed letter by letter, accents dropped, hyphens and apostrophes swapped. */
const respelt = (name: string) =>
  fc
    .record({ cases: fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }), accents: fc.boolean(), hyphen: fc.constantFrom('-', ' ', '  '), apostrophe: fc.constantFrom("'", '’', ' '), saint: fc.boolean() })
    .map(({ cases, accents, hyphen, apostrophe, saint }) => {
      let text = name;
      if (saint) text = text.replace(/\bSainte-/g, 'Ste ').replace(/\bSaint-/g, 'St-');
      if (accents) text = text.normalize('NFD').replace(/[\u0300-\u036f]/g, '');
      text = text.replace(/-/g, hyphen).replace(/['’]/g, apostrophe);
      return [...text].map((c, i) => (cases[i] ? c.toUpperCase() : c.toLowerCase())).join('');
    });

test('any commune’s name, re-cased, de-accented, hyphens swapped, abbreviated, finds a commune of that name first (property)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...communes).chain((commune) => fc.tuple(fc.constant(commune), respelt(commune.name))),
      ([commune, typed]) => {
        const top = findTerritories(index, typed)[0];
        assert.ok(top, typed);
        assert.equal(top.match, 'exact', typed);
        assert.equal(normaliseName(top.territory.name), normaliseName(commune.name), `${typed} → ${top.label}`);
      },
    ),
    { numRuns: 500 },
  );
});

test('every label shown resolves back to that territory alone (property)', () => {
  fc.assert(
    fc.property(fc.constantFrom(...territories), (territory) => {
      const label = index.byInsee.get(territory.code)?.label ?? index.byDepartement.get(territory.code)!.label;
      const resolution = decide(findTerritories(index, label));
      assert.ok(resolution.status === 'resolved', `${label} : ${resolution.status}`);
      assert.equal(resolution.candidate.territory, territory, label);
    }),
    { numRuns: 1000 },
  );
});

test('a list of départements: names or numbers, commas or spaces between numbers', () => {
  assert.deepEqual(splitDepartementList('Loire-Atlantique, 85; Loire Atlantique'), ['Loire-Atlantique', '85', 'Loire Atlantique']);
  assert.deepEqual(splitDepartementList('44 85 2A'), ['44', '85', '2A']);
  assert.deepEqual(splitDepartementList(' '), []);
});
