import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { recordAccompaniment } from '../../../src/kit/use-cases/accompaniments.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { redeemVoucher, undoRedemption } from '../../../src/pass/use-cases/redemption.js';
import { parisDay } from '../../../src/shared/dates.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet, type Actor } from '../../support/world.js';

type World = Awaited<ReturnType<typeof buildWorld>>;

/**
 * Undoing a redemption: never for a voucher counted in a workshop or an individual accompaniment (even racing the
 * record), always with a reason (journaled), and on the page only after an explicit confirmation.
 */
describe(`undoing a redemption on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const noConcurrency = testDatabaseKind === 'pglite' && 'PGlite is a single connection: no concurrent transaction';

  before(async () => {
    platform = await openTestPlatform();
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  const code = (serial: number) => makeVoucherCode(platform.secret, serial);
  const statusOf = async (serial: number) => (await platform.db.selectFrom('vouchers').select('status').where('serial', '=', serial).executeTakeFirstOrThrow()).status;
  const undoEvents = (serial: number) => platform.db.selectFrom('audit_events').select(['details']).where('voucher_serial', '=', serial).where('action', '=', 'voucher.redemption_undone').execute();
  const refused = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;
  const redeemedAtA = async (world: World, index = 0) => {
    const serial = (await serialsOfBooklet(platform.db, world.handedBooklet))[index]!;
    await redeemVoucher(platform, world.mediatorA.principal, code(serial), world.placeA);
    return serial;
  };
  const workshop = (world: World, serial: number) =>
    recordAccompaniment(platform.db, platform.secret, world.mediatorA.principal, {
      kind: 'workshop', placeId: world.placeA, date: parisDay(), durationMinutes: 90, themes: ['internet'], participants: [{ voucherCode: code(serial) }, {}],
    });

  /** A signed-in browser: the session cookie, the CSRF cookie and a token for its forms. */
  async function browser(actor: Actor) {
    const session = await createSession(platform.db, actor.principal.userId);
    const page = await app.inject({ url: '/encaisser', headers: { cookie: `ni_session=${session}` } });
    assert.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = [`ni_session=${session}`, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    return { cookie, csrf };
  }

  test('a voucher counted in a workshop cannot be undone, so it cannot be redeemed elsewhere while the workshop claims it', async () => {
    const world = await buildWorld(platform.db);
    const serial = (await serialsOfBooklet(platform.db, world.handedBooklet))[0]!;
    const recorded = await workshop(world, serial);
    assert.equal(recorded.redeemed.length, 1);
    await assert.rejects(undoRedemption(platform.db, platform.secret, world.mediatorA.principal, code(serial), 'Erreur de saisie'), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'compte_dans_un_accompagnement');
      assert.equal(error.kind, 'conflict');
      assert.match(error.message, /compté dans l’atelier du .+ \(n° \d+\)/);
      assert.equal(error.details.accompanimentId, recorded.id);
      return true;
    });
    assert.equal(await statusOf(serial), 'redeemed');
    await assert.rejects(redeemVoucher(platform, world.mediatorB.principal, code(serial), world.placeB), refused('deja_encaisse'));
    assert.equal((await undoEvents(serial)).length, 0);
  });

  test('a voucher redeemed at the desk, then linked to an individual accompaniment, cannot be undone either', async () => {
    const world = await buildWorld(platform.db);
    const serial = await redeemedAtA(world);
    const recorded = await recordAccompaniment(platform.db, platform.secret, world.mediatorA.principal, {
      kind: 'individual', placeId: world.placeA, date: parisDay(), durationMinutes: 60, themes: ['internet'], participants: [{ voucherCode: code(serial) }],
    });
    assert.equal(recorded.linked.length, 1);
    const response = await app.inject({ method: 'DELETE', url: `/api/v1/vouchers/${code(serial)}/redemption`, headers: bearer(world.mediatorA.token), payload: { reason: 'Erreur de saisie' } });
    assert.equal(response.statusCode, 409, response.body);
    assert.equal(response.json().error, 'compte_dans_un_accompagnement');
    assert.match(response.json().message, /l’accompagnement individuel du/);
    assert.equal(await statusOf(serial), 'redeemed');
  });

  test('the API requires a reason (422 in French), takes it from the body or the query, and journals it', async () => {
    const world = await buildWorld(platform.db);
    const first = await redeemedAtA(world, 0);
    const second = await redeemedAtA(world, 1);
    for (const attempt of [{}, { payload: {} }, { payload: { reason: '   ' } }]) {
      const response = await app.inject({ method: 'DELETE', url: `/api/v1/vouchers/${code(first)}/redemption`, headers: bearer(world.mediatorA.token), ...attempt });
      assert.equal(response.statusCode, 422, response.body);
      assert.equal(response.json().error, 'motif_requis');
      assert.match(response.json().message, /motif de l’annulation/);
    }
    assert.equal(await statusOf(first), 'redeemed', 'nothing undone without a reason');
    assert.equal((await undoEvents(first)).length, 0);
    const byBody = await app.inject({ method: 'DELETE', url: `/api/v1/vouchers/${code(first)}/redemption`, headers: bearer(world.mediatorA.token), payload: { reason: 'Chèque saisi deux fois' } });
    assert.equal(byBody.statusCode, 200, byBody.body);
    assert.equal(byBody.json().status, 'handed');
    const byQuery = await app.inject({ method: 'DELETE', url: `/api/v1/vouchers/${code(second)}/redemption?reason=${encodeURIComponent('Mauvais lieu')}`, headers: bearer(world.mediatorA.token) });
    assert.equal(byQuery.statusCode, 200, byQuery.body);
    assert.deepEqual((await undoEvents(first)).map((e) => e.details), [{ reason: 'Chèque saisi deux fois' }]);
    assert.deepEqual((await undoEvents(second)).map((e) => e.details), [{ reason: 'Mauvais lieu' }]);
    await assert.rejects(undoRedemption(platform.db, platform.secret, world.mediatorA.principal, code(second), 'x'.repeat(501)), refused('motif_trop_long'));
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });

  test('on the page, the button of a line only asks: the undo needs the confirmation ticked and a reason, without JavaScript', async () => {
    const world = await buildWorld(platform.db);
    const serial = await redeemedAtA(world);
    const desk = await browser(world.mediatorA);
    const post = (fields: Record<string, string>) =>
      app.inject({ method: 'POST', url: '/encaisser/annulation', headers: { cookie: desk.cookie }, payload: { _csrf: desk.csrf, code: code(serial), ...fields } });
    const asked = await post({});
    assert.equal(asked.statusCode, 200);
    assert.match(asked.body, /Je confirme l’annulation de l’encaissement de ce chèque/);
    assert.match(asked.body, /name="motif"[^>]*required/);
    assert.match(asked.body, /name="etape" value="confirmer"/);
    assert.equal(await statusOf(serial), 'redeemed', 'one click undoes nothing');
    const unticked = await post({ etape: 'confirmer', motif: 'Erreur de saisie' });
    assert.equal(unticked.statusCode, 422);
    assert.match(unticked.body, /Cochez « Je confirme l’annulation de l’encaissement de ce chèque »/);
    assert.match(unticked.body, />Erreur de saisie<\/textarea>/, 'the reason typed is kept');
    const noReason = await post({ etape: 'confirmer', confirmation: 'oui', motif: ' ' });
    assert.equal(noReason.statusCode, 422);
    assert.match(noReason.body, /Indiquez le motif de l’annulation/);
    assert.equal(await statusOf(serial), 'redeemed');
    assert.equal((await undoEvents(serial)).length, 0);
    const done = await post({ etape: 'confirmer', confirmation: 'oui', motif: 'Erreur de saisie' });
    // Post/Redirect/Get: the undo answers 303 to the desk, which shows the outcome once.
    assert.equal(done.statusCode, 303);
    assert.equal(done.headers.location, '/encaisser');
    const flash = done.cookies.find((c) => c.name === 'ni_flash')!;
    const shown = await app.inject({ url: '/encaisser', headers: { cookie: `${desk.cookie}; ni_flash=${flash.value}` } });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /Encaissement du chèque .+ annulé/);
    assert.equal(await statusOf(serial), 'handed');
    assert.deepEqual((await undoEvents(serial)).map((e) => e.details), [{ reason: 'Erreur de saisie' }]);
  });

  test('an undo racing a workshop record waits for the voucher lock, then sees the voucher counted and refuses', { skip: noConcurrency }, async () => {
    const world = await buildWorld(platform.db);
    const serial = await redeemedAtA(world);
    const record = await platform.pool.connect();
    try {
      // What recording the workshop does, held open: the voucher row locked, the participant inserted.
      await record.query('begin');
      await record.query('select serial from vouchers where serial = $1 for no key update', [serial]);
      const { rows } = await record.query<{ id: number }>(
        `insert into accompaniments (kind, place_id, organisation_id, occurred_on, duration_minutes, themes, recorded_by)
         values ('workshop', $1, $2, $3, 90, array['internet'], $4) returning id`,
        [world.placeA, world.mediatorA.organisationId, parisDay(), world.mediatorA.principal.userId],
      );
      await record.query('insert into accompaniment_participants (accompaniment_id, voucher_serial) values ($1, $2)', [rows[0]!.id, serial]);
      const undo = undoRedemption(platform.db, platform.secret, world.mediatorA.principal, code(serial), 'Erreur de saisie');
      undo.catch(() => {});
      await sleep(300);
      await record.query('commit');
      await assert.rejects(undo, refused('compte_dans_un_accompagnement'));
    } finally {
      record.release();
    }
    assert.equal(await statusOf(serial), 'redeemed');
  });

  test('a workshop record racing an undo waits for the voucher lock, then redeems the voucher afresh instead of linking it', { skip: noConcurrency }, async () => {
    const world = await buildWorld(platform.db);
    const serial = await redeemedAtA(world);
    const voucher = await platform.db.selectFrom('vouchers').select(['programme_id', 'order_id', 'face_value_cents']).where('serial', '=', serial).executeTakeFirstOrThrow();
    const undo = await platform.pool.connect();
    let recording: ReturnType<typeof workshop> | undefined;
    try {
      // What an undo does, held open: the voucher row locked for update, then restored with the ledger reversed.
      await undo.query('begin');
      await undo.query('select serial from vouchers where serial = $1 for update', [serial]);
      recording = workshop(world, serial);
      recording.catch(() => {});
      await sleep(300);
      await undo.query(`update vouchers set status = 'handed', redeemed_at = null, redeemed_place_id = null, redeemed_by_user_id = null where serial = $1`, [serial]);
      await undo.query(
        `insert into ledger_entries (transaction_id, kind, account, programme_id, organisation_id, order_id, voucher_serial, amount_cents)
         select t, 'redemption_undone', a, $1, o, $2, $3, m from gen_random_uuid() t,
           (values ('vouchers_outstanding', null::bigint, -$4::bigint), ('place_payable', $5::bigint, $4::bigint)) as line(a, o, m)`,
        [voucher.programme_id, voucher.order_id, serial, voucher.face_value_cents, world.mediatorA.organisationId],
      );
      await undo.query('commit');
    } finally {
      undo.release();
    }
    const recorded = await recording!;
    assert.deepEqual(recorded.redeemed.map((r) => r.code.replaceAll('-', '')), [code(serial)], 'redeemed again by the workshop');
    assert.deepEqual(recorded.linked, []);
    assert.equal(await statusOf(serial), 'redeemed', 'a voucher counted in a workshop is a redeemed voucher');
    assert.equal((await verifyLedger(platform.db)).ok, true);
  });
});
