import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_PAGE_NUMBER, MAX_PAGE_SIZE, pageCountOf, pageItems, pageNumbers, pageRequest, paginate, paginationView } from '../../../src/shared/pagination.js';

test('every item appears on exactly one page, in order, and the page count is ceil(total / limit) (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 2000 }), fc.integer({ min: 1, max: MAX_PAGE_SIZE }), (total, limit) => {
      const items = Array.from({ length: total }, (_, i) => i);
      const pageCount = paginate(total, { page: 1, limit }).pageCount;
      assert.equal(pageCount, Math.ceil(total / limit));
      assert.equal(pageCount, pageCountOf(total, limit));
      const seen: number[] = [];
      for (let n = 1; n <= pageCount; n += 1) {
        const page = paginate(total, { page: n, limit });
        assert.equal(page.page, n);
        const onPage = pageItems(items, page);
        assert.ok(onPage.length >= 1 && onPage.length <= limit);
        if (n < pageCount) assert.equal(onPage.length, limit, 'only the last page is short');
        assert.deepEqual([page.first, page.last], [onPage[0]! + 1, onPage[onPage.length - 1]! + 1]);
        seen.push(...onPage);
      }
      assert.deepEqual(seen, items, 'each item once, in order');
    }),
  );
});

test('a page past the last shows the last one; an empty list has no page and shows nothing (property)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: MAX_PAGE_SIZE }), fc.integer({ min: -5, max: 1_000_000 }), (total, limit, asked) => {
      const page = paginate(total, { page: asked, limit });
      assert.ok(page.page >= 1);
      assert.ok(page.page <= Math.max(page.pageCount, 1));
      assert.equal(page.offset, (page.page - 1) * limit);
      if (total === 0) assert.deepEqual([page.pageCount, page.first, page.last], [0, 0, 0]);
      else assert.ok(page.first >= 1 && page.last <= total && page.first <= page.last);
    }),
  );
});

test('a query asks for a page ≥ 1 and a bounded limit, whatever is typed', () => {
  assert.deepEqual(pageRequest({}), { page: 1, limit: 20 });
  assert.deepEqual(pageRequest({ page: '3', limit: '50' }), { page: 3, limit: 50 });
  assert.deepEqual(pageRequest({ page: '0', limit: '0' }), { page: 1, limit: 1 });
  assert.deepEqual(pageRequest({ page: '-2', limit: '100000' }), { page: 1, limit: MAX_PAGE_SIZE });
  assert.deepEqual(pageRequest({ page: 'deux', limit: '1e3' }), { page: 1, limit: 20 });
  assert.deepEqual(pageRequest({ page: ['4', '5'] }), { page: 4, limit: 20 });
  assert.deepEqual(pageRequest({ page: '99999999' }), { page: MAX_PAGE_NUMBER, limit: 20 });
  assert.deepEqual(pageRequest({ limit: '30' }, { defaultLimit: 10, maxLimit: 25 }), { page: 1, limit: 25 });
  fc.assert(
    fc.property(fc.string(), fc.string(), (page, limit) => {
      const request = pageRequest({ page, limit });
      assert.ok(Number.isInteger(request.page) && request.page >= 1 && request.page <= MAX_PAGE_NUMBER);
      assert.ok(Number.isInteger(request.limit) && request.limit >= 1 && request.limit <= MAX_PAGE_SIZE);
    }),
  );
});

test('the bar shows the first, the last and the neighbours of the current page, « … » for the others', () => {
  const bar = (page: number, total: number) => pageNumbers(paginate(total, { page, limit: 10 }));
  assert.deepEqual(bar(1, 10), []);
  assert.deepEqual(bar(1, 30), [1, 2, 3]);
  assert.deepEqual(bar(1, 200), [1, 2, null, 20]);
  assert.deepEqual(bar(10, 200), [1, null, 9, 10, 11, null, 20]);
  assert.deepEqual(bar(3, 200), [1, 2, 3, 4, null, 20]);
  assert.deepEqual(bar(4, 200), [1, 2, 3, 4, 5, null, 20], 'a gap of one page shows the page, not « … »');
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 400 }), (total, asked) => {
      const page = paginate(total, { page: asked, limit: 10 });
      const numbers = pageNumbers(page);
      if (page.pageCount <= 1) return assert.deepEqual(numbers, []);
      const shown = numbers.filter((n): n is number => n !== null);
      assert.equal(shown[0], 1);
      assert.equal(shown[shown.length - 1], page.pageCount);
      assert.ok(shown.includes(page.page));
      assert.deepEqual(shown, [...shown].sort((a, b) => a - b));
      numbers.forEach((n, i) => { if (n === null) assert.ok((numbers[i + 1] as number) - (numbers[i - 1] as number) > 2); });
    }),
  );
  const view = paginationView(paginate(45, { page: 2, limit: 20 }), (n) => `/commandes?page=${n}`);
  assert.deepEqual([view.first, view.previous, view.next, view.last], ['/commandes?page=1', '/commandes?page=1', '/commandes?page=3', '/commandes?page=3']);
  assert.deepEqual(view.links.map((l) => l && [l.page, l.current]), [[1, false], [2, true], [3, false]]);
  const first = paginationView(paginate(45, { page: 1, limit: 20 }), (n) => `?page=${n}`);
  assert.deepEqual([first.first, first.previous], [null, null]);
});

