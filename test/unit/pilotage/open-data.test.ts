import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { ENUMERATED_FIELDS, STANDARD_FIELDS } from '../../../src/places/domain/standard.js';
import type { BreakdownRow } from '../../../src/pilotage/domain/filters.js';
import { INDICATOR_IDS, INDICATORS } from '../../../src/pilotage/domain/indicators.js';
import {
  activityColumns,
  activityRecord,
  activitySchema,
  addMonths,
  dataPackage,
  hasActivity,
  monthDays,
  OPEN_DATA_INDICATORS,
  openDataColumn,
  parseOpenDataPeriod,
  placesSchema,
  renderChangelog,
  renderReadme,
  WITHHELD_COLUMN,
} from '../../../src/pilotage/domain/open-data.js';
import { K_ANONYMITY, PUBLIC_ROUNDING } from '../../../src/pilotage/domain/privacy.js';
import { DomainError } from '../../../src/shared/errors.js';
import { fromRoot } from '../../../src/shared/paths.js';
import { validateCsv } from '../../support/table-schema.js';

const official = JSON.parse(readFileSync(fromRoot('test', 'fixtures', 'lieux-mediation-numerique.schema.json'), 'utf8')) as {
  fields: { name: string; type: string; constraints?: { required?: boolean; pattern?: string } }[];
};

test('the activity schema has exactly one field per indicator flagged openData, typed from its unit, with a French title and description', () => {
  const schema = activitySchema();
  const flagged = INDICATOR_IDS.filter((id) => INDICATORS[id].openData);
  assert.ok(flagged.length >= 6);
  assert.deepEqual([...OPEN_DATA_INDICATORS], flagged);
  for (const id of INDICATOR_IDS) {
    const field = schema.fields.find((f) => f.name === openDataColumn(id));
    if (!INDICATORS[id].openData) {
      assert.equal(field, undefined, `${id} n’est pas marqué openData et ne doit pas être publié`);
      continue;
    }
    assert.ok(field, `pas de colonne pour ${id}`);
    assert.equal(field.title, INDICATORS[id].label);
    assert.ok(field.description.startsWith(INDICATORS[id].definition));
    assert.equal(field.type, INDICATORS[id].unit === 'hours' ? 'number' : 'integer');
    assert.equal(field.constraints.minimum, 0);
    assert.notEqual(field.constraints.required, true, 'une valeur masquée est une cellule vide : la colonne ne peut pas être obligatoire');
    if (INDICATORS[id].estimate) assert.match(field.description, /Estimation/);
  }
  const names = schema.fields.map((f) => f.name);
  assert.equal(new Set(names).size, names.length, 'noms de colonnes uniques');
  for (const field of schema.fields) {
    assert.match(field.name, /^[a-z][a-z0-9_]*$/);
    assert.ok(field.title.length > 0 && field.description.length > 0);
  }
  assert.deepEqual(schema.missingValues, ['']);
  assert.deepEqual(schema.primaryKey, ['mois', 'code_insee']);
  assert.deepEqual(activityColumns(), names);
  assert.equal(names.at(-1), WITHHELD_COLUMN);
  assert.equal(schema.licenses[0]!.name, 'etalab-2.0');
});

test('the places schema is the national standard: the official Table Schema’s fields, order, types, required flags and patterns', () => {
  const ours = placesSchema();
  assert.deepEqual(ours.fields.map((f) => f.name), [...STANDARD_FIELDS]);
  assert.deepEqual(ours.fields.map((f) => f.name), official.fields.map((f) => f.name));
  for (const field of official.fields) {
    const mine = ours.fields.find((f) => f.name === field.name)!;
    assert.equal(mine.type, field.type, field.name);
    assert.equal(Boolean(mine.constraints.required), Boolean(field.constraints?.required), `${field.name} obligatoire`);
    assert.equal(Boolean(mine.constraints.pattern), Boolean(field.constraints?.pattern), `${field.name} motif`);
    const enumeration = (ENUMERATED_FIELDS as Record<string, readonly string[]>)[field.name];
    if (enumeration) {
      // Same language: every value of the standard and any list of them pass both patterns, a foreign value neither.
      const both = [new RegExp(mine.constraints.pattern!, 'u'), new RegExp(field.constraints!.pattern!, 'u')];
      fc.assert(
        fc.property(fc.uniqueArray(fc.constantFrom(...enumeration), { minLength: 1, maxLength: 4 }), (values) => both.every((re) => re.test(values.join('|')))),
        { numRuns: 50 },
      );
      for (const re of both) assert.equal(re.test('Valeur inconnue'), false);
    } else if (field.constraints?.pattern) assert.equal(mine.constraints.pattern, field.constraints.pattern, field.name);
  }
});

const row = (values: Partial<Record<(typeof INDICATOR_IDS)[number], number | null>>): BreakdownRow => ({
  key: '44109',
  label: 'Nantes (44)',
  values: Object.fromEntries(Object.entries(values).map(([id, value]) => [id, value === null ? { value: null, suppressed: 'small_cell' } : { value, suppressed: null }])),
});

