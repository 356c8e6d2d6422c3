import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { loadItemBank } from '../../../src/kit/use-cases/item-bank-file.js';
import { bookletPin } from '../../../src/pass/domain/booklet-number.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld } from '../../support/world.js';

const bank = loadItemBank();

/**
 * The diagnostic's new doors attacked: the follow-up by booklet number and PIN must say nothing of a booklet to whom
 * lacks its PIN (handed or not, used or not), and count every wrong PIN; the way back, the reader and the answers
 * take any shape without a 500, concurrent answers and ways back keep one answer per step; the progress link's
 * number is reflected as digits only.
 */
describe(`attacks on the diagnostic on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let addresses = 0;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  /** A visitor without an account, at an address of its own (the start of a diagnostic is limited per address). */
  async function visitor() {
    const remoteAddress = `10.55.0.${++addresses}`;
    const page = await app.inject({ url: '/diagnostic', remoteAddress });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    return {
      post: (url: string, body: Record<string, unknown> = {}) => app.inject({ method: 'POST', url, remoteAddress, headers: { cookie }, payload: { _csrf: csrf, ...body } }),
      get: (url: string) => app.inject({ url, remoteAddress, headers: { cookie } }),
    };
  }
  const alertOf = (body: string) => /fr-alert[^>]*>\s*(?:<[^>]+>\s*)*([^<]+)/.exec(body)?.[1]?.trim() ?? '';
  const bookletOf = (number: string) => platform.db.selectFrom('booklets').select(['id', 'number', 'pin_digits', 'pin_failures', 'locked_at']).where('number', '=', number).executeTakeFirstOrThrow();

  test('the follow-up door tells nothing of a booklet without its PIN, counts every wrong PIN, and locks at ten', async () => {
    const handed = await bookletOf(world.handedBooklet);
    const notHanded = await bookletOf(world.allocatedBooklet);
    const who = await visitor();
    const unknown = await who.post('/diagnostic', { numero: '999999999', pin: '000000' });
    for (const booklet of [handed, notHanded]) {
      const wrong = await who.post('/diagnostic', { numero: booklet.number, pin: '000000' });
      assert.equal(wrong.statusCode, unknown.statusCode);
      assert.equal(alertOf(wrong.body), alertOf(unknown.body), 'la même réponse qu’un carnet inconnu');
    }
    // The same through the API.
    const apiUnknown = await app.inject({ method: 'POST', url: '/api/v1/diagnostics', remoteAddress: '10.55.1.1', payload: { bookletNumber: '999999999', bookletPin: '000000' } });
    const apiWrong = await app.inject({ method: 'POST', url: '/api/v1/diagnostics', remoteAddress: '10.55.1.1', payload: { bookletNumber: handed.number, bookletPin: '000000' } });
    assert.equal(apiWrong.statusCode, apiUnknown.statusCode);
    assert.deepEqual(apiWrong.json(), apiUnknown.json());
    // With the right PIN, and only then, the rule speaks: not handed yet, or no workshop yet.
    const right = await who.post('/diagnostic', { numero: handed.number, pin: bookletPin(platform.secret, handed.id, handed.pin_digits) });
    assert.equal(right.statusCode, 409);
    assert.match(alertOf(right.body), /aucun chèque de ce carnet n’a encore servi/);
    const rightNotHanded = await who.post('/diagnostic', { numero: notHanded.number, pin: bookletPin(platform.secret, notHanded.id, notHanded.pin_digits) });
    assert.equal(rightNotHanded.statusCode, 409);
    assert.match(alertOf(rightNotHanded.body), /pas encore été remis/);
    assert.equal((await bookletOf(notHanded.number)).pin_failures, 0);
    // A right PIN resets the count; nine wrong ones after it leave the booklet usable, the tenth locks it.
    for (let i = 0; i < 9; i++) await (await visitor()).post('/diagnostic', { numero: notHanded.number, pin: String(100000 + i) });
    assert.equal((await bookletOf(notHanded.number)).locked_at, null);
    const tenth = await (await visitor()).post('/diagnostic', { numero: notHanded.number, pin: '999999' });
    assert.equal(tenth.statusCode, 403);
    assert.match(alertOf(tenth.body), /bloqué/);
    assert.notEqual((await bookletOf(notHanded.number)).locked_at, null);
    // Locked: even the right PIN no longer opens it, at this door as at the others.
    const rightButLocked = await (await visitor()).post('/diagnostic', { numero: notHanded.number, pin: bookletPin(platform.secret, notHanded.id, notHanded.pin_digits) });
    assert.equal(rightButLocked.statusCode, 403);
    const diagnostics = await platform.db.selectFrom('diagnostics').select('id').where('booklet_id', 'in', [handed.id, notHanded.id]).execute();
    assert.deepEqual(diagnostics, [], 'aucun deuxième diagnostic ouvert');
  });

  test('answers, ways back, readers and ids of any shape: 4xx, never a 500; a finished diagnostic no longer moves', async () => {
    const who = await visitor();
    const odd: Record<string, unknown>[] = [{ reader: ['person', 'professional'] }, { reader: 'x'.repeat(5000) }, { numero: ['1', '2'], pin: { a: 1 } }, { numero: 'x'.repeat(20000) }];
    for (const body of odd) assert.ok((await who.post('/diagnostic', body)).statusCode < 500, JSON.stringify(body).slice(0, 40));
    const started = await who.post('/diagnostic', {});
    const id = String(started.headers.location).split('/').pop()!;
    const cases: [string, Record<string, unknown>][] = [
      [`/diagnostic/${id}/reponse`, { question: 'equipment', answer: ['none', 'smartphone'] }],
      [`/diagnostic/${id}/reponse`, { question: 'equipment', answer: { $ne: 1 } }],
      [`/diagnostic/${id}/reponse`, { question: ['equipment', 'internet'], answer: 'none' }],
      [`/diagnostic/${id}/reponse`, { question: 'x'.repeat(10000), answer: 'none' }],
      [`/diagnostic/${id}/reponse`, { question: 'internet', answer: 'home' }],
      [`/diagnostic/${id}/reponse`, { question: 'equipment', answer: [...Array(2000).fill('smartphone'), 'inconnu'] }],
      ['/diagnostic/not-a-uuid/reponse', { question: 'equipment', answer: 'none' }],
      ['/diagnostic/00000000-0000-0000-0000-000000000000/retour', {}],
      [`/diagnostic/${id}%2F..%2F/retour`, {}],
      [`/diagnostic/${id.toUpperCase()}x/retour`, {}],
    ];
    for (const [url, body] of cases) {
      const response = await who.post(url, body);
      assert.ok(response.statusCode >= 400 && response.statusCode < 500, `${url} ${JSON.stringify(body).slice(0, 60)} : ${response.statusCode}`);
    }
    // The same choice sent two thousand times is one choice.
    assert.equal((await who.post(`/diagnostic/${id}/reponse`, { question: 'equipment', answer: Array(2000).fill('smartphone') })).statusCode, 303);
    assert.deepEqual(await platform.db.selectFrom('diagnostic_responses').select(['question_id', 'answer']).where('diagnostic_id', '=', id).execute(), [{ question_id: 'equipment', answer: ['smartphone'] }]);
    assert.equal((await who.post(`/diagnostic/${id}/retour`)).statusCode, 303);
    // Ways back past the first question change nothing and answer like any way back.
    for (let i = 0; i < 3; i++) assert.equal((await who.post(`/diagnostic/${id}/retour`)).statusCode, 303);
    const answers = await platform.db.selectFrom('diagnostic_responses').select('question_id').where('diagnostic_id', '=', id).execute();
    assert.deepEqual(answers, []);
    // Finished through the API (every item answered « Je ne sais pas »): no way back, no answer, no new near.
    const api = (url: string, payload?: Record<string, unknown>) => app.inject({ method: payload ? 'POST' : 'GET', url, ...(payload ? { payload } : {}) });
    let state = (await api(`/api/v1/diagnostics/${id}`)).json();
    for (let step = 0; state.question && step < 20; step++) {
      const q = state.question;
      const choice = q.type === 'obstacle' ? ({ equipment: ['smartphone'], internet: 'home', feelings: ['none'] } as Record<string, unknown>)[q.id] : 'nsp';
      state = (await api(`/api/v1/diagnostics/${id}/answers`, { questionId: q.id, answer: choice })).json();
    }
    assert.equal(state.question, null, 'terminé');
    const frozen = await platform.db.selectFrom('diagnostics').select(['finished_at', 'overall_level', 'previous_answers']).where('id', '=', id).executeTakeFirstOrThrow();
    const back = await who.post(`/diagnostic/${id}/retour`);
    assert.equal(back.statusCode, 409);
    const late = await who.post(`/diagnostic/${id}/reponse`, { question: 'equipment', answer: 'none' });
    assert.equal(late.statusCode, 409);
    assert.deepEqual(await platform.db.selectFrom('diagnostics').select(['finished_at', 'overall_level', 'previous_answers']).where('id', '=', id).executeTakeFirstOrThrow(), frozen);
    void bank;
  });

  test('answers and ways back sent at once keep one answer per step, in order, without a 500', async () => {
    const who = await visitor();
    const id = String((await who.post('/diagnostic', {})).headers.location).split('/').pop()!;
    const responses = await Promise.all([
      who.post(`/diagnostic/${id}/reponse`, { question: 'equipment', answer: 'smartphone' }),
      who.post(`/diagnostic/${id}/reponse`, { question: 'equipment', answer: 'computer' }),
      who.post(`/diagnostic/${id}/retour`),
      who.post(`/diagnostic/${id}/reponse`, { question: 'equipment', answer: 'smartphone' }),
      who.post(`/diagnostic/${id}/retour`),
    ]);
    assert.ok(responses.every((r) => r.statusCode === 303 || r.statusCode === 409), responses.map((r) => r.statusCode).join(', '));
    const rows = await platform.db.selectFrom('diagnostic_responses').select(['position', 'question_id']).where('diagnostic_id', '=', id).orderBy('position').execute();
    assert.ok(rows.length <= 1, JSON.stringify(rows));
    rows.forEach((row, i) => assert.equal(row.position, i + 1));
    assert.equal((await who.get(`/diagnostic/${id}`)).statusCode, 200);
  });

  test('the progress link’s number is shown back as digits only', async () => {
    for (const [query, shown] of [['numero=123%20456%20789', '123 456 789'], ['numero=%3Cscript%3E', null], ['numero[]=1', null], ['numero=1&numero=2', null], [`numero=${'1'.repeat(21)}`, null], ['numero=%22%3E%3Cb%3E', null]] as const) {
      const page = await app.inject({ url: `/diagnostic?${query}` });
      assert.equal(page.statusCode, 200, query);
      const value = /<input[^>]*name="numero"[^>]*>/.exec(page.body)?.[0].match(/value="([^"]*)"/)?.[1] ?? null;
      assert.equal(value || null, shown, query);
      assert.doesNotMatch(page.body, /<script>|<b>/);
    }
  });
});
