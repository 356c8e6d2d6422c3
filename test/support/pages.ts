import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { createSession } from '../../src/accounts/use-cases/store.js';
import type { DB } from '../../src/db/schema.js';

type Response = Awaited<ReturnType<FastifyInstance['inject']>>;

/**
 * A signed-in browser for page tests through `app.inject`: a cookie jar (session, CSRF, flash — set and cleared as a
 * browser does) and the CSRF token of the last form seen.
 */
export async function pageClient(app: FastifyInstance, db: Kysely<DB>, userId: number) {
  const jar = new Map<string, string>([['ni_session', await createSession(db, userId)]]);
  // light-my-request hands cookies decoded: sent back encoded, as a browser does (a flash message may hold « ; »).
  const header = () => [...jar].map(([name, value]) => `${name}=${encodeURIComponent(value)}`).join('; ');
  const keep = (response: Response) => {
    for (const c of response.cookies as { name: string; value: string; maxAge?: number; expires?: Date }[]) {
      const cleared = c.value === '' || c.maxAge === 0 || (c.expires !== undefined && c.expires.getTime() < Date.now());
      if (cleared) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return response;
  };
  const first = keep(await app.inject({ url: '/espace', headers: { cookie: header() } }));
  let csrf = /name="_csrf" value="([^"]+)"/.exec(first.body)![1]!;
  return {
    /** The cookies the client holds now (a test may check that the flash cookie came and went). */
    jar,
    get: async (url: string) => {
      const response = keep(await app.inject({ url, headers: { cookie: header() } }));
      csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
      return response;
    },
    post: async (url: string, form: Record<string, string | string[]>) => {
      const response = keep(await app.inject({ method: 'POST', url, headers: { cookie: header() }, payload: { _csrf: csrf, ...form } }));
      csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
      return response;
    },
  };
}

/** Whether the page has the input `name` (a checkbox or a radio button of that value, when given) checked. */
export function isChecked(body: string, name: string, value?: string): boolean {
  return [...body.matchAll(/<input\b[^>]*>/g)].some(([tag]) => tag.includes(`name="${name}"`) && (value === undefined || tag.includes(`value="${value}"`)) && /\schecked\b/.test(tag));
}

/** The value of the input `name` on the page. */
export function inputValue(body: string, name: string): string | undefined {
  const tag = [...body.matchAll(/<input\b[^>]*>/g)].map(([t]) => t).find((t) => t.includes(`name="${name}"`));
  return tag ? /value="([^"]*)"/.exec(tag)?.[1] : undefined;
}