test('a withheld value is an empty cell named in valeurs_masquees; zero is written 0; a commune without activity has no row', () => {
  const record = activityRecord('2026-03', '44', 'Nantes', row({ vouchers_handed: 10, vouchers_redeemed: null, people_reached: 0, accompaniments: null, training_hours: 12.5, anonymous_participants: 5 }));
  assert.equal(record.mois, '2026-03');
  assert.equal(record.code_insee, '44109');
  assert.equal(record.commune, 'Nantes');
  assert.equal(record.cheques_remis, 10);
  assert.equal(record.cheques_encaisses, null);
  assert.equal(record.personnes_accompagnees_pass, 0);
  assert.equal(record.heures_formation, 12.5);
  assert.equal(record[WITHHELD_COLUMN], 'cheques_encaisses|accompagnements');
  assert.equal(activityRecord('2026-03', '44', 'Nantes', row({ vouchers_handed: 10 }))[WITHHELD_COLUMN], null);

  assert.equal(hasActivity(row({ vouchers_handed: 0, accompaniments: 0 })), false);
  assert.equal(hasActivity(row({})), false);
  assert.equal(hasActivity(row({ vouchers_handed: 0, accompaniments: null })), true, 'masqué veut dire « un peu », pas « rien »');
  assert.equal(hasActivity(row({ training_hours: 1.5 })), true);

  // The record, written as the CLI writes it, passes its own schema with the independent validator.
  const csv = stringify([record, activityRecord('2026-04', '44', 'Nantes', row({ vouchers_handed: 0, people_reached: 5 }))], { header: true, columns: activityColumns() });
  assert.deepEqual(validateCsv(csv, activitySchema() as never), []);
  assert.match(csv.split('\n')[1]!, /^2026-03,44109,Nantes,44,10,,0,5,,12.5,cheques_encaisses\|accompagnements$/);
});

test('the period of an export: whole months, the 12 last complete ones by default, refused in French otherwise', () => {
  assert.deepEqual(parseOpenDataPeriod({}, '2026-12-04'), { from: '2025-12', to: '2026-11' });
  assert.deepEqual(parseOpenDataPeriod({ from: '2026-01', to: '2026-12' }, '2026-12-04'), { from: '2026-01', to: '2026-12' });
  assert.deepEqual(parseOpenDataPeriod({ to: '2026-03' }, '2026-12-04'), { from: '2025-04', to: '2026-03' });
  assert.deepEqual(parseOpenDataPeriod({ from: '', to: '' }, '2026-01-15'), { from: '2025-01', to: '2025-12' });
  const refused = (input: unknown, message: RegExp) => assert.throws(() => parseOpenDataPeriod(input, '2026-12-04'), (e: unknown) => e instanceof DomainError && e.kind === 'invalid' && message.test(e.message));
  refused({ from: '2026-13' }, /Le mois de début doit être au format AAAA-MM/);
  refused({ to: '26-01' }, /Le mois de fin doit être au format AAAA-MM/);
  refused({ from: '2026-05', to: '2026-04' }, /Le mois de fin doit suivre le mois de début/);
  refused({ to: '2027-01' }, /ne peut pas suivre le mois en cours/);
  refused({ from: '2010-01', to: '2026-01' }, /ne peut pas dépasser 120 mois/);
  assert.deepEqual(monthDays('2024-02'), { from: '2024-02-01', to: '2024-02-29' });
  assert.deepEqual(monthDays('2026-12'), { from: '2026-12-01', to: '2026-12-31' });
  fc.assert(fc.property(fc.integer({ min: 2000 * 12, max: 2100 * 12 }), fc.integer({ min: -240, max: 240 }), (index, shift) => {
    const month = `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, '0')}`;
    return addMonths(addMonths(month, shift), -shift) === month && /^\d{4}-(0[1-9]|1[0-2])$/.test(addMonths(month, shift));
  }));
});

test('the data package lists every CSV with its schema and the licence', () => {
  const pkg = dataPackage({ base: 'https://exemple.fr/api/v1/open-data/', from: '2026-01', to: '2026-06' });
  assert.equal(pkg.profile, 'tabular-data-package');
  assert.deepEqual(pkg.resources.map((r) => [r.path, r.schema]), [
    ['https://exemple.fr/api/v1/open-data/lieux.csv', 'https://exemple.fr/api/v1/open-data/lieux.schema.json'],
    ['https://exemple.fr/api/v1/open-data/activite-communes.csv', 'https://exemple.fr/api/v1/open-data/activite-communes.schema.json'],
  ]);
  assert.equal(pkg.licenses[0]!.name, 'etalab-2.0');
});

test('the README states the privacy rules privacy.ts applies; docs/opendata is rendered from the code', () => {
  const readme = renderReadme();
  assert.match(readme, new RegExp(`moins de ${K_ANONYMITY} personnes distinctes`));
  assert.match(readme, new RegExp(`inférieurs à ${PUBLIC_ROUNDING.below} sont arrondis au multiple de ${PUBLIC_ROUNDING.step}`));
  assert.match(readme, /Masquage complémentaire/);
  assert.match(readme, /Estimation/);
  assert.match(readme, /Licence Ouverte/);
  for (const id of OPEN_DATA_INDICATORS) assert.ok(readme.includes(`\`${openDataColumn(id)}\``), id);
  const stale = 'docs/opendata est périmé : node --import tsx scripts/opendata-docs.ts';
  assert.equal(readFileSync(fromRoot('docs', 'opendata', 'README.md'), 'utf8'), readme, stale);
  assert.equal(readFileSync(fromRoot('docs', 'opendata', 'CHANGELOG.md'), 'utf8'), renderChangelog(), stale);
});
