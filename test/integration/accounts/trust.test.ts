import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { ORGANISATION_KINDS } from '../../../src/accounts/domain/organisation-kinds.js';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { createSession, createUser } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { readConfig } from '../../../src/config.js';
import { createProgramme } from '../../../src/pass/use-cases/programmes.js';
import { placeOrder } from '../../../src/pass/use-cases/orders.js';
import { requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { captureMailer } from '../../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, makeActor, PASSWORD, TEST_SERVICE } from '../../support/world.js';

/** Regression tests of the security review's findings 1, 2, 4, 8 and 11, through the real HTTP routes. */
describe(`trust foundation on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  const mailer = captureMailer();
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  /** A signed-in browser: session cookie, CSRF cookie and token. */
  async function browser(userId: number) {
    const session = `ni_session=${await createSession(platform.db, userId)}`;
    const page = await app.inject({ url: '/espace', headers: { cookie: session } });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = [session, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    return {
      get: (url: string) => app.inject({ url, headers: { cookie } }),
      post: (url: string, form: Record<string, string | string[]>) => app.inject({ method: 'POST', url, headers: { cookie }, payload: { _csrf: csrf, ...form } }),
    };
  }

  before(async () => {
    platform = await openTestPlatform();
    platform.mailer = mailer;
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  test('finding 1: a place’s administrator cannot invite a hub or a funder into its organisation (API and page); a mediator can', async () => {
    for (const role of ['hub', 'funder', 'admin']) {
      const api = await app.inject({ method: 'POST', url: `/api/v1/organisations/${world.mediatorA.organisationId}/invitations`, headers: bearer(world.mediatorA.token), payload: { email: `x.${role}@test.fr`, role } });
      assert.equal(api.statusCode, 403, role);
      assert.match(api.json().message, /ne peut pas donner le rôle|réservée/);
    }
    const page = await browser(world.mediatorA.principal.userId);
    const refused = await page.post('/organisation/invitations', { organisationId: String(world.mediatorA.organisationId), email: 'escalade@test.fr', role: 'hub' });
    assert.equal(refused.statusCode, 403);
    assert.match(refused.body, /son type ne le permet pas/);
    assert.equal((await platform.db.selectFrom('invitations').select('email').where('email', 'in', ['escalade@test.fr', 'x.hub@test.fr', 'x.funder@test.fr']).execute()).length, 0);
    // The form only offers the roles the kinds allow.
    const form = await page.get('/organisation');
    assert.doesNotMatch(form.body, /<option value="hub"/);
    const ok = await app.inject({ method: 'POST', url: `/api/v1/organisations/${world.mediatorA.organisationId}/invitations`, headers: bearer(world.mediatorA.token), payload: { email: 'collegue.a@test.fr', role: 'mediator' } });
    assert.equal(ok.statusCode, 201);
    const mail = mailer.sent.find((m) => m.to.includes('collegue.a@test.fr'));
    assert.ok(mail && mail.text.includes(ok.json().invitationUrl), 'the invitation is sent by e-mail');
  });

  test('finding 1: a hub membership smuggled into a place’s organisation gives no power and is listed for review', async () => {
    // As an old invitation would have done: the membership exists, the organisation's kinds do not allow it.
    const intruder = await createUser(platform.db, { email: 'intrus@test.fr', displayName: 'Intrus', password: PASSWORD, organisationId: world.mediatorA.organisationId, role: 'mediator' }, null);
    await platform.db.insertInto('memberships').values({ user_id: intruder, organisation_id: world.mediatorA.organisationId, role: 'hub', is_org_admin: false }).execute();
    const principal = (await loadPrincipal(platform.db, intruder))!;
    assert.deepEqual(principal.memberships.map((m) => m.role), ['mediator'], 'the hub role is not loaded');
    const review = await app.inject({ url: '/api/v1/memberships/review', headers: bearer(world.admin.token) });
    assert.ok(review.json().some((r: { email: string; role: string }) => r.email === 'intrus@test.fr' && r.role === 'hub'));
    // The intruder cannot decide labels nor confirm its own place's IBAN as a hub would.
    await requestBankDetails(platform.db, world.mediatorA.principal, world.placeA, { holderName: 'Lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    const pending = await platform.db.selectFrom('bank_accounts').select('id').where('place_id', '=', world.placeA).where('status', '=', 'pending').executeTakeFirstOrThrow();
    const page = await browser(intruder);
    assert.equal((await page.get('/labels')).statusCode, 403);
    // As the place's colleague it may confirm (two-person rule inside the place), never as a hub of the same organisation.
    await platform.db.deleteFrom('memberships').where('user_id', '=', intruder).where('role', '=', 'mediator').execute();
    const confirm = await page.post(`/lieux/${world.placeA}/banque/confirmation`, { compte: String(pending.id) });
    assert.equal(confirm.statusCode, 403);
    assert.equal((await platform.db.selectFrom('bank_accounts').select('status').where('id', '=', pending.id).executeTakeFirstOrThrow()).status, 'pending');
  });

  test('finding 1: the national administration grants kinds and hub territories, journaled; other principals cannot', async () => {
    const org = await makeActor(platform.db, 'Futur hub', 'prescriber');
    const refused = await app.inject({ method: 'PUT', url: `/api/v1/organisations/${org.organisationId}/kinds`, headers: bearer(world.funder.token), payload: { kinds: ['hub'] } });
    assert.equal(refused.statusCode, 403);
    const granted = await app.inject({ method: 'PUT', url: `/api/v1/organisations/${org.organisationId}/kinds`, headers: bearer(world.admin.token), payload: { kinds: ['prescriber', 'hub'] } });
    assert.equal(granted.statusCode, 200);
    const territory = await app.inject({ method: 'PUT', url: `/api/v1/organisations/${org.organisationId}/departements`, headers: bearer(world.admin.token), payload: { departementCodes: ['35', '22'] } });
    assert.equal(territory.statusCode, 200);
    const journal = await platform.db.selectFrom('audit_events').select(['action', 'details']).where('organisation_id', '=', org.organisationId).where('action', 'like', 'organisation.%').orderBy('id').execute();
    assert.deepEqual(journal.map((j) => j.action), ['organisation.created', 'organisation.kind_granted', 'organisation.kinds_set', 'organisation.hub_territory_set']);
    // Now its administrator may invite a hub member.
    const invite = await app.inject({ method: 'POST', url: `/api/v1/organisations/${org.organisationId}/invitations`, headers: bearer(org.token), payload: { email: 'hub.membre@test.fr', role: 'hub' } });
    assert.equal(invite.statusCode, 201);
  });

  test('the database accepts every organisation kind of the one table (ORGANISATION_KINDS), and no other', async () => {
    const org = await makeActor(platform.db, 'Service déconcentré', 'funder');
    const granted = await app.inject({ method: 'PUT', url: `/api/v1/organisations/${org.organisationId}/kinds`, headers: bearer(world.admin.token), payload: { kinds: [...ORGANISATION_KINDS] } });
    assert.equal(granted.statusCode, 200, granted.body);
    const row = await platform.db.selectFrom('organisations').select('kinds').where('id', '=', org.organisationId).executeTakeFirstOrThrow();
    assert.deepEqual([...row.kinds].sort(), [...ORGANISATION_KINDS].sort());
    await assert.rejects(platform.db.updateTable('organisations').set({ kinds: ['funder', 'inconnu'] }).where('id', '=', org.organisationId).execute());
  });

  test('finding 2: only funders co-fund, each accepts its share before any order books against it; a refusal goes back to the author', async () => {
    const forged = await app.inject({
      method: 'POST', url: '/api/v1/programmes', headers: bearer(world.funder.token),
      payload: { name: 'Programme forgé', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 5000 }, { organisationId: world.mediatorA.organisationId, shareBp: 5000 }] },
    });
    assert.equal(forged.statusCode, 422);
    assert.equal(forged.json().error, 'cofinanceur_non_financeur');
    const created = await app.inject({
      method: 'POST', url: '/api/v1/programmes', headers: bearer(world.funder.token),
      payload: { name: 'Programme partagé', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 6000 }, { organisationId: world.otherFunder.organisationId, shareBp: 4000 }], eligibleServices: [TEST_SERVICE] },
    });
    assert.equal(created.statusCode, 201);
    const programmeId = created.json().id as number;
    const order = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: bearer(world.funder.token), payload: { programmeId, bookletCount: 1 } });
    assert.equal(order.statusCode, 409);
    assert.equal(order.json().error, 'cofinancement_non_accepte');
    assert.equal((await platform.db.selectFrom('ledger_entries').select('id').where('programme_id', '=', programmeId).execute()).length, 0, 'nothing booked');
    // Another funder cannot answer for the co-funder; the co-funder refuses with a reason.
    const impostor = await app.inject({ method: 'POST', url: `/api/v1/programmes/${programmeId}/cofunders/${world.otherFunder.organisationId}/decision`, headers: bearer(world.state.token), payload: { accept: true } });
    assert.equal(impostor.statusCode, 403);
    const noReason = await app.inject({ method: 'POST', url: `/api/v1/programmes/${programmeId}/cofunders/${world.otherFunder.organisationId}/decision`, headers: bearer(world.otherFunder.token), payload: { accept: false } });
    assert.equal(noReason.statusCode, 422);
    const refusal = await app.inject({ method: 'POST', url: `/api/v1/programmes/${programmeId}/cofunders/${world.otherFunder.organisationId}/decision`, headers: bearer(world.otherFunder.token), payload: { accept: false, reason: 'Budget 2027 non voté' } });
    assert.equal(refusal.statusCode, 200);
    assert.equal(refusal.json().cofunders.find((c: { organisationId: number }) => c.organisationId === world.otherFunder.organisationId).status, 'refused');
    // The author replaces the refused share; the programme becomes orderable once every share is accepted.
    const changed = await app.inject({ method: 'PUT', url: `/api/v1/programmes/${programmeId}/cofunders`, headers: bearer(world.funder.token), payload: { cofunders: [{ organisationId: world.funder.organisationId, shareBp: 6000 }, { organisationId: world.state.organisationId, shareBp: 4000 }] } });
    assert.equal(changed.statusCode, 200);
    assert.equal(changed.json().ready, false);
    await app.inject({ method: 'POST', url: `/api/v1/programmes/${programmeId}/cofunders/${world.state.organisationId}/decision`, headers: bearer(world.state.token), payload: { accept: true } });
    const ordered = await app.inject({ method: 'POST', url: '/api/v1/orders', headers: bearer(world.funder.token), payload: { programmeId, bookletCount: 1 } });
    assert.equal(ordered.statusCode, 201);
    const journal = await platform.db.selectFrom('audit_events').select('action').where('action', 'like', 'programme.cofund%').execute();
    assert.ok(journal.some((j) => j.action === 'programme.cofunding_refused') && journal.some((j) => j.action === 'programme.cofunding_accepted'));
  });

  test('finding 4: the bank page is the place’s, its hub’s and the administration’s only, and is never cached', async () => {
    await requestBankDetails(platform.db, world.mediatorB.principal, world.placeB, { holderName: 'Lieu B', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    for (const outsider of [world.prescriber, world.funder, world.mediatorA, world.outsider]) {
      const page = await browser(outsider.principal.userId);
      const response = await page.get(`/lieux/${world.placeB}/banque`);
      assert.equal(response.statusCode, 403, outsider.email);
      assert.doesNotMatch(response.body, /FR76|1234567890189/);
    }
    const own = await (await browser(world.mediatorB.principal.userId)).get(`/lieux/${world.placeB}/banque`);
    assert.equal(own.statusCode, 200);
    assert.equal(own.headers['cache-control'], 'no-store');
  });

  test('finding 8: a handed booklet’s PIN is no longer shown to its funder (order page) nor printed', async () => {
    const page = await browser(world.funder.principal.userId);
    const order = await page.get(`/commandes/${world.orderId}`);
    assert.equal(order.statusCode, 200);
    const handed = world.handedBooklet.replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3');
    const line = order.body.split('\n').find((l) => l.includes(handed) && l.includes('<h3>'));
    if (line) assert.match(line, /code secret n’est plus affiché/);
    const booklet = await platform.db.selectFrom('booklets').select('id').where('number', '=', world.handedBooklet).executeTakeFirstOrThrow();
    const { printableBooklets } = await import('../../../src/pass/use-cases/print/printable.js');
    for await (const printed of printableBooklets(platform.db, platform.secret, { bookletNumber: world.handedBooklet })) assert.equal(printed.pin, null, `booklet ${booklet.id}`);
    for await (const printed of printableBooklets(platform.db, platform.secret, { bookletNumber: world.allocatedBooklet })) assert.match(printed.pin!, /^\d{4,6}$/);
  });

  test('finding 11: the label history is not readable by any signed-in user; sign-in return paths stay on the site', async () => {
    const stranger = await browser(world.prescriber.principal.userId);
    assert.equal((await stranger.get(`/lieux/${world.placeA}/label`)).statusCode, 403);
    assert.equal((await (await browser(world.mediatorA.principal.userId)).get(`/lieux/${world.placeA}/label`)).statusCode, 200);
    for (const retour of ['/\\evil.example', '//evil.example', 'https://evil.example', '/\\/evil.example']) {
      const signin = await app.inject({ url: `/connexion?retour=${encodeURIComponent(retour)}` });
      assert.match(signin.body, /name="retour" value="\/espace"/, retour);
    }
  });

  test('finding 11: HSTS only over HTTPS, secure cookies when published over HTTPS, the server listens on loopback by default', async () => {
    const plain = await app.inject({ url: '/' });
    assert.equal(plain.headers['strict-transport-security'], undefined);
    const config = readConfig({ PUBLIC_URL: 'https://pass.example.fr' });
    assert.equal(config.secureCookies, true);
    assert.equal(readConfig({}).host, '127.0.0.1');
    const httpsApp = await buildApp({ ...platform, config: { ...platform.config, publicUrl: 'https://pass.example.fr', secureCookies: true } });
    try {
      assert.match(String((await httpsApp.inject({ url: '/' })).headers['strict-transport-security']), /max-age=31536000/);
    } finally {
      await httpsApp.close();
    }
  });

  test('members: change a role, never remove the last administrator, removal ends the sessions; invitations can be revoked', async () => {
    const org = await makeActor(platform.db, 'Association', 'mediator');
    const colleague = await createUser(platform.db, { email: `collegue.${org.organisationId}@test.fr`, displayName: 'Collègue', password: PASSWORD, organisationId: org.organisationId, role: 'mediator' }, null);
    const lastAdmin = await app.inject({ method: 'DELETE', url: `/api/v1/organisations/${org.organisationId}/members/${org.principal.userId}`, headers: bearer(org.token) });
    assert.equal(lastAdmin.statusCode, 409);
    const demote = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${org.organisationId}/members/${org.principal.userId}`, headers: bearer(org.token), payload: { fromRole: 'mediator', toRole: 'mediator', isOrgAdmin: false } });
    assert.equal(demote.statusCode, 409, 'the last administrator keeps the right');
    const promote = await app.inject({ method: 'PATCH', url: `/api/v1/organisations/${org.organisationId}/members/${colleague}`, headers: bearer(org.token), payload: { fromRole: 'mediator', toRole: 'mediator', isOrgAdmin: true } });
    assert.equal(promote.statusCode, 200);
    const session = await createSession(platform.db, colleague);
    assert.equal((await app.inject({ url: '/espace', headers: { cookie: `ni_session=${session}` } })).statusCode, 200);
    const removed = await app.inject({ method: 'DELETE', url: `/api/v1/organisations/${org.organisationId}/members/${colleague}`, headers: bearer(org.token) });
    assert.equal(removed.statusCode, 200);
    const after = await app.inject({ url: '/espace', headers: { cookie: `ni_session=${session}` } });
    assert.equal(after.statusCode, 302, 'the removed member’s session ended');
    await app.inject({ method: 'POST', url: `/api/v1/organisations/${org.organisationId}/invitations`, headers: bearer(org.token), payload: { email: 'revoquee@test.fr', role: 'mediator' } });
    const link = mailer.sent.filter((m) => m.to.includes('revoquee@test.fr')).at(-1)!.text.match(/\/invitation\/(\S+)/)![1]!;
    const listed = (await app.inject({ url: `/api/v1/organisations/${org.organisationId}/members`, headers: bearer(org.token) })).json();
    const invitation = listed.invitations.find((i: { email: string }) => i.email === 'revoquee@test.fr');
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/v1/organisations/${org.organisationId}/invitations/${invitation.id}`, headers: bearer(org.token) })).statusCode, 200);
    assert.equal((await app.inject({ url: `/invitation/${link}` })).statusCode, 404, 'a revoked invitation cannot be accepted');
    const foreign = await app.inject({ url: `/api/v1/organisations/${org.organisationId}/members`, headers: bearer(world.mediatorA.token) });
    assert.equal(foreign.statusCode, 403);
  });

  test('password reset: same answer for unknown addresses, single-use link, other sessions end, rate-limited', async () => {
    const before = mailer.sent.length;
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: 'personne@nulle-part.fr' } });
    const known = await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.prescriber.email } });
    assert.equal(unknown.statusCode, 202);
    assert.equal(known.statusCode, 202);
    assert.equal(unknown.json().message, known.json().message);
    assert.equal(mailer.sent.length, before + 1);
    const token = mailer.sent.at(-1)!.text.match(/\/mot-de-passe\/(\S+)/)![1]!;
    const oldSession = await createSession(platform.db, world.prescriber.principal.userId);
    const form = await app.inject({ url: `/mot-de-passe/${token}` });
    assert.equal(form.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)![1]!;
    const cookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const done = await app.inject({ method: 'POST', url: `/mot-de-passe/${token}`, headers: { cookie }, payload: { _csrf: csrf, password: 'un-nouveau-mot-de-passe' } });
    assert.equal(done.statusCode, 303);
    assert.equal((await app.inject({ url: '/espace', headers: { cookie: `ni_session=${oldSession}` } })).statusCode, 302, 'older sessions ended');
    const again = await app.inject({ method: 'POST', url: `/mot-de-passe/${token}`, headers: { cookie }, payload: { _csrf: csrf, password: 'encore-un-autre-mot' } });
    assert.equal(again.statusCode, 422, 'single use');
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: world.mediatorB.email } })).statusCode);
    assert.equal(statuses.at(-1), 429);
  });

  test('co-funder acceptance is required for orders placed through the use case too (no way around the page)', async () => {
    const programmeId = await createProgramme(platform.db, world.funder.principal, { name: 'Autre', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 5000 }, { organisationId: world.otherFunder.organisationId, shareBp: 5000 }] });
    await assert.rejects(placeOrder(platform.db, world.funder.principal, { programmeId, bookletCount: 1 }), /attend l’accord de ses cofinanceurs/);
  });
});

describe(`invitations cannot be used to try an existing account’s password on ${testDatabaseKind}`, () => {
  test('an invitation to an address that has an account is accepted only by that account, signed in; a revoked one never', async () => {
    const platform = await openTestPlatform();
    try {
      const world = await buildWorld(platform.db);
      const { inviteColleague, acceptInvitation } = await import('../../../src/accounts/use-cases/store.js');
      const { revokeInvitation } = await import('../../../src/accounts/use-cases/members.js');
      const token = await inviteColleague(platform.db, world.mediatorA.principal, { organisationId: world.mediatorA.organisationId, email: world.funder.email, role: 'mediator' });
      // The right password from someone who is not signed in as the funder: refused, no account taken over.
      await assert.rejects(acceptInvitation(platform.db, token, '', PASSWORD, null), /connectez-vous avec ce compte/);
      await assert.rejects(acceptInvitation(platform.db, token, '', PASSWORD, world.mediatorA.principal.userId), /connectez-vous avec ce compte/);
      assert.equal(await acceptInvitation(platform.db, token, '', '', world.funder.principal.userId), world.funder.principal.userId);
      const revoked = await inviteColleague(platform.db, world.mediatorA.principal, { organisationId: world.mediatorA.organisationId, email: 'revoque.course@test.fr', role: 'mediator' });
      const invitation = await platform.db.selectFrom('invitations').select('token_hash').where('email', '=', 'revoque.course@test.fr').executeTakeFirstOrThrow();
      await revokeInvitation(platform.db, world.mediatorA.principal, world.mediatorA.organisationId, invitation.token_hash);
      await assert.rejects(acceptInvitation(platform.db, revoked, 'X', 'un-mot-de-passe-solide', null), /n’existe pas|révoquée/);
    } finally {
      await platform.dispose();
    }
  });
});
