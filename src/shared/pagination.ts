/**
 * The one paging rule of every list (places search, orders, booklets, vouchers, labels, runs, statements, the API):
 * pages are numbered from 1, a page holds `limit` items (bounded), the last page holds what remains, and a page asked
 * for past the last one shows the last one. Pure: the use cases count, then read `limit` rows from `offset`.
 */

/** Items on a page when the request does not say. */
export const DEFAULT_PAGE_SIZE = 20;
/** Never more on one page: a list is read page by page, not all at once. */
export const MAX_PAGE_SIZE = 100;
/** Beyond this page number a request is refused rather than read (an offset of millions of rows). */
export const MAX_PAGE_NUMBER = 100_000;

export interface PageRequest {
  /** 1 for the first page. */
  page: number;
  /** Items per page, 1 to MAX_PAGE_SIZE. */
  limit: number;
}

export interface Page extends PageRequest {
  /** Items of the whole list, every page together. */
  total: number;
  /** ceil(total / limit): 0 when the list is empty. */
  pageCount: number;
  /** Items before this page: what the query skips. */
  offset: number;
  /** Position (from 1) of the first and last items of this page in the whole list; 0 and 0 on an empty list. */
  first: number;
  last: number;
}

const WHOLE = /^[0-9]{1,9}$/;

/** A whole number written in a query string ("2"), or null. */
function wholeNumber(value: unknown): number | null {
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text === 'number') return Number.isSafeInteger(text) ? text : null;
  if (typeof text !== 'string' || !WHOLE.test(text.trim())) return null;
  return Number(text.trim());
}

/**
 * What a list's query asks for, made safe: a page below 1, or not a number, is the first page; a limit not given is
 * `defaultLimit`, and any limit is brought within 1..maxLimit.
 */
export function pageRequest(query: { page?: unknown; limit?: unknown }, options: { defaultLimit?: number; maxLimit?: number } = {}): PageRequest {
  const maxLimit = Math.max(1, Math.min(options.maxLimit ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE));
  const defaultLimit = Math.min(Math.max(1, options.defaultLimit ?? DEFAULT_PAGE_SIZE), maxLimit);
  const page = wholeNumber(query.page);
  const limit = wholeNumber(query.limit);
  return {
    page: page === null || page < 1 ? 1 : Math.min(page, MAX_PAGE_NUMBER),
    limit: limit === null ? defaultLimit : Math.min(Math.max(limit, 1), maxLimit),
  };
}

/** Number of pages of `total` items, `limit` a page. */
export const pageCountOf = (total: number, limit: number): number => (total <= 0 ? 0 : Math.ceil(total / limit));

/** The page as it will be shown, once the list is counted: a page past the last one is the last one. */
export function paginate(total: number, request: PageRequest): Page {
  const limit = Math.min(Math.max(Math.trunc(request.limit) || 1, 1), MAX_PAGE_SIZE);
  const count = Math.max(0, Math.trunc(total));
  const pageCount = pageCountOf(count, limit);
  const page = Math.min(Math.max(Math.trunc(request.page) || 1, 1), Math.max(pageCount, 1));
  const offset = (page - 1) * limit;
  const onPage = Math.max(0, Math.min(limit, count - offset));
  return { page, limit, total: count, pageCount, offset, first: onPage ? offset + 1 : 0, last: offset + onPage };
}

/** The items of one page, from the whole list (lists the database cannot page, such as « open now »). */
export function pageItems<T>(items: readonly T[], page: Page): T[] {
  return items.slice(page.offset, page.offset + page.limit);
}

/**
 * The page numbers a pagination bar shows: the first, the last, and `around` pages each side of the current one;
 * null stands for the pages left out (« … »). Empty when there is one page or none.
 */
export function pageNumbers(page: Page, around = 1): (number | null)[] {
  if (page.pageCount <= 1) return [];
  const shown = new Set<number>([1, page.pageCount]);
  for (let n = page.page - around; n <= page.page + around; n += 1) if (n >= 1 && n <= page.pageCount) shown.add(n);
  const sorted = [...shown].sort((a, b) => a - b);
  const result: (number | null)[] = [];
  sorted.forEach((n, i) => {
    const previous = sorted[i - 1];
    if (previous !== undefined && n - previous === 2) result.push(previous + 1);
    else if (previous !== undefined && n - previous > 2) result.push(null);
    result.push(n);
  });
  return result;
}

export interface PaginationLink {
  page: number;
  href: string;
  current: boolean;
}

/** What the shared partial `_pagination.njk` draws: the links of the bar, each built by `href(page)`. */
export interface PaginationView {
  page: Page;
  links: (PaginationLink | null)[];
  first: string | null;
  previous: string | null;
  next: string | null;
  last: string | null;
}

export function paginationView(page: Page, href: (page: number) => string): PaginationView {
  const hasPrevious = page.page > 1;
  const hasNext = page.page < page.pageCount;
  return {
    page,
    links: pageNumbers(page).map((n) => (n === null ? null : { page: n, href: href(n), current: n === page.page })),
    first: hasPrevious ? href(1) : null,
    previous: hasPrevious ? href(page.page - 1) : null,
    next: hasNext ? href(page.page + 1) : null,
    last: hasNext ? href(page.pageCount) : null,
  };
}
