import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isCalendarDay, pageHref, queryString, readListQuery, type FilterDefinition } from '../../../src/http/list-query.js';

test('page links keep every filter, repeated ones included, and leave the first page unnumbered', () => {
  const params = { statut: 'paid', texte: 'Saint-Nazaire & co', service: ['A', 'B'], vide: '', absent: undefined };
  assert.equal(pageHref('/commandes', params, 1), '/commandes?statut=paid&texte=Saint-Nazaire+%26+co&service=A&service=B');
  assert.equal(pageHref('/commandes', params, 3), '/commandes?statut=paid&texte=Saint-Nazaire+%26+co&service=A&service=B&page=3');
  assert.equal(queryString({}), '');
  fc.assert(
    fc.property(fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.string()), fc.integer({ min: 2, max: 1000 }), (filters, page) => {
      const href = pageHref('/liste', filters, page);
      const read = new URL(href, 'http://x').searchParams;
      for (const [name, value] of Object.entries(filters)) if (value !== '' && name !== 'page') assert.equal(read.get(name), value);
      assert.equal(read.get('page'), filters.page && filters.page !== '' ? filters.page : String(page));
    }),
  );
});

test('a list query refuses a value its select does not offer, a malformed date, an overlong text', () => {
  const definitions: FilterDefinition[] = [
    { name: 'statut', label: 'Statut', kind: 'select', options: [{ value: 'paid', label: 'Payée' }] },
    { name: 'du', label: 'Du', kind: 'date' },
    { name: 'texte', label: 'Recherche', kind: 'text', maxLength: 10 },
  ];
  assert.deepEqual(readListQuery({ statut: 'paid', du: '2026-02-28', texte: ' Nantes ', page: '2' }, definitions), { filters: { statut: 'paid', du: '2026-02-28', texte: 'Nantes' }, request: { page: 2, limit: 20 } });
  assert.throws(() => readListQuery({ statut: 'drop table' }, definitions), /Le filtre « Statut » ne propose pas la valeur « drop table »/);
  assert.throws(() => readListQuery({ du: '2026-02-30' }, definitions), /AAAA-MM-JJ/);
  assert.throws(() => readListQuery({ texte: 'x'.repeat(11) }, definitions), /limité à 10 caractères/);
  assert.ok(isCalendarDay('2024-02-29'));
  assert.ok(!isCalendarDay('2025-02-29'));
});

