import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../../src/app.js';
import { createNotificationDispatcher, type NotificationDispatcher } from '../../../src/notifications/use-cases/dispatch.js';
import { inboxOf } from '../../../src/notifications/use-cases/inbox.js';
import { allocateBooklets, handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { nudgeEffect, sendNudges, updateNudgeSettings } from '../../../src/pilotage/use-cases/nudges.js';
import { readNudgeSettings, readSleeping } from '../../../src/pilotage/use-cases/sleeping.js';
import { DomainError } from '../../../src/shared/errors.js';
import { captureMailer, type MailMessage, type Mailer } from '../../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { pageClient } from '../../support/pages.js';
import { buildWorld, makeActor, type Actor } from '../../support/world.js';

const DAY = 86_400_000;

describe(`sleeping vouchers and nudges on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let mailer: Mailer & { sent: MailMessage[] };
  let dispatcher: NotificationDispatcher;
  let sleepingBooklets: string[];
  let hub44: Actor;
  let hub35: Actor;
  let foreignPrescriber: Actor;
  let firstNudge: Date;

  const nudgeMails = (email: string) => mailer.sent.filter((m) => m.to.includes(email) && /attribués? depuis 45/.test(m.subject));

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    mailer = captureMailer();
    dispatcher = createNotificationDispatcher(platform.db, mailer, 'https://inclusif.example.fr', (error) => {
      throw error;
    });
    hub44 = await makeActor(platform.db, 'Hub Ouest', 'hub', '44');
    hub35 = await makeActor(platform.db, 'Hub Bretagne', 'hub', '35');
    foreignPrescriber = await makeActor(platform.db, 'Mission locale de Rennes', 'prescriber', '35');
    // The two booklets left in the order go to the prescriber too: three allocated, not handed, 50 days ago.
    const more = await allocateBooklets(platform.db, world.funder.principal, { orderId: world.orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 2 });
    sleepingBooklets = [world.allocatedBooklet, ...more];
    await sql`update booklets set allocated_at = now() - interval '50 days' where allocated_organisation_id = ${world.prescriber.organisationId} and handed_at is null`.execute(platform.db);
    await dispatcher.run(); // the allocations' own notifications, out of the way
    mailer.sent.length = 0;
    firstNudge = new Date();
  });
  after(() => platform.dispose());

  test('booklets allocated 50 days ago: one nudge to the prescriber, in the inbox and by e-mail, with the link to its booklets', async () => {
    const run = await sendNudges(platform.db, { now: firstNudge });
    const mine = run.sent.filter((n) => n.kind === 'allocated_not_handed');
    assert.deepEqual(mine.map((n) => [n.organisationId, n.count]), [[world.prescriber.organisationId, 3]]);
    const journal = await platform.db.selectFrom('audit_events').select(['organisation_id', 'details']).where('action', '=', 'pilotage.nudge').execute();
    assert.equal(journal.length, run.sent.length, 'one journal row per nudge, written with it');

    await dispatcher.run();
    const info = (await inboxOf(platform.db, world.prescriber.principal)).info.filter((i) => i.kind === 'pilotage_nudge');
    assert.equal(info.length, 1);
    assert.equal(info[0]!.subject, '3\u00a0carnets attribués depuis 45\u00a0jours n’ont pas été remis');
    assert.equal(info[0]!.link, '/carnets');
    const mails = nudgeMails(world.prescriber.email);
    assert.equal(mails.length, 1);
    assert.deepEqual(mails[0]!.to, [world.prescriber.email]);
    assert.match(mails[0]!.text, /https:\/\/inclusif\.example\.fr\/carnets/);
    // Nobody else is told about the prescriber's drawers.
    for (const actor of [world.funder, world.mediatorA, hub44, foreignPrescriber]) assert.equal(nudgeMails(actor.email).length, 0, actor.email);
    // The places that redeemed nothing tell their own mediators.
    const placeNudge = (await inboxOf(platform.db, world.mediatorA.principal)).info.filter((i) => i.kind === 'pilotage_nudge');
    assert.equal(placeNudge.length, 1);
    assert.match(placeNudge[0]!.subject, /^1\u00a0lieu a encaissé moins de 5\u00a0chèques en 90\u00a0jours$/);
    assert.equal(placeNudge[0]!.link, '/mes-lieux');
  });

  test('sending again in the same period sends nothing new', async () => {
    const sentBefore = mailer.sent.length;
    const run = await sendNudges(platform.db, { now: new Date(firstNudge.getTime() + 60_000) });
    assert.deepEqual(run.sent, []);
    assert.ok(run.alreadySent > 0);
    await dispatcher.run();
    assert.equal(mailer.sent.length, sentBefore);
    assert.equal((await inboxOf(platform.db, world.prescriber.principal)).info.filter((i) => i.kind === 'pilotage_nudge').length, 1);
  });

  test('two concurrent runs of a new period send each nudge once', async () => {
    const nextPeriod = new Date(firstNudge.getTime() + 7 * DAY);
    const runs = await Promise.all([sendNudges(platform.db, { now: nextPeriod }), sendNudges(platform.db, { now: nextPeriod })]);
    const allocated = runs.flatMap((r) => r.sent).filter((n) => n.kind === 'allocated_not_handed' && n.organisationId === world.prescriber.organisationId);
    assert.equal(allocated.length, 1);
    const rows = await platform.db.selectFrom('nudges_sent').select('period_key').where('kind', '=', 'allocated_not_handed').where('organisation_id', '=', world.prescriber.organisationId).execute();
    assert.equal(rows.length, 2, 'one per period');
    await dispatcher.run();
    assert.equal(nudgeMails(world.prescriber.email).length, 2);
  });

  test('each sees the sleeping booklets its policy reaches: never another prescriber’s', async () => {
    const rowsOf = async (actor: Actor) => (await readSleeping(platform.db, actor.principal)).allocated.map((r) => r.organisationId);
    assert.deepEqual(await rowsOf(world.prescriber), [world.prescriber.organisationId]);
    assert.deepEqual(await rowsOf(world.funder), [world.prescriber.organisationId], 'the funder of the order');
    assert.deepEqual(await rowsOf(hub44), [world.prescriber.organisationId], 'the hub of its département');
    for (const actor of [foreignPrescriber, world.otherFunder, hub35]) assert.deepEqual(await rowsOf(actor), [], actor.email);
    await assert.rejects(readSleeping(platform.db, world.mediatorA.principal), (e: unknown) => e instanceof DomainError && e.kind === 'forbidden');
    const admin = await readSleeping(platform.db, world.admin.principal);
    assert.equal(admin.allocated.find((r) => r.organisationId === world.prescriber.organisationId)?.booklets, 3);
    assert.ok(admin.places.some((p) => p.placeId === world.placeA));
    assert.ok(!(await readSleeping(platform.db, world.prescriber.principal)).places.length, 'a prescriber has no place');
  });

  test('handed but unused: per commune, a commune with fewer than 5 booklets merged into « autres communes »', async () => {
    const { handed_at: handedAt } = await platform.db.selectFrom('booklets').select('handed_at').where('number', '=', world.handedBooklet).executeTakeFirstOrThrow();
    await sql`update booklets set handed_at = now() - interval '70 days' where number = ${world.handedBooklet}`.execute(platform.db);
    const { handed } = await readSleeping(platform.db, world.prescriber.principal);
    assert.deepEqual(handed.map((r) => [r.organisationId, r.communeCode, r.communeName, r.booklets]), [[world.prescriber.organisationId, null, 'autres communes', 1]]);
    await platform.db.updateTable('booklets').set({ handed_at: handedAt }).where('number', '=', world.handedBooklet).execute();
  });

  test('the effect of a nudge: the hand-outs of the 4 weeks after it, against the 4 weeks before', async () => {
    for (const number of sleepingBooklets.slice(0, 2)) await handBooklet(platform.db, world.prescriber.principal, number, { ageBand: '60-74', communeCode: '44109', situation: 'retiree' });
    const effects = await nudgeEffect(platform.db, world.prescriber.principal, { now: new Date(firstNudge.getTime() + 29 * DAY) });
    const first = effects.find((e) => e.kind === 'allocated_not_handed' && e.sentAt.getTime() === firstNudge.getTime());
    assert.ok(first);
    // World's hand-out came just before the first nudge; the two above after it.
    assert.deepEqual([first.before, first.after, first.complete], [1, 2, true]);
    assert.match(first.text, /^2\u00a0carnets remis dans les 4\u00a0semaines suivant la relance du .+, contre 1 avant$/);
    assert.deepEqual(await nudgeEffect(platform.db, foreignPrescriber.principal), []);
  });

  test('the settings: the administration only, whole days from 1 to 365, journaled', async () => {
    const input = (thresholdDays: unknown) => [{ kind: 'allocated_not_handed' as const, enabled: true, thresholdDays, period: 'month' }];
    await assert.rejects(updateNudgeSettings(platform.db, world.prescriber.principal, input(30)), (e: unknown) => e instanceof DomainError && e.kind === 'forbidden');
    for (const bad of ['0', '366', '4,5', 'abc', ''])
      await assert.rejects(updateNudgeSettings(platform.db, world.admin.principal, input(bad)), (e: unknown) => e instanceof DomainError && e.kind === 'invalid' && /nombre entier de jours, de 1 à 365/.test(e.message), bad);
    const settings = await updateNudgeSettings(platform.db, world.admin.principal, input('30'));
    assert.deepEqual([settings.allocated_not_handed.thresholdDays, settings.allocated_not_handed.period], [30, 'month']);
    assert.equal((await readNudgeSettings(platform.db)).handed_unused.thresholdDays, 60, 'the other kinds unchanged');
    const journal = await platform.db.selectFrom('audit_events').select('actor_user_id').where('action', '=', 'pilotage.nudges_configured').execute();
    assert.deepEqual(journal.map((j) => j.actor_user_id), [world.admin.principal.userId]);
    await updateNudgeSettings(platform.db, world.admin.principal, [{ kind: 'allocated_not_handed', enabled: true, thresholdDays: 45, period: 'week' }]);
  });

  test('the pages: the four lists with their CSV files, the settings form for the administration (PRG), the API', async () => {
    const app: FastifyInstance = await buildApp(platform);
    await app.ready();
    try {
      const prescriber = await pageClient(app, platform.db, world.prescriber.principal.userId);
      const page = await prescriber.get('/pilotage/dormants');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Chèques et carnets qui dorment<\/h1>/);
      assert.match(page.body, /depuis 45\u00a0jours ou plus/);
      assert.match(page.body, /href="\/carnets"/);
      assert.match(page.body, /carnets remis dans les 4\u00a0semaines suivant la relance du|carnets remis depuis la relance du/);
      const csv = await prescriber.get('/pilotage/dormants.csv?liste=attribues');
      assert.equal(csv.statusCode, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      assert.match(csv.body, /^\uFEFFStructure prescriptrice;Carnets attribués non remis;Plus ancienne attribution\r\nCAF;1;/);
      assert.equal((await prescriber.get('/pilotage/dormants.csv?liste=autre')).statusCode, 422);
      assert.equal((await prescriber.get('/pilotage/relances')).statusCode, 403);

      const admin = await pageClient(app, platform.db, world.admin.principal.userId);
      const form = await admin.get('/pilotage/relances');
      assert.equal(form.statusCode, 200);
      const fields = (days: string) => ({
        allocated_not_handed_actif: 'oui', allocated_not_handed_jours: days, allocated_not_handed_periode: 'week',
        handed_unused_actif: 'oui', handed_unused_jours: '60', handed_unused_periode: 'week',
        few_redemptions_actif: 'oui', few_redemptions_jours: '90', few_redemptions_minimum: '5', few_redemptions_periode: 'month',
        close_to_expiry_jours: '30', close_to_expiry_periode: 'week',
      });
      const refused = await admin.post('/pilotage/relances', fields('400'));
      assert.equal(refused.statusCode, 422);
      assert.match(refused.body, /nombre entier de jours, de 1 à 365 \(et non 400\)/);
      assert.match(refused.body, /value="400"/, 'the value typed is kept');
      const saved = await admin.post('/pilotage/relances', fields('40'));
      assert.equal(saved.statusCode, 303);
      assert.equal(saved.headers.location, '/pilotage/relances');
      assert.match((await admin.get('/pilotage/relances')).body, /Les réglages des relances sont enregistrés\./);
      const settings = await readNudgeSettings(platform.db);
      assert.deepEqual([settings.allocated_not_handed.thresholdDays, settings.close_to_expiry.enabled], [40, false]);
      await updateNudgeSettings(platform.db, world.admin.principal, [
        { kind: 'allocated_not_handed', enabled: true, thresholdDays: 45, period: 'week' },
        { kind: 'close_to_expiry', enabled: true, thresholdDays: 30, period: 'week' },
      ]);

      const api = await app.inject({ url: '/api/v1/pilotage/sleeping', headers: { authorization: `Bearer ${world.prescriber.token}` } });
      assert.equal(api.statusCode, 200, api.body);
      const body = api.json() as { allocated: { organisationId: number; booklets: number }[]; effects: unknown[] };
      assert.deepEqual(body.allocated.map((r) => [r.organisationId, r.booklets]), [[world.prescriber.organisationId, 1]]);
      assert.ok(body.effects.length > 0);
      const foreign = await app.inject({ url: '/api/v1/pilotage/sleeping', headers: { authorization: `Bearer ${foreignPrescriber.token}` } });
      assert.deepEqual((foreign.json() as { allocated: unknown[] }).allocated, []);
      assert.equal((await app.inject({ url: '/api/v1/pilotage/sleeping', headers: { authorization: `Bearer ${world.mediatorA.token}` } })).statusCode, 403);
    } finally {
      await app.close();
    }
  });
});
