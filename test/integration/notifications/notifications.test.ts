import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { loadPrincipal, type Principal } from '../../../src/accounts/use-cases/principal.js';
import { createSession, createUser } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { createNotificationDispatcher, type NotificationDispatcher } from '../../../src/notifications/use-cases/dispatch.js';
import { inboxOf, markAllNotificationsRead, markNotificationRead, notificationCount } from '../../../src/notifications/use-cases/inbox.js';
import { recordPayment } from '../../../src/pass/use-cases/activation.js';
import { allocateBooklets, handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { issueOrder } from '../../../src/pass/use-cases/issuance.js';
import { placeOrder } from '../../../src/pass/use-cases/orders.js';
import { canReviewLabel } from '../../../src/places/domain/policies.js';
import { applyForLabel, decideLabel } from '../../../src/places/use-cases/labels.js';
import { canConfirmBankDetails } from '../../../src/reimbursement/domain/policies.js';
import { confirmBankDetails, refuseBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { DomainError } from '../../../src/shared/errors.js';
import { captureMailer, type MailMessage, type Mailer } from '../../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, makeActor, PASSWORD, type Actor } from '../../support/world.js';

const IBAN = 'FR7630006000011234567890189';
let emailCounter = 0;

describe(`notifications on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let mailer: Mailer & { sent: MailMessage[] };
  let dispatcher: NotificationDispatcher;
  let hub44: Actor;
  let hub35: Actor;
  let colleagueA: Principal;
  let criteria: number[];

  const todoOf = async (principal: Principal, kind?: string) => (await inboxOf(platform.db, principal)).todo.filter((t) => !kind || t.kind === kind);
  const mailsTo = (email: string, subject: RegExp) => mailer.sent.filter((m) => m.to.includes(email) && subject.test(m.subject));
  const colleagueOf = async (actor: Actor, role: 'mediator' | 'prescriber' | 'funder' = 'mediator') => {
    const id = await createUser(platform.db, { email: `collegue.${++emailCounter}.${Date.now()}@test.fr`, displayName: `Collègue ${emailCounter}`, password: PASSWORD, organisationId: actor.organisationId, role, isOrgAdmin: false }, null);
    return (await loadPrincipal(platform.db, id))!;
  };

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    mailer = captureMailer();
    dispatcher = createNotificationDispatcher(platform.db, mailer, 'https://inclusif.example.fr', (error) => { throw error; });
    hub44 = await makeActor(platform.db, 'Hub Ouest', 'hub', '44');
    hub35 = await makeActor(platform.db, 'Hub Bretagne', 'hub', '35');
    colleagueA = await colleagueOf(world.mediatorA);
    criteria = (await platform.db.selectFrom('label_criteria').select('id').where('active', '=', true).execute()).map((c) => c.id);
  });
  after(() => platform.dispose());

  test('a label application is to do for the hub of the territory and the administration only, e-mailed once each, and leaves when decided', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const labelId = await applyForLabel(platform.db, world.mediatorA.principal, placeId, { criteriaMet: criteria, note: '' });
    const link = `/labels/${labelId}`;
    for (const who of [hub44.principal, world.admin.principal]) assert.equal((await todoOf(who, 'label_application')).filter((t) => t.link === link).length, 1, who.email);
    for (const who of [hub35.principal, world.mediatorA.principal, colleagueA, world.funder.principal, world.prescriber.principal]) assert.deepEqual(await todoOf(who, 'label_application'), [], who.email);

    const before = (await notificationCount(platform.db, hub44.principal)).todo;
    await dispatcher.run();
    await dispatcher.run();
    for (const email of [hub44.email, world.admin.email]) {
      const mails = mailsTo(email, /Demande de label à examiner/);
      assert.equal(mails.length, 1, email);
      assert.deepEqual(mails[0]!.to, [email], 'one e-mail per person');
      assert.match(mails[0]!.text, new RegExp(`https://inclusif\\.example\\.fr/labels/${labelId}`));
    }
    for (const email of [hub35.email, world.mediatorA.email]) assert.equal(mailsTo(email, /Demande de label/).length, 0, email);

    const validUntil = `${new Date().getFullYear() + 3}-01-01`;
    await decideLabel(platform.db, hub44.principal, labelId, { kind: 'approve', validFrom: new Date().toISOString().slice(0, 10), validUntil });
    assert.equal((await notificationCount(platform.db, hub44.principal)).todo, before - 1);
    assert.deepEqual((await todoOf(world.admin.principal, 'label_application')).filter((t) => t.link === link), []);
  });

  test('bank details are to do for another mediator of the place, the hub and the administration, never for the person who entered them', async () => {
    const accountId = await requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Association du lieu A', iban: IBAN, bic: 'AGRIFRPP' });
    const link = `/lieux/${world.placeA}/banque`;
    for (const who of [colleagueA, hub44.principal, world.admin.principal]) assert.equal((await todoOf(who, 'bank_details')).filter((t) => t.link === link).length, 1, who.email);
    for (const who of [world.mediatorA.principal, world.mediatorB.principal, hub35.principal, world.funder.principal]) assert.deepEqual((await todoOf(who, 'bank_details')).filter((t) => t.link === link), [], who.email);

    await dispatcher.run();
    await dispatcher.run();
    for (const email of [colleagueA.email, hub44.email, world.admin.email]) assert.equal(mailsTo(email, /Coordonnées bancaires à confirmer/).length, 1, email);
    for (const email of [world.mediatorA.email, world.mediatorB.email, hub35.email]) assert.equal(mailsTo(email, /Coordonnées bancaires/).length, 0, email);

    const counts = await Promise.all([colleagueA, hub44.principal, world.admin.principal].map((p) => notificationCount(platform.db, p)));
    await confirmBankDetails(platform.db, colleagueA, accountId);
    const after = await Promise.all([colleagueA, hub44.principal, world.admin.principal].map((p) => notificationCount(platform.db, p)));
    after.forEach((count, i) => assert.equal(count.todo, counts[i]!.todo - 1));
  });

  test('a hub never has to confirm the bank details of a place of its own organisation (the two-person rule, in the inbox too)', async () => {
    const hubMediator = await colleagueOf(hub44, 'mediator');
    const hubPlace = await addPlace(platform.db, hub44.organisationId, '44109');
    await requestBankDetails(platform.db, hubMediator, hubPlace, { holderName: 'Hub Ouest', iban: IBAN, bic: 'AGRIFRPP' });
    assert.deepEqual((await todoOf(hub44.principal, 'bank_details')).filter((t) => t.link === `/lieux/${hubPlace}/banque`), []);
    assert.equal((await todoOf(world.admin.principal, 'bank_details')).filter((t) => t.link === `/lieux/${hubPlace}/banque`).length, 1);
  });

  test('the answer reaches those who asked: a label refused informs the place’s mediators, refused bank details those who may enter new ones', async () => {
    // Their own organisation and place: the other tests' counts are not touched.
    const mediator = await makeActor(platform.db, 'Tiers-lieu des décisions', 'mediator', '44');
    const colleague = await colleagueOf(mediator);
    const placeId = await addPlace(platform.db, mediator.organisationId, '44109');
    const labelId = await applyForLabel(platform.db, mediator.principal, placeId, { criteriaMet: criteria, note: '' });
    await dispatcher.run();
    await decideLabel(platform.db, hub44.principal, labelId, { kind: 'refuse', reason: 'Horaires d’ouverture insuffisants.' });
    await dispatcher.run();
    const infoOf = async (principal: Principal) => (await inboxOf(platform.db, principal)).info.filter((i) => i.kind === 'label_decided' && i.link === `/lieux/${placeId}/label`);
    for (const who of [mediator.principal, colleague]) {
      const [item] = await infoOf(who);
      assert.ok(item, who.email);
      assert.match(item.subject, /^Demande de label refusée/);
      assert.match(item.body, /Motif : Horaires d’ouverture insuffisants\./);
    }
    for (const who of [hub44.principal, hub35.principal, world.mediatorB.principal, world.funder.principal]) assert.deepEqual(await infoOf(who), [], who.email);
    assert.equal(mailsTo(mediator.email, /Demande de label refusée/).length, 1);

    const accountId = await requestBankDetails(platform.db, mediator.principal, placeId, { holderName: 'Association du lieu', iban: IBAN, bic: 'AGRIFRPP' });
    await dispatcher.run();
    await refuseBankDetails(platform.db, hub44.principal, accountId, 'Le RIB ne correspond pas au titulaire.');
    await dispatcher.run();
    const refusedOf = async (principal: Principal) => (await inboxOf(platform.db, principal)).info.filter((i) => i.kind === 'bank_details_refused' && i.link === `/lieux/${placeId}/banque`);
    for (const who of [mediator.principal, colleague]) assert.match((await refusedOf(who))[0]?.body ?? '', /Motif : Le RIB ne correspond pas au titulaire\./, who.email);
    for (const who of [hub44.principal, world.mediatorB.principal, world.admin.principal]) assert.deepEqual(await refusedOf(who), [], who.email);
  });

  test('the to-do lists are exactly what canReviewLabel and canConfirmBankDetails allow, for every person', async () => {
    const placeId = await addPlace(platform.db, world.outsider.organisationId, '35238');
    await applyForLabel(platform.db, world.outsider.principal, placeId, { criteriaMet: criteria, note: '' });
    const everyone = [world.admin, world.funder, world.prescriber, world.mediatorA, world.mediatorB, world.outsider, hub44, hub35].map((a) => a.principal).concat(colleagueA);
    const labels = await platform.db.selectFrom('place_labels as l').innerJoin('places as p', 'p.id', 'l.place_id').innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
      .select(['l.id', 'p.organisation_id', 'c.departement_code']).where('l.status', '=', 'pending').execute();
    const accounts = await platform.db.selectFrom('bank_accounts as b').innerJoin('places as p', 'p.id', 'b.place_id').innerJoin('communes as c', 'c.insee_code', 'p.commune_code')
      .select(['b.place_id', 'b.requested_by', 'p.organisation_id', 'c.departement_code']).where('b.status', '=', 'pending').execute();
    assert.ok(labels.length > 0 && accounts.length > 0);
    for (const principal of everyone) {
      const facts = (r: { organisation_id: number | null; departement_code: string }) => ({ organisationId: r.organisation_id, departementCode: r.departement_code });
      const expectedLabels = labels.filter((l) => canReviewLabel(principal, facts(l))).map((l) => `/labels/${l.id}`).sort();
      const expectedBank = accounts.filter((b) => canConfirmBankDetails(principal, facts(b), b.requested_by)).map((b) => `/lieux/${b.place_id}/banque`).sort();
      assert.deepEqual((await todoOf(principal, 'label_application')).map((t) => t.link).sort(), expectedLabels, principal.email);
      assert.deepEqual((await todoOf(principal, 'bank_details')).map((t) => t.link).sort(), expectedBank, principal.email);
      const inbox = await inboxOf(platform.db, principal);
      assert.deepEqual(await notificationCount(platform.db, principal), inbox.count, `le compte de l’en-tête est celui de la page (${principal.email})`);
    }
  });

  test('an order paid informs the funder that ordered it; booklets allocated inform the receiving prescribers; read state is per person', async () => {
    const prescriberColleague = await colleagueOf(world.prescriber, 'prescriber');
    const otherPrescriber = await makeActor(platform.db, 'France Travail', 'prescriber');
    const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 3, vouchersPerBooklet: 10 });
    await issueOrder(platform.db, world.admin.principal.userId, orderId);
    await recordPayment(platform.db, world.admin.principal.userId, orderId, 'VIR-NOTIF');
    await allocateBooklets(platform.db, world.funder.principal, { orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 2 });
    await dispatcher.run();

    const infoOf = async (p: Principal) => (await inboxOf(platform.db, p)).info.filter((i) => i.link === `/commandes/${orderId}` || i.body.includes(`commande n° ${orderId})`));
    const paid = (await infoOf(world.funder.principal)).filter((i) => i.kind === 'order_paid');
    assert.equal(paid.length, 1);
    assert.equal(paid[0]!.readAt, null);
    assert.match(paid[0]!.subject, new RegExp(`Commande n° ${orderId} payée : 3\u00a0carnets à attribuer`));
    for (const p of [world.state.principal, world.otherFunder.principal, world.admin.principal, world.prescriber.principal]) assert.deepEqual((await infoOf(p)).filter((i) => i.kind === 'order_paid'), [], p.email);
    for (const p of [world.prescriber.principal, prescriberColleague]) {
      const allocated = (await infoOf(p)).filter((i) => i.kind === 'booklets_allocated');
      assert.equal(allocated.length, 1, p.email);
      assert.equal(allocated[0]!.link, '/carnets');
    }
    for (const p of [otherPrescriber.principal, world.funder.principal]) assert.deepEqual((await infoOf(p)).filter((i) => i.kind === 'booklets_allocated'), [], p.email);
    assert.equal(mailsTo(world.funder.email, new RegExp(`Commande n° ${orderId} payée`)).length, 1);
    assert.equal(mailsTo(world.prescriber.email, /2\u00a0carnets attribués/).filter((m) => m.text.includes(`commande n° ${orderId})`)).length, 1);
    assert.equal(mailsTo(otherPrescriber.email, /carnets attribués/).length, 0);

    // Another person's notification is not found, and stays unread for its owner.
    const before = (await notificationCount(platform.db, world.funder.principal)).unread;
    for (const intruder of [world.otherFunder.principal, world.admin.principal, world.prescriber.principal]) {
      await assert.rejects(markNotificationRead(platform.db, intruder, paid[0]!.id), (e: unknown) => e instanceof DomainError && e.kind === 'not_found');
    }
    assert.equal((await notificationCount(platform.db, world.funder.principal)).unread, before);
    await markNotificationRead(platform.db, world.funder.principal, paid[0]!.id);
    await markNotificationRead(platform.db, world.funder.principal, paid[0]!.id);
    assert.equal((await notificationCount(platform.db, world.funder.principal)).unread, before - 1);
    // The prescriber's colleague reading theirs leaves the prescriber's unread.
    const prescriberUnread = (await notificationCount(platform.db, world.prescriber.principal)).unread;
    await markAllNotificationsRead(platform.db, prescriberColleague);
    assert.equal((await notificationCount(platform.db, world.prescriber.principal)).unread, prescriberUnread);
    assert.equal((await notificationCount(platform.db, prescriberColleague)).unread, 0);
  });

  test('booklets about to expire are to do for the organisation holding them, and leave when handed', async () => {
    const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 2, vouchersPerBooklet: 10 });
    await issueOrder(platform.db, null, orderId);
    await recordPayment(platform.db, null, orderId, 'VIR-EXP');
    const [number] = await allocateBooklets(platform.db, world.funder.principal, { orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 1 });
    // As if issued 11 months and 20 days ago: the order and its vouchers expire together (issuance).
    await sql`update vouchers set expires_at = now() + interval '10 days' where order_id = ${orderId}`.execute(platform.db);
    await sql`update orders set expires_at = now() + interval '10 days' where id = ${orderId}`.execute(platform.db);
    const expiring = async (p: Principal) => (await todoOf(p, 'expiry')).filter((t) => t.detail.includes(`commande n° ${orderId})`));
    assert.equal((await expiring(world.funder.principal))[0]?.link, `/commandes/${orderId}`, 'at the funder: to allocate');
    assert.equal((await expiring(world.prescriber.principal))[0]?.link, '/carnets', 'at the prescriber: to hand');
    for (const p of [world.otherFunder.principal, world.mediatorA.principal, hub44.principal]) assert.deepEqual(await expiring(p), [], p.email);
    const before = (await notificationCount(platform.db, world.prescriber.principal)).todo;
    await handBooklet(platform.db, world.prescriber.principal, number!, { ageBand: '60-74', communeCode: '44109', situation: 'retiree' });
    assert.deepEqual(await expiring(world.prescriber.principal), []);
    for (const p of [world.funder.principal, world.prescriber.principal]) assert.deepEqual(await notificationCount(platform.db, p), (await inboxOf(platform.db, p)).count, 'le compte de l’en-tête est celui de la page');
    assert.equal((await notificationCount(platform.db, world.prescriber.principal)).todo, before - 1);
  });

  test('a mail server that fails never blocks the action, and the e-mail goes out once on a later run', async () => {
    let failing = true;
    const sent: MailMessage[] = [];
    const flaky: Mailer = { send: async (m) => { if (failing) throw new Error('SMTP indisponible'); sent.push(m); } };
    const errors: unknown[] = [];
    const flakyDispatcher = createNotificationDispatcher(platform.db, flaky, 'https://inclusif.example.fr', (e) => errors.push(e));
    const placeId = await addPlace(platform.db, world.mediatorB.organisationId, '44184');
    await applyForLabel(platform.db, world.mediatorB.principal, placeId, { criteriaMet: criteria, note: '' });
    const first = await flakyDispatcher.run();
    assert.ok(first.failed >= 2 && first.sent === 0, JSON.stringify(first));
    assert.ok(errors.length >= 2);
    failing = false;
    await flakyDispatcher.run();
    await flakyDispatcher.run();
    await dispatcher.run();
    const toHub = sent.filter((m) => m.to.includes(hub44.email)).concat(mailsTo(hub44.email, new RegExp(`Lieu ${world.mediatorB.organisationId}`)));
    assert.equal(toHub.length, 1, 'une seule fois, même après l’échec');
  });

  test('dispatchers of several instances running at once send each e-mail once', async () => {
    const placeId = await addPlace(platform.db, world.mediatorA.organisationId, '44184');
    await applyForLabel(platform.db, world.mediatorA.principal, placeId, { criteriaMet: criteria, note: '' });
    const mailers = [captureMailer(), captureMailer(), captureMailer()];
    const instances = mailers.map((m) => createNotificationDispatcher(platform.db, m, 'https://inclusif.example.fr', (error) => { throw error; }));
    await Promise.all(instances.flatMap((d) => [d.run(), d.run()]));
    const all = mailers.flatMap((m) => m.sent).filter((m) => m.subject.includes(`Demande de label à examiner`) && m.text.includes('/labels/'));
    const byRecipient = new Map<string, number>();
    for (const m of all) byRecipient.set(m.to[0]!, (byRecipient.get(m.to[0]!) ?? 0) + 1);
    assert.equal(byRecipient.get(hub44.email), 1);
    assert.equal(byRecipient.get(world.admin.email), 1);
    const events = await platform.db.selectFrom('notification_events').select(['audit_event_id']).execute();
    assert.equal(new Set(events.map((e) => e.audit_event_id)).size, events.length);
  });

  describe('over HTTP', () => {
    let app: FastifyInstance;
    let appMailer: Mailer & { sent: MailMessage[] };
    const page = async (actor: Principal, url: string) => {
      const cookie = `ni_session=${await createSession(platform.db, actor.userId)}`;
      const response = await app.inject({ url, headers: { cookie } });
      return { response, cookie };
    };
    const csrfOf = async (cookie: string) => {
      const response = await app.inject({ url: '/notifications', headers: { cookie } });
      return { csrf: /name="_csrf" value="([^"]+)"/.exec(response.body)![1]!, cookie: [cookie, ...response.cookies.map((c) => `${c.name}=${c.value}`)].join('; ') };
    };

    before(async () => {
      appMailer = captureMailer();
      app = await buildApp({ ...platform, mailer: appMailer });
      await app.ready();
    });
    after(() => app.close());

    test('the header shows the count on every page; entering bank details through the API notifies the colleague by e-mail after the answer', async () => {
      const place = await addPlace(platform.db, world.mediatorB.organisationId, '44184');
      const colleagueB = await colleagueOf(world.mediatorB);
      const before = (await notificationCount(platform.db, colleagueB)).total;
      const entered = await app.inject({ method: 'POST', url: `/api/v1/places/${place}/bank-account`, headers: { authorization: `Bearer ${world.mediatorB.token}` }, payload: { holderName: 'Lieu B', iban: IBAN, bic: 'AGRIFRPP' } });
      assert.equal(entered.statusCode, 201, entered.body);
      const { response } = await page(colleagueB, '/espace');
      assert.match(response.body, new RegExp(`Notifications \\(${before + 1}\\)`));
      await app.notifications.idle();
      assert.equal(appMailer.sent.filter((m) => m.to.includes(colleagueB.email) && /Coordonnées bancaires à confirmer/.test(m.subject)).length, 1);
      assert.match(appMailer.sent.find((m) => m.to.includes(colleagueB.email))!.text, new RegExp(`http://localhost/lieux/${place}/banque`));

      const api = await app.inject({ url: '/api/v1/notifications', headers: { authorization: `Bearer ${world.mediatorB.token}` } });
      assert.equal(api.statusCode, 200);
      assert.ok(!(api.json() as { todo: { link: string }[] }).todo.some((t) => t.link === `/lieux/${place}/banque`), 'pas pour la personne qui a saisi');
    });

    test('marking read is a POST with its CSRF token, answered by a redirect with a message; another person’s id is not found', async () => {
      const { response: list, cookie } = await page(world.funder.principal, '/notifications');
      assert.equal(list.statusCode, 200);
      const inbox = await inboxOf(platform.db, world.funder.principal);
      const unread = inbox.info.find((i) => !i.readAt) ?? inbox.info[0]!;
      assert.ok(unread, 'le financeur a une information (commande payée)');
      const { csrf, cookie: withCsrf } = await csrfOf(cookie);
      const noToken = await app.inject({ method: 'POST', url: `/notifications/${unread.id}/lue`, headers: { cookie: withCsrf }, payload: {} });
      assert.equal(noToken.statusCode, 403);
      const done = await app.inject({ method: 'POST', url: `/notifications/${unread.id}/lue`, headers: { cookie: withCsrf }, payload: { _csrf: csrf } });
      assert.equal(done.statusCode, 303);
      assert.equal(done.headers.location, '/notifications');
      const flash = done.cookies.find((c) => c.name === 'ni_flash')!;
      const after = await app.inject({ url: '/notifications', headers: { cookie: `${cookie}; ni_flash=${flash.value}` } });
      assert.match(after.body, /Notification marquée comme lue/);

      const intruder = await page(world.otherFunder.principal, '/notifications');
      const intruderCsrf = await csrfOf(intruder.cookie);
      const refused = await app.inject({ method: 'POST', url: `/notifications/${unread.id}/lue`, headers: { cookie: intruderCsrf.cookie }, payload: { _csrf: intruderCsrf.csrf } });
      assert.equal(refused.statusCode, 404);
      const apiRefused = await app.inject({ method: 'POST', url: `/api/v1/notifications/${unread.id}/read`, headers: { authorization: `Bearer ${world.prescriber.token}` } });
      assert.equal(apiRefused.statusCode, 404);
      const badId = await app.inject({ method: 'POST', url: '/api/v1/notifications/abc/read', headers: { authorization: `Bearer ${world.prescriber.token}` } });
      assert.equal(badId.statusCode, 400);
    });

    test('following an unread information from the inbox marks it read and leads to the page that acts on it', async () => {
      const { cookie } = await page(world.funder.principal, '/notifications');
      await markAllNotificationsRead(platform.db, world.funder.principal);
      await platform.db.updateTable('notification_deliveries').set({ read_at: null }).where('user_id', '=', world.funder.principal.userId).execute();
      const unreadBefore = (await notificationCount(platform.db, world.funder.principal)).unread;
      const item = (await inboxOf(platform.db, world.funder.principal)).info.find((i) => !i.readAt)!;
      assert.ok(item, 'une information non lue');
      const listed = await app.inject({ url: '/notifications', headers: { cookie } });
      assert.match(listed.body, new RegExp(`action="/notifications/${item.id}/ouverture"`));
      const { csrf, cookie: withCsrf } = await csrfOf(cookie);
      const opened = await app.inject({ method: 'POST', url: `/notifications/${item.id}/ouverture`, headers: { cookie: withCsrf }, payload: { _csrf: csrf } });
      assert.equal(opened.statusCode, 303);
      assert.equal(opened.headers.location, item.link);
      assert.equal((await notificationCount(platform.db, world.funder.principal)).unread, unreadBefore - 1);
      const intruder = await page(world.otherFunder.principal, '/notifications');
      const intruderCsrf = await csrfOf(intruder.cookie);
      const refused = await app.inject({ method: 'POST', url: `/notifications/${item.id}/ouverture`, headers: { cookie: intruderCsrf.cookie }, payload: { _csrf: intruderCsrf.csrf } });
      assert.equal(refused.statusCode, 404);
    });
  });
});
