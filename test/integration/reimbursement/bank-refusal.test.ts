import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { httpStatus } from '../../../src/http/errors.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { bankDetailsOfPlace, confirmBankDetails, refuseBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun } from '../../../src/reimbursement/use-cases/runs.js';
import { parisDay } from '../../../src/shared/dates.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, labelAndEnrol, makeActor, serialsOfBooklet, type Actor } from '../../support/world.js';

const refusal = (status: number, code?: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatus(error), status, error.message);
  if (code) assert.equal(error.code, code);
  return true;
};

const DETAILS = { holderName: 'Association du lieu', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' };
const OTHER_DETAILS = { holderName: 'Association du lieu', iban: 'FR7630006000019876543210173', bic: 'AGRIFRPP' };

describe(`bank details refused with a reason on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let hub: Actor;
  let foreignHub: Actor;
  let serials: number[];

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    hub = await makeActor(platform.db, 'Hub de Loire-Atlantique', 'hub', '44');
    await platform.db.insertInto('organisation_departements').values({ organisation_id: hub.organisationId, departement_code: '44' }).execute();
    foreignHub = await makeActor(platform.db, 'Hub d’Ille-et-Vilaine', 'hub', '35');
    await platform.db.insertInto('organisation_departements').values({ organisation_id: foreignHub.organisationId, departement_code: '35' }).execute();
    // The actors were loaded before their hubs got a territory: load them again.
    hub = await makeActorAgain(hub);
    foreignHub = await makeActorAgain(foreignHub);
    serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  async function makeActorAgain(actor: Actor): Promise<Actor> {
    const { loadPrincipal } = await import('../../../src/accounts/use-cases/principal.js');
    return { ...actor, principal: (await loadPrincipal(platform.db, actor.principal.userId))! };
  }

  const audit = async (action: string, placeId: number) =>
    platform.db.selectFrom('audit_events').select(['actor_user_id', 'details']).where('action', '=', action).where('place_id', '=', placeId).execute();

  test('the people who may confirm may refuse, with a reason; nobody else; journaled', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const id = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    await assert.rejects(refuseBankDetails(platform.db, foreignHub.principal, id, 'pas notre territoire'), refusal(403), 'un hub d’un autre territoire');
    await assert.rejects(refuseBankDetails(platform.db, world.mediatorB.principal, id, 'autre structure'), refusal(403), 'un médiateur d’une autre structure');
    await assert.rejects(refuseBankDetails(platform.db, world.funder.principal, id, 'financeur'), refusal(403), 'un financeur');
    await assert.rejects(refuseBankDetails(platform.db, world.mediatorA.principal, id, 'moi-même'), refusal(403, 'meme_personne'));
    await assert.rejects(refuseBankDetails(platform.db, hub.principal, id, '   '), refusal(422, 'motif_requis'));
    assert.equal((await platform.db.selectFrom('bank_accounts').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status, 'pending', 'rien n’a changé');
    assert.deepEqual(await audit('bank_account.refused', placeId), []);

    await refuseBankDetails(platform.db, hub.principal, id, '  Le titulaire du RIB n’est pas la structure du lieu.  ');
    const row = await platform.db.selectFrom('bank_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    assert.equal(row.status, 'refused');
    assert.equal(row.refused_by, hub.principal.userId);
    assert.equal(row.refusal_reason, 'Le titulaire du RIB n’est pas la structure du lieu.');
    const journal = await audit('bank_account.refused', placeId);
    assert.equal(journal.length, 1);
    assert.equal(journal[0]!.actor_user_id, hub.principal.userId);
    assert.match(JSON.stringify(journal[0]!.details), /Le titulaire du RIB/);
    // Refused once: neither refused again nor confirmed afterwards.
    await assert.rejects(refuseBankDetails(platform.db, hub.principal, id, 'encore'), refusal(409));
    await assert.rejects(confirmBankDetails(platform.db, hub.principal, id), refusal(409));

    // The person who entered them reads the reason, and enters new details: the refusal is then history.
    const seen = await bankDetailsOfPlace(platform.db, world.mediatorA.principal, placeId);
    assert.equal(seen.pending, null);
    assert.equal(seen.refused?.refusal_reason, 'Le titulaire du RIB n’est pas la structure du lieu.');
    await requestBankDetails(platform.db, world.mediatorA.principal, placeId, OTHER_DETAILS);
    const after = await bankDetailsOfPlace(platform.db, world.mediatorA.principal, placeId);
    assert.equal(after.refused, null);
    assert.equal(after.pending?.iban, OTHER_DETAILS.iban);
  });

  test('refused details are never paid to: the place waits until other details are confirmed', async () => {
    const mediator = await makeActor(platform.db, 'Lieu à payer', 'mediator', '44');
    const placeId = await addPlace(platform.db, mediator.organisationId, '44109');
    await labelAndEnrol(platform.db, placeId, world.programmeId);
    await redeemVoucher(platform, mediator.principal, makeVoucherCode(platform.secret, serials[0]!), placeId);
    const refused = await requestBankDetails(platform.db, mediator.principal, placeId, DETAILS);
    await refuseBankDetails(platform.db, hub.principal, refused, 'IBAN d’un particulier');
    const run = await createRun(platform.db, world.admin.principal.userId, parisDay());
    assert.ok(run.waiting.some((w) => w.placeId === placeId), 'le lieu attend des coordonnées confirmées');
    assert.equal(await platform.db.selectFrom('statements').select('id').where('place_id', '=', placeId).executeTakeFirst(), undefined);
    assert.equal(await platform.db.selectFrom('statements').select('id').where('bank_account_id', '=', refused).executeTakeFirst(), undefined);

    const good = await requestBankDetails(platform.db, mediator.principal, placeId, OTHER_DETAILS);
    await confirmBankDetails(platform.db, hub.principal, good);
    const paid = await createRun(platform.db, world.admin.principal.userId, parisDay());
    const statement = await platform.db.selectFrom('statements').select(['bank_account_id', 'voucher_count']).where('place_id', '=', placeId).executeTakeFirstOrThrow();
    assert.ok(paid.runId);
    assert.deepEqual([statement.bank_account_id, statement.voucher_count], [good, 1]);
  });

  test('pages and API: the hub refuses with a reason (PRG), the mediator reads it; a foreign role gets 403', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const id = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, DETAILS);
    const credentials = async (actor: Actor) => {
      const cookie = `ni_session=${await createSession(platform.db, actor.principal.userId)}`;
      const page = await app.inject({ url: `/lieux/${placeId}/banque`, headers: { cookie } });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? (/name="_csrf" value="([^"]+)"/.exec((await app.inject({ url: '/espace', headers: { cookie } })).body)![1]!);
      return { page, cookie: [cookie, ...page.cookies.filter((c) => c.name !== 'ni_session').map((c) => `${c.name}=${c.value}`)].join('; '), csrf };
    };

    const hubPage = await credentials(hub);
    assert.equal(hubPage.page.statusCode, 200);
    assert.match(hubPage.page.body, /Refuser ces coordonnées/);
    const mediatorPage = await credentials(world.mediatorA);
    assert.doesNotMatch(mediatorPage.page.body, /Refuser ces coordonnées/, 'pas la personne qui les a saisies');

    const foreign = await credentials(foreignHub);
    const foreignPost = await app.inject({ method: 'POST', url: `/lieux/${placeId}/banque/refus`, headers: { cookie: foreign.cookie }, payload: { _csrf: foreign.csrf, compte: String(id), motif: 'intrus' } });
    assert.equal(foreignPost.statusCode, 403);
    const foreignApi = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, headers: { authorization: `Bearer ${foreignHub.token}` }, payload: { reason: 'intrus' } });
    assert.equal(foreignApi.statusCode, 403, foreignApi.body);
    const mediatorB = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/refusal`, headers: { authorization: `Bearer ${world.mediatorB.token}` }, payload: { reason: 'intrus' } });
    assert.equal(mediatorB.statusCode, 403, mediatorB.body);

    const empty = await app.inject({ method: 'POST', url: `/lieux/${placeId}/banque/refus`, headers: { cookie: hubPage.cookie }, payload: { _csrf: hubPage.csrf, compte: String(id), motif: '' } });
    assert.equal(empty.statusCode, 422);
    assert.match(empty.body, /Indiquez le motif du refus/);
    const refusedPost = await app.inject({ method: 'POST', url: `/lieux/${placeId}/banque/refus`, headers: { cookie: hubPage.cookie }, payload: { _csrf: hubPage.csrf, compte: String(id), motif: 'RIB illisible' } });
    assert.equal(refusedPost.statusCode, 303, refusedPost.body.slice(0, 300));
    assert.equal(refusedPost.headers.location, `/lieux/${placeId}/banque`);

    const read = await credentials(world.mediatorA);
    assert.match(read.page.body, /Coordonnées refusées/);
    assert.match(read.page.body, /Motif : <span id="motif-refus">RIB illisible<\/span>/);
    assert.match(read.page.body, /saisissez de nouvelles coordonnées/i);

    // The API: the same rule, 204 then 409.
    const second = await requestBankDetails(platform.db, world.mediatorA.principal, placeId, OTHER_DETAILS);
    const byApi = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${second}/refusal`, headers: { authorization: `Bearer ${hub.token}` }, payload: { reason: 'BIC d’une autre banque' } });
    assert.equal(byApi.statusCode, 204, byApi.body);
    const again = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${second}/refusal`, headers: { authorization: `Bearer ${hub.token}` }, payload: { reason: 'encore' } });
    assert.equal(again.statusCode, 409);
  });
});
