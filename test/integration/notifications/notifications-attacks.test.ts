import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { loadPrincipal, type Principal } from '../../../src/accounts/use-cases/principal.js';
import { createSession, createUser } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { applyForLabel } from '../../../src/places/use-cases/labels.js';
import { captureMailer, type MailMessage, type Mailer } from '../../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, makeActor, PASSWORD, type Actor } from '../../support/world.js';

const IBAN = 'FR7630006000011234567890189';

/**
 * The inbox (/notifications, GET /api/v1/notifications, POST …/{id}/read) attacked: organisations of the same
 * territory that must see nothing of each other, ids of every shape, markup in the names the messages quote, and a
 * forged Host header that must not change where the e-mails' links lead.
 */
describe(`attacks on the notifications on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let mailer: Mailer & { sent: MailMessage[] };
  let hub: Actor;
  let users = 0;

  const colleagueOf = async (actor: Actor): Promise<Principal> => {
    const id = await createUser(platform.db, { email: `collegue.${++users}.${Date.now()}@test.fr`, displayName: `Collègue ${users}`, password: PASSWORD, organisationId: actor.organisationId, role: 'mediator', isOrgAdmin: false }, null);
    return (await loadPrincipal(platform.db, id))!;
  };
  const apiInbox = async (token: string) => {
    const response = await app.inject({ url: '/api/v1/notifications', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.statusCode, 200, response.body);
    return response;
  };
  async function signedIn(userId: number) {
    const session = `ni_session=${await createSession(platform.db, userId)}`;
    const page = await app.inject({ url: '/notifications', headers: { cookie: session } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec((await app.inject({ url: '/espace', headers: { cookie: session } })).body)![1]!;
    return { page, csrf, cookie: [session, ...page.cookies.filter((c) => c.name !== 'ni_session').map((c) => `${c.name}=${c.value}`)].join('; ') };
  }
  const readState = async () => {
    const { rows } = await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from notification_deliveries t`.execute(platform.db);
    return rows[0]!.h;
  };

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    mailer = captureMailer();
    const made = await makeActor(platform.db, 'Hub de Loire-Atlantique', 'hub', '44');
    await platform.db.insertInto('organisation_departements').values({ organisation_id: made.organisationId, departement_code: '44' }).execute();
    hub = { ...made, principal: (await loadPrincipal(platform.db, made.principal.userId))! };
    app = await buildApp({ ...platform, mailer });
    await app.ready();
    await app.notifications.run();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('organisations of the same territory see nothing of each other’s bank details or label applications; the hub does', async () => {
    const place = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const name = 'Espace secret du lieu A';
    await platform.db.updateTable('places').set({ name }).where('id', '=', place).execute();
    const entered = await app.inject({ method: 'POST', url: `/api/v1/places/${place}/bank-account`, headers: { authorization: `Bearer ${world.mediatorA.token}` }, payload: { holderName: 'Lieu A', iban: IBAN, bic: 'AGRIFRPP' } });
    assert.equal(entered.statusCode, 201, entered.body);
    const criteria = (await platform.db.selectFrom('label_criteria').select('id').where('active', '=', true).execute()).map((c) => c.id);
    await applyForLabel(platform.db, world.mediatorA.principal, place, { criteriaMet: criteria, note: '' });
    await app.notifications.idle();
    await app.notifications.run();
    // Place B's mediator (same département), the prescriber, the funders, the person who entered them: nothing.
    for (const actor of [world.mediatorB, world.prescriber, world.funder, world.state, world.otherFunder, world.mediatorA, world.outsider]) {
      const inbox = await apiInbox(actor.token);
      assert.ok(!inbox.body.includes(name), `${actor.email} voit « ${name} »`);
      const { page } = await signedIn(actor.principal.userId);
      assert.ok(!page.body.includes(name), `${actor.email} voit « ${name} » sur la page`);
      assert.ok(!mailer.sent.some((m) => m.to.includes(actor.email) && m.text.includes(name)), `${actor.email} reçoit un courriel sur « ${name} »`);
    }
    const seen = (await apiInbox(hub.token)).json() as { todo: { kind: string; link: string }[] };
    assert.ok(seen.todo.some((t) => t.kind === 'bank_details' && t.link === `/lieux/${place}/banque`));
    assert.ok(seen.todo.some((t) => t.kind === 'label_application'));
  });

  test('ids of every shape, on the page and the API: 400 or 404, never a 500, nobody’s read state changes', async () => {
    const funder = await signedIn(world.funder.principal.userId);
    const mine = await platform.db.selectFrom('notification_deliveries').select('event_id').where('user_id', '=', world.funder.principal.userId).where('listed', '=', true).executeTakeFirstOrThrow();
    const theirs = await platform.db.selectFrom('notification_deliveries').select('event_id').where('user_id', '=', world.prescriber.principal.userId).where('listed', '=', true).executeTakeFirstOrThrow();
    const before = await readState();
    const shapes = ['0', '-1', '1.5', '1e3', 'abc', '99999999999999999999', '9007199254740993', '%C2%A0', '%EF%BC%91', String(theirs.event_id), '999999'];
    for (const id of shapes) {
      const page = await app.inject({ method: 'POST', url: `/notifications/${id}/lue`, headers: { cookie: funder.cookie }, payload: { _csrf: funder.csrf } });
      assert.ok([400, 404].includes(page.statusCode), `page ${id} : ${page.statusCode}`);
      const api = await app.inject({ method: 'POST', url: `/api/v1/notifications/${id}/read`, headers: { authorization: `Bearer ${world.funder.token}` } });
      assert.ok([400, 404].includes(api.statusCode), `api ${id} : ${api.statusCode} ${api.body}`);
    }
    for (const id of ['%00', '%ED%A0%80', `${mine.event_id}%00`]) {
      const api = await app.inject({ method: 'POST', url: `/api/v1/notifications/${id}/read`, headers: { authorization: `Bearer ${world.funder.token}` } });
      assert.equal(api.statusCode, 400, `api ${id} : ${api.body}`);
    }
    // Without a token, with a made-up one, with a session cookie instead of a token: not signed in for the API.
    for (const headers of [{}, { authorization: 'Bearer ni_faux' }, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }, { cookie: funder.cookie }]) {
      assert.equal((await app.inject({ method: 'POST', url: `/api/v1/notifications/${mine.event_id}/read`, headers })).statusCode, 401, JSON.stringify(headers));
      assert.equal((await app.inject({ url: '/api/v1/notifications', headers })).statusCode, 401);
    }
    // The page forms without their token, or with a forged one: refused as any form.
    for (const payload of [{}, { _csrf: 'forge' }]) {
      assert.equal((await app.inject({ method: 'POST', url: `/notifications/${mine.event_id}/lue`, headers: { cookie: funder.cookie }, payload })).statusCode, 403);
      assert.equal((await app.inject({ method: 'POST', url: '/notifications/lues', headers: { cookie: funder.cookie }, payload })).statusCode, 403);
    }
    assert.equal(await readState(), before);
  });

  test('markup in a place’s name is shown as text in the inbox and the e-mail, never as HTML', async () => {
    const place = await addPlace(platform.db, world.mediatorB.organisationId, '44184');
    const markup = '<img src=x onerror=alert(1)><script>alert(2)</script>';
    await platform.db.updateTable('places').set({ name: `Lieu ${markup}` }).where('id', '=', place).execute();
    const entered = await app.inject({ method: 'POST', url: `/api/v1/places/${place}/bank-account`, headers: { authorization: `Bearer ${world.mediatorB.token}` }, payload: { holderName: 'Lieu B', iban: IBAN, bic: 'AGRIFRPP' } });
    assert.equal(entered.statusCode, 201, entered.body);
    await app.notifications.idle();
    const { page } = await signedIn(hub.principal.userId);
    assert.equal(page.statusCode, 200);
    assert.ok(!page.body.includes(markup), 'le nom n’est pas inséré tel quel');
    assert.match(page.body, /&lt;img src=x onerror=alert\(1\)&gt;&lt;script&gt;/);
    const api = (await apiInbox(hub.token)).json() as { todo: { title: string }[] };
    assert.ok(api.todo.some((t) => t.title.includes(markup)), 'l’API rend le texte, en JSON');
  });

  test('a forged Host or X-Forwarded-Host never changes where the e-mails’ links lead', async () => {
    const place = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const colleague = await colleagueOf(world.mediatorA);
    const sentBefore = mailer.sent.length;
    const entered = await app.inject({
      method: 'POST', url: `/api/v1/places/${place}/bank-account`,
      headers: { authorization: `Bearer ${world.mediatorA.token}`, host: 'pirate.example', 'x-forwarded-host': 'pirate.example', 'x-forwarded-proto': 'https', forwarded: 'host=pirate.example' },
      payload: { holderName: 'Lieu A', iban: IBAN, bic: 'AGRIFRPP' },
    });
    assert.equal(entered.statusCode, 201, entered.body);
    await app.notifications.idle();
    const mails = mailer.sent.slice(sentBefore);
    assert.ok(mails.some((m) => m.to.includes(colleague.email)), 'le collègue est prévenu');
    for (const mail of mails) {
      assert.ok(!mail.text.includes('pirate.example'), mail.text);
      for (const link of mail.text.match(/https?:\/\/\S+/g) ?? []) assert.ok(link.startsWith(`${platform.config.publicUrl}/`), link);
    }
  });
});
