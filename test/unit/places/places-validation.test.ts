import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { haversineKm, projectedPoint } from '../../../src/places/domain/geo.js';
import { formatPhoneForPeople, normalisePhone, normaliseText } from '../../../src/places/domain/normalise.js';
import { ACCESS_MODES, PUBLICS, SERVICES, STANDARD_FIELDS, SUPPORT_MODES, TRAINING_LABELS, V0_SERVICES } from '../../../src/places/domain/standard.js';
import { validateStandardRow, type StandardPlace } from '../../../src/places/domain/validation.js';
import { contentHash, standardFileRow } from '../../../src/places/use-cases/record.js';

const minimal = { id: 'lieu-1', pivot: '43493312300029', nom: 'Anonymal', commune: 'Reims', code_postal: '51100', adresse: '12 BIS RUE DE LECLERCQ', date_maj: '2024-04-02' };

function errorsOf(raw: Record<string, unknown>) {
  const verdict = validateStandardRow(raw);
  return verdict.ok ? [] : verdict.errors.map((e) => e.field);
}

test('the minimal valid row of the standard passes; each required field is reported when empty', () => {
  assert.deepEqual(errorsOf(minimal), []);
  for (const field of ['id', 'pivot', 'nom', 'commune', 'code_postal', 'adresse', 'date_maj']) {
    assert.deepEqual(errorsOf({ ...minimal, [field]: '  ' }), [field], field);
  }
});

test('patterns of the standard: pivot, postal code, INSEE code, telephone, dates, coordinates', () => {
  assert.deepEqual(errorsOf({ ...minimal, pivot: '1234' }), ['pivot']);
  assert.deepEqual(errorsOf({ ...minimal, code_postal: '5110' }), ['code_postal']);
  assert.deepEqual(errorsOf({ ...minimal, code_insee: '2C001' }), ['code_insee']);
  assert.deepEqual(errorsOf({ ...minimal, code_insee: '2A004' }), []);
  assert.deepEqual(errorsOf({ ...minimal, telephone: '12' }), ['telephone']);
  assert.deepEqual(errorsOf({ ...minimal, date_maj: '2024-02-30' }), ['date_maj']);
  assert.deepEqual(errorsOf({ ...minimal, latitude: '47,2', longitude: '-1.5' }), ['latitude']);
  assert.deepEqual(errorsOf({ ...minimal, latitude: '47.2' }), ['longitude']);
  assert.deepEqual(errorsOf({ ...minimal, latitude: 95, longitude: 2 }), ['latitude']);
  assert.deepEqual(errorsOf({ ...minimal, courriels: 'contact@lieu.fr|pas-une-adresse' }), ['courriels']);
  assert.deepEqual(errorsOf({ ...minimal, horaires: 'ouvert quand on peut' }), ['horaires']);
  assert.deepEqual(errorsOf({ ...minimal, typologie: 'TIERS_LIEUX|INCONNU' }), ['typologie']);
});

test('every problem of a row is reported at once, in French', () => {
  const verdict = validateStandardRow({ ...minimal, code_postal: 'abc', services: 'Jardinage', frais_a_charge: 'Gratuit|Cher' });
  assert.equal(verdict.ok, false);
  if (verdict.ok) return;
  assert.deepEqual(verdict.errors.map((e) => e.field), ['code_postal', 'services', 'frais_a_charge']);
  assert.match(verdict.errors[1]!.reason, /valeur « Jardinage » absente du standard/);
});

test('known traps: typographic apostrophe, La Poste label spacing, unknown pivot, national phone numbers', () => {
  const verdict = validateStandardRow({
    ...minimal,
    pivot: '00000000000000',
    modalites_acces: 'Ce lieu n’accueille pas de public',
    formations_labels: 'Étapes numériques (La Poste)',
    telephone: '02 40 41 91 00',
    site_web: 'www.exemple.fr',
  });
  assert.equal(verdict.ok, true);
  if (!verdict.ok) return;
  assert.equal(verdict.place.pivot, null);
  assert.deepEqual(verdict.place.modalites_acces, ["Ce lieu n'accueille pas de public"]);
  assert.deepEqual(verdict.place.formations_labels, ['Étapes numériques(La Poste)']);
  assert.equal(verdict.place.telephone, '+33240419100');
  assert.deepEqual(verdict.place.site_web, ['https://www.exemple.fr']);
  assert.equal(standardFileRow(verdict.place).pivot, '00000000000000');
});

