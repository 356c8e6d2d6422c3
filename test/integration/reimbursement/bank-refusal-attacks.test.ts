import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { loadPrincipal, type Principal } from '../../../src/accounts/use-cases/principal.js';
import { createSession, createUser } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { httpStatus } from '../../../src/http/errors.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { confirmBankDetails, refuseBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun } from '../../../src/reimbursement/use-cases/runs.js';
import { parisDay } from '../../../src/shared/dates.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, labelAndEnrol, makeActor, PASSWORD, serialsOfBooklet, type Actor } from '../../support/world.js';

const refusal = (status: number, code?: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatus(error), status, error.message);
  if (code) assert.equal(error.code, code);
  return true;
};

const DETAILS = { holderName: 'Association du lieu', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' };
const OTHER_DETAILS = { holderName: 'Association du lieu', iban: 'FR7630006000019876543210173', bic: 'AGRIFRPP' };

/**
 * The refusal of bank details (POST /lieux/:id/banque/refus, POST /api/v1/bank-accounts/:id/refusal) attacked:
 * reasons that say nothing (invisible characters), malformed inputs, the roles and organisations that must not
 * decide (the person who entered them, a hub or an administrator member of the place's organisation, other roles
 * through the API), details no longer pending, a form aimed through another place's page, a confirmation and refusals
 * at once; and the money: refused details are never paid to, whoever won the race.
 */
describe(`attacks on the refusal of bank details on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let hub: Actor;
  let colleagueA: Principal;
  let users = 0;

  const member = async (organisationId: number, role: 'mediator' | 'hub' | 'admin') => {
    const id = await createUser(platform.db, { email: `membre.${++users}.${Date.now()}@test.fr`, displayName: `Membre ${users}`, password: PASSWORD, organisationId, role, isOrgAdmin: false }, null);
    return (await loadPrincipal(platform.db, id))!;
  };
  const statusOf = async (id: number) => (await platform.db.selectFrom('bank_accounts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  async function fingerprint() {
    const parts: string[] = [];
    for (const table of ['bank_accounts', 'audit_events', 'statements']) {
      const { rows } = await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(platform.db);
      parts.push(`${table}:${rows[0]!.h}`);
    }
    return parts.join('\n');
  }

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    const made = await makeActor(platform.db, 'Hub de Loire-Atlantique', 'hub', '44');
    await platform.db.insertInto('organisation_departements').values({ organisation_id: made.organisationId, departement_code: '44' }).execute();
    hub = { ...made, principal: (await loadPrincipal(platform.db, made.principal.userId))! };
    colleagueA = await member(world.mediatorA.organisationId, 'mediator');
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('a reason that shows nothing (zero-width, direction marks, a lone combining accent) is no reason: refused, nothing changed', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const id = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    const before = await fingerprint();
    for (const reason of ['\u200b', '\u202e\u200b', '\u200e\u200f\u2066\u2069', '\ufeff\u00a0\u3000', '\u2060\u180e', '\u0301', ' \u200d \u200c ']) {
      await assert.rejects(refuseBankDetails(platform.db, hub.principal, id, reason), refusal(422, 'motif_requis'), JSON.stringify(reason));
    }
    const api = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, headers: { authorization: `Bearer ${hub.token}` }, payload: { reason: '\u200b\u200b' } });
    assert.equal(api.statusCode, 422, api.body);
    assert.equal(await fingerprint(), before);
    // A real reason, even short or in another script, is a reason.
    await refuseBankDetails(platform.db, hub.principal, id, '\u200bRIB\u200b');
    assert.equal(await statusOf(id), 'refused');
  });

  test('malformed inputs on the page and the API: 4xx in French, never a 500, nothing changed', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const id = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    const cookie = `ni_session=${await createSession(platform.db, hub.principal.userId)}`;
    const page = await app.inject({ url: `/lieux/${placeId}/banque`, headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookies = [cookie, ...page.cookies.filter((c) => c.name !== 'ni_session').map((c) => `${c.name}=${c.value}`)].join('; ');
    const post = (url: string, form: Record<string, unknown>) => app.inject({ method: 'POST', url, headers: { cookie: cookies }, payload: { _csrf: csrf, ...form } });
    const before = await fingerprint();
    const forms: [Record<string, unknown>, number][] = [
      [{ compte: String(id), motif: 'x'.repeat(501) }, 422],
      [{ compte: String(id), motif: '😀'.repeat(251) }, 422],
      [{ compte: String(id), motif: ['un', 'deux'] }, 422],
      [{ compte: String(id), motif: 'nul\u0000' }, 400],
      [{ compte: String(id) }, 422],
      [{ compte: 'abc', motif: 'motif' }, 422],
      [{ compte: '-1', motif: 'motif' }, 422],
      [{ compte: '99999999999999999999', motif: 'motif' }, 422],
      [{ compte: [String(id), String(id)], motif: 'motif' }, 422],
      [{ compte: '999999', motif: 'motif' }, 404],
    ];
    for (const [form, status] of forms) {
      const response = await post(`/lieux/${placeId}/banque/refus`, form);
      assert.equal(response.statusCode, status, `${JSON.stringify(form).slice(0, 80)} : ${response.statusCode}`);
    }
    for (const url of ['/lieux/abc/banque/refus', '/lieux/-1/banque/refus', '/lieux/99999999999999999999/banque/refus']) assert.equal((await post(url, { compte: String(id), motif: 'motif' })).statusCode, 404, url);
    const bearer = { authorization: `Bearer ${hub.token}` };
    const calls: [string, unknown, number][] = [
      [`/api/v1/bank-accounts/${id}/refusal`, { reason: 5 }, 400],
      [`/api/v1/bank-accounts/${id}/refusal`, { reason: ['x'] }, 400],
      [`/api/v1/bank-accounts/${id}/refusal`, { reason: null }, 400],
      [`/api/v1/bank-accounts/${id}/refusal`, { reason: 'x'.repeat(501) }, 422],
      [`/api/v1/bank-accounts/${id}/refusal`, { reason: 'nul\u0000' }, 400],
      ['/api/v1/bank-accounts/0/refusal', { reason: 'x' }, 400],
      ['/api/v1/bank-accounts/-1/refusal', { reason: 'x' }, 400],
      ['/api/v1/bank-accounts/99999999999999999999/refusal', { reason: 'x' }, 400],
      ['/api/v1/bank-accounts/1e3/refusal', { reason: 'x' }, 400],
      ['/api/v1/bank-accounts/999999/refusal', { reason: 'x' }, 404],
    ];
    for (const [url, payload, status] of calls) {
      const response = await app.inject({ method: 'POST', url, headers: bearer, payload: payload as Record<string, unknown> });
      assert.equal(response.statusCode, status, `${url} ${JSON.stringify(payload).slice(0, 40)} : ${response.body.slice(0, 200)}`);
    }
    const garbage = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, headers: { ...bearer, 'content-type': 'application/json' }, payload: '{"reason": "x"' });
    assert.equal(garbage.statusCode, 400);
    assert.equal(await fingerprint(), before);
    assert.equal(await statusOf(id), 'pending');
  });

  test('who must not decide: the person who entered them, the hub of the place’s own organisation, other organisations and roles by token', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const id = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    const helper = await makeActor(platform.db, 'Aidant', 'helper', '44');
    await assert.rejects(refuseBankDetails(platform.db, world.mediatorA.principal, id, 'moi-même'), refusal(403, 'meme_personne'));
    const before = await fingerprint();
    for (const actor of [world.mediatorB, world.outsider, world.funder, world.prescriber, world.state]) {
      const response = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, headers: { authorization: `Bearer ${actor.token}` }, payload: { reason: 'intrus' } });
      assert.ok([403, 404].includes(response.statusCode), `${actor.email} : ${response.statusCode}`);
    }
    const byHelper = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, headers: { authorization: `Bearer ${helper.token}` }, payload: { reason: 'intrus' } });
    assert.ok([403, 404].includes(byHelper.statusCode), String(byHelper.statusCode));
    assert.equal((await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, payload: { reason: 'anonyme' } })).statusCode, 401);
    assert.equal(await fingerprint(), before);
    // A place of the hub's own organisation: the hub (a reviewer, not a colleague) may not refuse; the administration may.
    const hubMediator = await member(hub.organisationId, 'mediator');
    const hubPlace = await addPlace(platform.db, hub.organisationId, '44109');
    const hubAccount = await requestBankDetails(platform.db, hubMediator, hubPlace, DETAILS);
    await assert.rejects(refuseBankDetails(platform.db, hub.principal, hubAccount, 'notre propre lieu'), refusal(403));
    await assert.rejects(refuseBankDetails(platform.db, hubMediator, hubAccount, 'moi-même'), refusal(403, 'meme_personne'));
    assert.equal(await statusOf(hubAccount), 'pending');
    await refuseBankDetails(platform.db, world.admin.principal, hubAccount, 'RIB illisible');
    assert.equal(await statusOf(hubAccount), 'refused');
  });

  test('details no longer pending (confirmed, superseded, replaced, refused) cannot be refused; a form aimed through another page is judged on the details’ own place', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const first = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    await confirmBankDetails(platform.db, colleagueA, first);
    const second = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, OTHER_DETAILS);
    await confirmBankDetails(platform.db, hub.principal, second);
    const replaced = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    const pending = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, OTHER_DETAILS);
    assert.deepEqual([await statusOf(first), await statusOf(second), await statusOf(replaced), await statusOf(pending)], ['superseded', 'confirmed', 'cancelled', 'pending']);
    const before = await fingerprint();
    for (const id of [first, second, replaced]) await assert.rejects(refuseBankDetails(platform.db, hub.principal, id, 'trop tard'), refusal(409), String(id));
    // The outsider's own place page, the pending details of place A's organisation in the form: refused on their place.
    const cookie = `ni_session=${await createSession(platform.db, world.outsider.principal.userId)}`;
    const page = await app.inject({ url: `/lieux/${world.placeOutside}/banque`, headers: { cookie } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookies = [cookie, ...page.cookies.filter((c) => c.name !== 'ni_session').map((c) => `${c.name}=${c.value}`)].join('; ');
    const aimed = await app.inject({ method: 'POST', url: `/lieux/${world.placeOutside}/banque/refus`, headers: { cookie: cookies }, payload: { _csrf: csrf, compte: String(pending), motif: 'intrus' } });
    assert.equal(aimed.statusCode, 403, aimed.body.slice(0, 200));
    assert.equal(await fingerprint(), before);
    assert.equal(await statusOf(pending), 'pending');
  });

  test('a confirmation and refusals at once: one decision wins, the others are 409, and refused details are never paid', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    for (let round = 0; round < 4; round++) {
      const mediator = await makeActor(platform.db, `Lieu payé ${round}`, 'mediator', '44');
      const colleague = await member(mediator.organisationId, 'mediator');
      const placeId = await addPlace(platform.db, mediator.organisationId, '44109');
      await labelAndEnrol(platform.db, placeId, world.programmeId);
      await redeemVoucher(platform, mediator.principal, makeVoucherCode(platform.secret, serials[round]!), placeId);
      const id = await requestBankDetails(platform.db, mediator.principal, placeId, DETAILS);
      const outcomes = await Promise.all([
        confirmBankDetails(platform.db, hub.principal, id),
        refuseBankDetails(platform.db, colleague, id, 'RIB d’un particulier'),
        refuseBankDetails(platform.db, world.admin.principal, id, 'IBAN détourné'),
        confirmBankDetails(platform.db, colleague, id),
      ].map((attempt) => attempt.then(() => 'ok', (error: unknown) => (error instanceof DomainError ? `${error.kind}` : `erreur : ${String(error)}`))));
      assert.equal(outcomes.filter((o) => o === 'ok').length, 1, outcomes.join(' | '));
      assert.ok(outcomes.every((o) => o === 'ok' || o === 'conflict'), outcomes.join(' | '));
      const status = await statusOf(id);
      const run = await createRun(platform.db, world.admin.principal.userId, parisDay());
      const statement = await platform.db.selectFrom('statements').select(['bank_account_id']).where('place_id', '=', placeId).executeTakeFirst();
      if (status === 'refused') {
        assert.equal(statement, undefined, 'jamais payé sur des coordonnées refusées');
        assert.ok(run.waiting.some((w) => w.placeId === placeId));
      } else {
        assert.equal(status, 'confirmed');
        assert.equal(statement?.bank_account_id, id);
      }
    }
  });
});
