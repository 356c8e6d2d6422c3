import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { hashToken } from '../../../src/accounts/use-cases/credentials.js';
import { createApiToken, createSession } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { captureMailer } from '../../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { makeActor, type Actor } from '../../support/world.js';

type Response = Awaited<ReturnType<FastifyInstance['inject']>>;

/**
 * « Mes jetons d’API »: a person creates, lists and revokes their own API tokens; the token is shown once and stored
 * hashed; nobody sees or revokes another person's token; a new password revokes them all; everything is journaled.
 */
describe(`API tokens of a person, from their page, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let mailer: ReturnType<typeof captureMailer>;
  let alice: Actor;
  let bruno: Actor;

  before(async () => {
    platform = await openTestPlatform();
    mailer = captureMailer();
    platform.mailer = mailer;
    app = await buildApp(platform);
    await app.ready();
    alice = await makeActor(platform.db, 'Médiathèque d’Alice', 'mediator');
    bruno = await makeActor(platform.db, 'Financeur de Bruno', 'funder');
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  /** A browser signed in as the actor: session and CSRF cookies kept as a browser does, the CSRF token of its forms. */
  async function browser(actor: Actor) {
    const jar = new Map<string, string>([['ni_session', await createSession(platform.db, actor.principal.userId)]]);
    const header = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const keep = (response: Response) => {
      for (const c of response.cookies as { name: string; value: string; maxAge?: number }[]) {
        if (c.value === '' || c.maxAge === 0) jar.delete(c.name);
        else jar.set(c.name, c.value);
      }
      return response;
    };
    let csrf = /name="_csrf" value="([^"]+)"/.exec(keep(await app.inject({ url: '/espace/jetons', headers: { cookie: header() } })).body)![1]!;
    return {
      get: async (url: string) => keep(await app.inject({ url, headers: { cookie: header() } })),
      post: async (url: string, form: Record<string, string>, withCsrf = true) => {
        const response = keep(await app.inject({ method: 'POST', url, headers: { cookie: header() }, payload: withCsrf ? { _csrf: csrf, ...form } : form }));
        csrf = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1] ?? csrf;
        return response;
      },
    };
  }

  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const me = async (token: string) => (await app.inject({ url: '/api/v1/me', headers: bearer(token) })).statusCode;
  const tokensOf = (userId: number) => platform.db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  const journal = (action: string, userId: number) =>
    platform.db.selectFrom('audit_events').select(['action', 'details']).where('action', '=', action).where('actor_user_id', '=', userId).orderBy('id').execute();
  const created = (body: string) => /id="jeton-cree" type="text" value="([^"]+)"/.exec(body)?.[1];

  test('anonymous visitors are sent to sign in; the page lists no token at first', async () => {
    const anonymous = await app.inject({ url: '/espace/jetons' });
    assert.equal(anonymous.statusCode, 302);
    assert.match(String(anonymous.headers.location), /^\/connexion\?retour=%2Fespace%2Fjetons/);
    assert.equal((await app.inject({ method: 'POST', url: '/espace/jetons', payload: { nom: 'x' } })).statusCode, 401);
    const page = await browser(bruno);
    const count = (await tokensOf(bruno.principal.userId)).length;
    assert.equal((await page.post('/espace/jetons', { nom: 'sans jeton de formulaire' }, false)).statusCode, 403, 'no form without its CSRF token');
    assert.equal((await tokensOf(bruno.principal.userId)).length, count);
    const listed = await page.get('/espace/jetons');
    assert.equal(listed.statusCode, 200);
    assert.match(listed.body, /<h1>Mes jetons d’API<\/h1>/);
    assert.match(listed.body, /<caption>1\sjeton actif<\/caption>/, 'the token made for the tests is listed');
  });

  test('a token is shown once at creation, stored hashed with its prefix only, works at once, and its use is noted', async () => {
    const page = await browser(alice);
    const before = await tokensOf(alice.principal.userId);
    const response = await page.post('/espace/jetons', { nom: '  Caisse   de la médiathèque ' });
    assert.equal(response.statusCode, 201, response.body.slice(0, 300));
    const token = created(response.body);
    assert.ok(token && /^ni_[A-Za-z0-9_-]{32}$/.test(token), 'the new token is shown');
    assert.match(response.body, /il ne sera plus jamais montré/);
    const rows = await tokensOf(alice.principal.userId);
    assert.equal(rows.length, before.length + 1);
    const row = rows.at(-1)!;
    assert.equal(row.name, 'Caisse de la médiathèque');
    assert.equal(row.token_hash, hashToken(token));
    assert.equal(row.token_prefix, token.slice(0, 10));
    assert.ok(!Object.values(row).some((value) => value === token), 'the token itself is stored nowhere');
    const [event] = (await journal('api_token.created', alice.principal.userId)).filter((e) => (e.details as { tokenId: number }).tokenId === Number(row.id));
    assert.ok(event, 'journaled');
    assert.ok(!JSON.stringify(event.details).includes(token), 'the journal keeps the prefix only');

    const listed = await page.get('/espace/jetons');
    assert.ok(!listed.body.includes(token), 'never shown again');
    assert.ok(listed.body.includes(`${token.slice(0, 10)}…`), 'its prefix is');
    assert.match(listed.body, /Caisse de la médiathèque<\/td>\s*<td><code>[^<]+<\/code><\/td>\s*<td>[^<]+<\/td>\s*<td>jamais<\/td>/);

    assert.equal(await me(token), 200, 'the token works');
    const used = (await tokensOf(alice.principal.userId)).at(-1)!;
    assert.ok(used.last_used_at, 'its last use is noted');
    assert.doesNotMatch((await page.get('/espace/jetons')).body, /Caisse de la médiathèque<\/td>\s*<td><code>[^<]+<\/code><\/td>\s*<td>[^<]+<\/td>\s*<td>jamais<\/td>/);
    const api = (await app.inject({ url: '/api/v1/tokens', headers: bearer(token) })).json() as { id: number; name: string; prefix: string; lastUsedAt: string | null; revokedAt: string | null }[];
    const mine = api.find((t) => t.id === Number(row.id))!;
    assert.deepEqual([mine.name, mine.prefix, mine.revokedAt, typeof mine.lastUsedAt], ['Caisse de la médiathèque', token.slice(0, 10), null, 'string']);
    assert.ok(!JSON.stringify(api).includes(token) && !JSON.stringify(api).includes(row.token_hash), 'the API lists neither the token nor its hash');
  });

  test('a token needs a name of at most 80 characters; a refused name creates nothing and keeps what was typed', async () => {
    const page = await browser(alice);
    const count = (await tokensOf(alice.principal.userId)).length;
    const empty = await page.post('/espace/jetons', { nom: '   ' });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /id="nom-erreur">Donnez un nom au jeton/);
    const long = await page.post('/espace/jetons', { nom: 'x'.repeat(81) });
    assert.equal(long.statusCode, 422);
    assert.match(long.body, /au plus 80 caractères/);
    assert.ok(long.body.includes(`value="${'x'.repeat(81)}"`), 'what was typed is kept');
    assert.equal(created(long.body), undefined);
    assert.equal((await tokensOf(alice.principal.userId)).length, count);
  });

  test('revoking asks for a confirmation, then revokes at once, journaled, with a message after the redirect', async () => {
    const page = await browser(alice);
    const token = created((await page.post('/espace/jetons', { nom: 'À révoquer' })).body)!;
    const id = String((await tokensOf(alice.principal.userId)).at(-1)!.id);

    const ask = await page.post('/espace/jetons/revocation', { jeton: id });
    assert.equal(ask.statusCode, 200);
    assert.match(ask.body, /Confirmer la révocation du jeton/);
    assert.match(ask.body, /Je confirme la révocation du jeton « À révoquer »/);
    assert.ok(ask.body.includes(`${token.slice(0, 10)}…`));
    const unticked = await page.post('/espace/jetons/revocation', { jeton: id, etape: 'confirmer' });
    assert.equal(unticked.statusCode, 422);
    assert.equal(await me(token), 200, 'nothing changed before the box is ticked');

    const done = await page.post('/espace/jetons/revocation', { jeton: id, etape: 'confirmer', confirmation: 'oui' });
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/espace/jetons');
    const shown = await page.get('/espace/jetons');
    assert.match(shown.body, /Le jeton « À révoquer » est révoqué : il ne fonctionne plus\./);
    assert.match(shown.body, /À révoquer<\/td>[\s\S]*?Révoqué le/);
    assert.equal(await me(token), 401, 'revoked at once on this instance');
    assert.ok((await journal('api_token.revoked', alice.principal.userId)).some((e) => (e.details as { tokenId: number }).tokenId === Number(id)));
    const again = await page.post('/espace/jetons/revocation', { jeton: id, etape: 'confirmer', confirmation: 'oui' });
    assert.equal(again.statusCode, 404, 'already revoked');
  });

  test('nobody sees or revokes another person’s token, from the page or the API; unknown and malformed ids are refused', async () => {
    const alicePage = await browser(alice);
    const aliceToken = created((await alicePage.post('/espace/jetons', { nom: 'Jeton d’Alice' })).body)!;
    const aliceId = String((await tokensOf(alice.principal.userId)).at(-1)!.id);
    const snapshot = JSON.stringify(await tokensOf(alice.principal.userId));

    const brunoPage = await browser(bruno);
    assert.ok(!(await brunoPage.get('/espace/jetons')).body.includes('Jeton d’Alice'), 'not listed to someone else');
    const asked = await brunoPage.post('/espace/jetons/revocation', { jeton: aliceId });
    assert.equal(asked.statusCode, 404);
    assert.doesNotMatch(asked.body, /Jeton d’Alice/);
    assert.match(asked.body, /n’est pas l’un des vôtres/);
    assert.equal((await brunoPage.post('/espace/jetons/revocation', { jeton: aliceId, etape: 'confirmer', confirmation: 'oui' })).statusCode, 404);
    const viaApi = await app.inject({ method: 'DELETE', url: `/api/v1/tokens/${aliceId}`, headers: bearer(bruno.token) });
    assert.equal(viaApi.statusCode, 404);
    assert.equal(viaApi.json().error, 'jeton_introuvable');
    const brunoList = (await app.inject({ url: '/api/v1/tokens', headers: bearer(bruno.token) })).json() as { id: number }[];
    assert.ok(!brunoList.some((t) => t.id === Number(aliceId)));
    assert.equal(JSON.stringify(await tokensOf(alice.principal.userId)), snapshot, 'nothing changed');
    assert.equal(await me(aliceToken), 200);

    assert.equal((await brunoPage.post('/espace/jetons/revocation', { jeton: '999999999' })).statusCode, 404);
    assert.equal((await brunoPage.post('/espace/jetons/revocation', { jeton: 'abc' })).statusCode, 422);
    assert.equal((await app.inject({ method: 'DELETE', url: '/api/v1/tokens/999999999', headers: bearer(bruno.token) })).statusCode, 404);
  });

  test('choosing a new password revokes every token of the account (and nobody else’s), journaled', async () => {
    const first = await createApiToken(platform.db, alice.email, 'poste 1');
    const second = await createApiToken(platform.db, alice.email, 'poste 2');
    assert.equal(await me(first), 200, 'in the token cache now');
    assert.equal(await me(second), 200);
    const reset = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: alice.email } });
    assert.equal(reset.statusCode, 202);
    const link = mailer.sent.at(-1)!.text.match(/\/mot-de-passe\/(\S+)/)![1]!;
    const form = await app.inject({ url: `/mot-de-passe/${link}` });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const done = await app.inject({ method: 'POST', url: `/mot-de-passe/${link}`, headers: { cookie }, payload: { _csrf: csrf, password: 'un-tout-nouveau-mot-de-passe' } });
    assert.equal(done.statusCode, 303);
    assert.equal(await me(first), 401, 'revoked at once, cache included');
    assert.equal(await me(second), 401);
    assert.equal(await me(alice.token), 401);
    assert.ok((await tokensOf(alice.principal.userId)).every((t) => t.revoked_at !== null), 'every token of the account');
    assert.equal(await me(bruno.token), 200, 'someone else’s tokens are untouched');
    const [event] = await journal('api_token.revoked_all', alice.principal.userId);
    assert.ok(event);
    assert.equal((event.details as { tokenIds: number[] }).tokenIds.length, (await tokensOf(alice.principal.userId)).filter((t) => t.revoked_at).length - 1, 'the one revoked from the page earlier is not counted again');
  });
});
