import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { recordAccompaniment } from '../../../src/kit/use-cases/accompaniments.js';
import { bookletProgress, ordersProgress } from '../../../src/kit/use-cases/progress.js';
import { handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { bookletPin } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { verifyLedger } from '../../../src/pass/use-cases/ledger.js';
import { funderReport } from '../../../src/pass/use-cases/report.js';
import { DomainError } from '../../../src/shared/errors.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { buildApp } from '../../../src/app.js';
import { knowsEverything, knowsNothing, runDiagnosticByApi } from '../../support/diagnostic.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet } from '../../support/world.js';

describe(`kit d’intervention rapide on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const start = async (payload: Record<string, unknown> = {}) => (await app.inject({ method: 'POST', url: '/api/v1/diagnostics', payload })).json();
  const responseCount = async (id: string) => Number((await platform.db.selectFrom('diagnostic_responses').select((eb) => eb.fn.countAll().as('n')).where('diagnostic_id', '=', id).executeTakeFirstOrThrow()).n);

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('the API runs a diagnostic without an account: obstacles first, then items; all right gives level 3 and self-training', async () => {
    const started = await start();
    assert.equal(started.status, 'in_progress');
    assert.deepEqual(started.question.id, 'equipment');
    const { state, asked } = await runDiagnosticByApi(app, started.id, knowsEverything);
    assert.ok(asked <= 3 + 12, `${asked} écrans`);
    assert.equal(state.status, 'finished');
    assert.equal(state.result.overall, 3);
    assert.ok(state.result.levels.every((l: { level: number }) => l.level === 3));
    assert.equal(state.result.recommendation.vouchers, 0);
    assert.equal(state.result.recommendation.selfTraining, true);
    const oriented = (await app.inject({ url: `/api/v1/diagnostics/${started.id}?near=44109` })).json();
    assert.equal(oriented.orientation.near, 'Nantes (44)', 'the commune resolver’s label');
    assert.equal(oriented.orientation.workshopPlaces[0].id, world.placeA);
    assert.ok(oriented.orientation.workshopPlaces.every((p: { distanceKm: number }) => p.distanceKm <= 30));
  });

  test('all wrong with an urgent procedure and no device: level 1, 10 vouchers, a helper, equipment help, pass places nearest first', async () => {
    const started = await start();
    const { state } = await runDiagnosticByApi(app, started.id, { ...knowsNothing, equipment: ['none'], internet: 'none', feelings: ['fear', 'urgent'] });
    const r = state.result;
    assert.equal(r.overall, 1);
    assert.deepEqual(r.recommendation.workshops, { min: 8, max: 10 });
    assert.equal(r.recommendation.vouchers, 10);
    assert.equal(r.recommendation.helperReferral, true);
    assert.equal(r.recommendation.individualSupport, true);
    assert.deepEqual(r.recommendation.rules, ['niveau-1', 'themes', 'aidant', 'materiel', 'connexion', 'individuel']);
    assert.ok(r.recommendation.helpServices.includes('Acquisition de matériel informatique à prix solidaire'));
    const oriented = (await app.inject({ url: `/api/v1/diagnostics/${started.id}?near=44000` })).json();
    const names = oriented.orientation.workshopPlaces.map((p: { id: number }) => p.id);
    assert.equal(names[0], world.placeA, 'le lieu de Nantes, labellisé et inscrit au programme, vient en premier');
    assert.ok(!names.includes(world.placeOutside) || names.indexOf(world.placeOutside) > names.indexOf(world.placeB));
  });

  test('bad answers are refused in French and change nothing; a repeated answer is harmless; the way back forgets the last answer', async () => {
    const { id } = await start();
    const post = (payload: unknown) => app.inject({ method: 'POST', url: `/api/v1/diagnostics/${id}/answers`, payload: payload as object });
    const wrongQuestion = await post({ questionId: 'internet', answer: 'home' });
    assert.equal(wrongQuestion.statusCode, 409);
    assert.match(wrongQuestion.json().message, /question en cours/);
    const contradictory = await post({ questionId: 'equipment', answer: ['none', 'computer'] });
    assert.equal(contradictory.statusCode, 422);
    assert.equal((await post({ questionId: 'equipment', answer: [] })).json().message, 'Choisissez au moins une réponse.');
    assert.equal(await responseCount(id), 0);
    assert.equal((await post({ questionId: 'equipment', answer: ['computer'] })).statusCode, 200);
    assert.equal((await post({ questionId: 'equipment', answer: ['smartphone'] })).statusCode, 200, 'un double envoi ne change rien');
    assert.equal(await responseCount(id), 1);
    const stored = await platform.db.selectFrom('diagnostic_responses').select('answer').where('diagnostic_id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(stored.answer, ['computer']);
    const unknownChoice = await post({ questionId: 'internet', answer: 'satellite' });
    assert.equal(unknownChoice.statusCode, 422);
    assert.equal(await responseCount(id), 1);
    await post({ questionId: 'internet', answer: 'home' });
    await post({ questionId: 'feelings', answer: ['none'] });
    const firstItem = (await app.inject({ url: `/api/v1/diagnostics/${id}` })).json().question;
    assert.equal(firstItem.type, 'item');
    assert.equal(firstItem.choices.at(-1).text, 'Je ne sais pas');
    await post({ questionId: firstItem.id, answer: 'nsp' });
    const { goBack } = await import('../../../src/kit/use-cases/diagnostics.js');
    await goBack(platform.db, id);
    assert.equal((await app.inject({ url: `/api/v1/diagnostics/${id}` })).json().question.id, firstItem.id);
    assert.equal((await app.inject({ url: '/api/v1/diagnostics/not-a-uuid' })).statusCode, 400);
    assert.equal((await app.inject({ url: '/api/v1/diagnostics/00000000-0000-4000-8000-000000000000' })).statusCode, 404);
  });

  test('a booklet handed in the same flow records the diagnostic level; the follow-up by number and PIN shows progress', async () => {
    const first = await start();
    await runDiagnosticByApi(app, first.id, knowsNothing);
    const handed = await handBooklet(platform.db, world.prescriber.principal, world.allocatedBooklet, { ageBand: '40-59', communeCode: '44109', situation: 'rsa', diagnosticId: first.id });
    const booklet = await platform.db.selectFrom('booklets').select(['id', 'profile_diagnostic_level', 'pin_digits']).where('number', '=', handed.number).executeTakeFirstOrThrow();
    assert.equal(booklet.profile_diagnostic_level, 1);
    const audit = await platform.db.selectFrom('audit_events').select('details').where('action', '=', 'booklet.handed').where('booklet_id', '=', booklet.id).executeTakeFirstOrThrow();
    assert.equal((audit.details as { diagnosticId: string }).diagnosticId, first.id);

    const badPin = await app.inject({ method: 'POST', url: '/api/v1/diagnostics', payload: { bookletNumber: handed.number, bookletPin: bookletPin(platform.secret, booklet.id, booklet.pin_digits) === '000000' ? '111111' : '000000' } });
    assert.equal(badPin.statusCode, 404);
    // The second diagnostic comes after a workshop: one voucher of the booklet used first (diagnostic-steps.test.ts).
    const [firstVoucher] = await serialsOfBooklet(platform.db, handed.number);
    await redeemVoucher(platform, world.mediatorA.principal, formatVoucherCode(makeVoucherCode(platform.secret, firstVoucher!)), world.placeA);
    const followup = await start({ bookletNumber: handed.number, bookletPin: bookletPin(platform.secret, booklet.id, booklet.pin_digits) });
    assert.equal(followup.kind, 'followup');
    await runDiagnosticByApi(app, followup.id, { knows: (id) => !id.endsWith('faux-conseiller') && !id.endsWith('franceconnect') && !id.endsWith('indesirable') });
    const progress = (await bookletProgress(platform.db, booklet.id))!;
    assert.equal(progress.before!.overall, 1);
    assert.equal(progress.after!.overall, 2, 'niveau atteint dans la majorité des thèmes');
    assert.deepEqual(progress.topics.map((t) => [t.topic, t.before, t.after]), [['device', 1, 3], ['internet', 1, 3], ['messaging', 1, 2], ['procedures', 1, 2], ['security', 1, 2]]);
    await assert.rejects(
      handBooklet(platform.db, world.prescriber.principal, world.handedBooklet, { ageBand: '40-59', communeCode: '44109', situation: 'rsa', diagnosticId: first.id }),
      (error: DomainError) => error.code === 'diagnostic_non_liable' || error.code === 'carnet_deja_remis',
    );
    const [report] = await ordersProgress(platform.db, [world.orderId], 1);
    assert.equal(report!.measured, 1);
    assert.equal(report!.overallBefore, 1);
    assert.equal(report!.overallAfter, 2);
    const withheld = await funderReport(platform.db, world.funder.principal, world.funder.organisationId);
    assert.equal(withheld.progress[0]!.measured, 1);
    assert.equal(withheld.progress[0]!.overallAfter, null, 'moins de 3 carnets mesurés : moyennes masquées');
  });

  test('a workshop redeems its participants’ vouchers with the record, all or nothing', async () => {
    const serials = await serialsOfBooklet(platform.db, world.handedBooklet);
    const code = (serial: number) => formatVoucherCode(makeVoucherCode(platform.secret, serial));
    const input = (participants: { voucherCode?: string | null }[]) => ({ kind: 'workshop', placeId: world.placeA, date: '2026-11-20', durationMinutes: 120, themes: ['courriel', 'caf'], participants });
    const accompaniments = async () => Number((await platform.db.selectFrom('accompaniments').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

    const forged = code(serials[2]!).slice(0, -1) + (code(serials[2]!).endsWith('A') ? 'B' : 'A');
    await assert.rejects(
      recordAccompaniment(platform.db, platform.secret, world.mediatorA.principal, input([{ voucherCode: code(serials[0]!) }, { voucherCode: forged }])),
      (error: DomainError) => /Participant 2/.test(error.message) && /Rien n’a été enregistré/.test(error.message),
    );
    const outsiderVoucher = await recordAccompaniment(platform.db, platform.secret, world.outsider.principal, { ...input([{ voucherCode: code(serials[0]!) }]), placeId: world.placeOutside }).catch((e: DomainError) => e);
    assert.ok(outsiderVoucher instanceof DomainError && /hors du territoire|territoire/.test(outsiderVoucher.message), String((outsiderVoucher as Error).message));
    assert.equal(await accompaniments(), 0);
    const statuses = await platform.db.selectFrom('vouchers').select('status').where('serial', 'in', serials.slice(0, 3)).execute();
    assert.ok(statuses.every((s) => s.status === 'handed'), 'aucun chèque encaissé par un essai refusé');

    const recorded = await recordAccompaniment(platform.db, platform.secret, world.mediatorA.principal, input([
      { voucherCode: code(serials[0]!) }, { voucherCode: code(serials[1]!) }, { voucherCode: code(serials[2]!) }, { voucherCode: null },
    ]));
    assert.equal(recorded.redeemed.length, 3);
    assert.equal(recorded.anonymous, 1);
    assert.equal(await accompaniments(), 1);
    assert.equal((await verifyLedger(platform.db)).ok, true);

    const again = await recordAccompaniment(platform.db, platform.secret, world.mediatorA.principal, input([{ voucherCode: code(serials[0]!) }])).catch((e: DomainError) => e);
    assert.match((again as DomainError).message, /compte déjà dans l’accompagnement/);

    const api = await app.inject({
      method: 'POST', url: '/api/v1/accompaniments', headers: bearer(world.mediatorA.token),
      payload: { kind: 'individual', placeId: world.placeA, date: '2026-11-21', durationMinutes: 45, themes: ['impots'], participants: [{ voucherCode: code(serials[3]!), autonomy: 2, referral: 'helper' }] },
    });
    assert.equal(api.statusCode, 201, api.body);
    const details = (await app.inject({ url: `/api/v1/accompaniments/${api.json().id}`, headers: bearer(world.mediatorA.token) })).json();
    assert.equal(details.participants[0].autonomy, 2);
    assert.match(details.participants[0].referral, /aidant habilité/);
    const twoPeople = await app.inject({
      method: 'POST', url: '/api/v1/accompaniments', headers: bearer(world.mediatorA.token),
      payload: { kind: 'individual', placeId: world.placeA, date: '2026-11-21', durationMinutes: 45, themes: ['impots'], participants: [{}, {}] },
    });
    assert.equal(twoPeople.statusCode, 422);
    assert.match(twoPeople.json().message, /une seule personne/);
    const notMine = await app.inject({
      method: 'POST', url: '/api/v1/accompaniments', headers: bearer(world.mediatorB.token),
      payload: { kind: 'workshop', placeId: world.placeA, date: '2026-11-21', durationMinutes: 45, themes: ['impots'], participants: [{}] },
    });
    assert.equal(notMine.statusCode, 403);
  });

  test('the OpenAPI document describes the diagnostic and accompaniment endpoints', async () => {
    const doc = (await app.inject({ url: '/api/v1/openapi.json' })).json();
    for (const path of ['/api/v1/diagnostics', '/api/v1/diagnostics/{id}/answers', '/api/v1/diagnostics/{id}', '/api/v1/accompaniments']) assert.ok(doc.paths[path], path);
    assert.ok(doc.paths['/api/v1/accompaniments'].post.requestBody.content['application/json'].schema.properties.participants);
  });
});