test('v0.1.1 services are refused unless their conversion is asked for', () => {
  const old = Object.keys(V0_SERVICES).join('|');
  assert.deepEqual(errorsOf({ ...minimal, services: old }), Object.keys(V0_SERVICES).map(() => 'services'));
  const verdict = validateStandardRow({ ...minimal, services: old }, { mapV0Services: true });
  assert.equal(verdict.ok, true);
  if (verdict.ok) assert.ok(verdict.place.services.every((s) => (SERVICES as readonly string[]).includes(s)));
});

test('the file header is the standard’s 32 fields in order', () => {
  assert.equal(STANDARD_FIELDS.length, 32);
  assert.deepEqual(Object.keys(standardFileRow((validateStandardRow(minimal) as { place: StandardPlace }).place)), [...STANDARD_FIELDS]);
});

const subset = <T>(values: readonly T[]) => fc.subarray([...values]);

test('property: any valid record written as a file row reads back to the same record and content hash', () => {
  fc.assert(
    fc.property(
      fc.record({
        services: subset(SERVICES),
        publics: subset(PUBLICS),
        modes: subset(SUPPORT_MODES),
        access: subset(ACCESS_MODES),
        labels: subset(TRAINING_LABELS),
        lat: fc.option(fc.double({ min: 41, max: 51, noNaN: true })),
        lon: fc.double({ min: -5, max: 9, noNaN: true }),
        phone: fc.option(fc.stringMatching(/^0[1-9]\d{8}$/)),
        name: fc.string({ minLength: 1, maxLength: 40 }).filter((s) => s.trim().length > 0 && !s.includes('|')),
      }),
      (generated) => {
        const raw = {
          ...minimal,
          nom: generated.name,
          services: generated.services.join('|'),
          publics_specifiquement_adresses: generated.publics.join('|'),
          modalites_accompagnement: generated.modes.join('|'),
          modalites_acces: generated.access.join('|'),
          formations_labels: generated.labels.join('|'),
          latitude: generated.lat,
          longitude: generated.lat === null ? null : generated.lon,
          telephone: generated.phone,
        };
        const first = validateStandardRow(raw);
        assert.equal(first.ok, true);
        if (!first.ok) return;
        const again = validateStandardRow(standardFileRow(first.place));
        assert.equal(again.ok, true);
        if (!again.ok) return;
        assert.deepEqual(again.place, first.place);
        assert.equal(contentHash(again.place), contentHash(first.place));
      },
    ),
    { numRuns: 300 },
  );
});

test('property: national phone numbers become international and read back for people unchanged', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^0[1-9]\d{8}$/), (national) => {
      const international = normalisePhone(national.replace(/(\d{2})(?=\d)/g, '$1 '));
      assert.match(international, /^\+33\d{9}$/);
      assert.equal(formatPhoneForPeople(international).replace(/ /g, ''), national);
    }),
  );
});

test('names and addresses compare without case, accents or punctuation', () => {
  assert.equal(normaliseText('Médiathèque  J.-Verne'), normaliseText('MEDIATHEQUE j verne'));
  assert.notEqual(normaliseText('Médiathèque Verne'), normaliseText('Médiathèque Vernes'));
});

test('property: in metropolitan France the index projection stays within 12 % of the great-circle distance up to 50 km', () => {
  fc.assert(
    fc.property(
      fc.double({ min: 42, max: 51, noNaN: true }),
      fc.double({ min: -4.8, max: 8.2, noNaN: true }),
      fc.double({ min: -0.3, max: 0.3, noNaN: true }),
      fc.double({ min: -0.4, max: 0.4, noNaN: true }),
      (lat, lon, dLat, dLon) => {
        const a = projectedPoint(lat, lon);
        const b = projectedPoint(lat + dLat, lon + dLon);
        const truth = haversineKm({ lat, lon }, { lat: lat + dLat, lon: lon + dLon });
        fc.pre(truth > 0.05);
        const projected = Math.hypot(a.x - b.x, a.y - b.y);
        assert.ok(Math.abs(projected - truth) / truth < 0.12, `${projected} vs ${truth}`);
      },
    ),
  );
});

test('great-circle distance: Nantes to Saint-Nazaire is about 51 km', () => {
  const km = haversineKm({ lat: 47.2184, lon: -1.5536 }, { lat: 47.2735, lon: -2.2138 });
  assert.ok(km > 49 && km < 52, String(km));
});
