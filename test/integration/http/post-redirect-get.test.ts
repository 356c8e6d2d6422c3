import { pageClient } from '../../support/pages.js';
import { formatBookletNumber } from '../../../src/pass/domain/booklet-number.js';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { buildApp } from '../../../src/app.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { placeOrder } from '../../../src/pass/use-cases/orders.js';
import { createProgramme } from '../../../src/pass/use-cases/programmes.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun } from '../../../src/reimbursement/use-cases/runs.js';
import { parisDay } from '../../../src/shared/dates.js';
import { captureMailer } from '../../../src/shared/mailer.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, makeActor, serialsOfBooklet, TEST_SERVICE, type Actor } from '../../support/world.js';

/**
 * Post/Redirect/Get: every successful form answers 303 with a Location, the next page shows its message once (a
 * signed cookie, src/http/flash.ts) and the page after does not; a form with an error keeps what was typed; money
 * actions act only after a confirmation page.
 */
describe(`Post/Redirect/Get, forms that keep what was typed, confirmations, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let world: Awaited<ReturnType<typeof buildWorld>>;

  before(async () => {
    platform = await openTestPlatform();
    platform.mailer = captureMailer();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app.close();
    await platform.dispose();
  });

  const code = (serial: number) => makeVoucherCode(platform.secret, serial);

  /** A browser: a cookie jar (session, CSRF, flash — set and cleared as a browser does), the CSRF token of its forms. */
  const browser = (actor: Actor) => pageClient(app, platform.db, actor.principal.userId);
  type Browser = Awaited<ReturnType<typeof browser>>;

  const occurrences = (body: string, text: string) => body.split(text).length - 1;

  /** A successful form: 303 to `location`; the page there shows `message` exactly once; the next load does not. */
  async function assertPrg(page: Browser, response: Awaited<ReturnType<Browser['post']>>, location: string | RegExp, message: string) {
    assert.equal(response.statusCode, 303, `${response.statusCode} : ${response.body.slice(0, 400)}`);
    const target = String(response.headers.location);
    if (typeof location === 'string') assert.equal(target, location);
    else assert.match(target, location);
    assert.ok(page.jar.has('ni_flash'), 'the message travels in the flash cookie');
    const shown = await page.get(target);
    assert.equal(shown.statusCode, 200, shown.body.slice(0, 400));
    assert.equal(occurrences(shown.body, message), 1, `« ${message} » shown once on ${target}`);
    assert.match(shown.body, /fr-alert--success[^>]*role="status"/);
    assert.ok(!page.jar.has('ni_flash'), 'the page that shows the message clears it');
    const again = await page.get(target);
    assert.equal(occurrences(again.body, message), 0, `« ${message} » not shown on the next load`);
    return shown;
  }

  test('the programmes, orders and booklets forms redirect with their message', async () => {
    const funder = await browser(world.funder);
    const created = await funder.post('/programmes', {
      name: 'Programme PRG', departements: '44', faceValue: '10', validityMonths: '12',
      cofunder1: String(world.funder.organisationId), share1: '60', cofunder2: String(world.state.organisationId), share2: '40', services: TEST_SERVICE,
    });
    await assertPrg(funder, created, '/programmes', 'Programme créé. Chaque cofinanceur doit maintenant accepter sa part');

    const programmeId = (await platform.db.selectFrom('programmes').select('id').where('name', '=', 'Programme PRG').executeTakeFirstOrThrow()).id;
    const state = await browser(world.state);
    const decided = await state.post(`/programmes/${programmeId}/part`, { organisationId: String(world.state.organisationId), decision: 'accepter', motif: '' });
    await assertPrg(state, decided, '/programmes', 'Part acceptée : décision enregistrée et journalisée.');

    const ordered = await funder.post('/commandes', { programmeId: String(world.programmeId), bookletCount: '2', vouchersPerBooklet: '10' });
    const shown = await assertPrg(funder, ordered, /^\/commandes\/\d+$/, 'enregistrée : 2\u00a0carnets de 10\u00a0chèques, 200,00\u00a0€.');
    assert.match(shown.body, /Commande n° \d+ enregistrée/);
    const orderId = Number(String(ordered.headers.location).split('/').pop());

    const operator = await browser(world.admin);
    await assertPrg(operator, await operator.post(`/commandes/${orderId}/emission`, {}), `/commandes/${orderId}`, '2\u00a0carnets et 20\u00a0chèques émis.');
    await assertPrg(operator, await operator.post(`/commandes/${orderId}/paiement`, { reference: 'VIR-PRG' }), `/commandes/${orderId}`, 'Paiement enregistré : 20\u00a0chèques activés.');
    await assertPrg(funder, await funder.post(`/commandes/${orderId}/attribution`, { organisationId: String(world.prescriber.organisationId), bookletCount: '1' }), `/commandes/${orderId}`, '1\u00a0carnet attribué.');

    const booklet = await platform.db.selectFrom('booklets').select('number').where('order_id', '=', orderId).where('allocated_organisation_id', 'is not', null).executeTakeFirstOrThrow();
    const prescriber = await browser(world.prescriber);
    const handed = await prescriber.post('/carnets/remise', { numero: booklet.number, ageBand: '60-74', communeCode: '44109', situation: 'retiree', diagnosticLevel: '1' });
    await assertPrg(prescriber, handed, '/carnets', `Carnet ${formatBookletNumber(booklet.number)} remis : 10\u00a0chèques utilisables.`);
  });

  test('a redemption, an accompaniment, an organisation change, bank details and a label decision redirect with their message', async () => {
    const [first, second] = await serialsOfBooklet(platform.db, world.handedBooklet);
    const desk = await browser(world.mediatorA);
    const redeemed = await desk.post('/encaisser', { code: code(first!), placeId: String(world.placeA) });
    await assertPrg(desk, redeemed, '/encaisser', 'Chèque accepté : chèque');
    assert.equal((await platform.db.selectFrom('vouchers').select('status').where('serial', '=', first!).executeTakeFirstOrThrow()).status, 'redeemed');

    const recorded = await desk.post('/accompagnements', { kind: 'individual', placeId: String(world.placeA), date: parisDay(), duree: '60', themes: 'internet', code1: code(second!) });
    await assertPrg(desk, recorded, /^\/accompagnements\/\d+$/, 'Enregistré : 1\u00a0participant, 1\u00a0chèque encaissé ou rattaché.');

    const member = await makeActor(platform.db, 'Collègue B', 'mediator');
    await platform.db.insertInto('memberships').values({ user_id: member.principal.userId, organisation_id: world.mediatorB.organisationId, role: 'mediator', is_org_admin: false }).execute();
    const admin = await browser(world.mediatorB);
    const role = await admin.post('/organisation/membres/role', { organisationId: String(world.mediatorB.organisationId), userId: String(member.principal.userId), fromRole: 'mediator', toRole: 'mediator', isOrgAdmin: 'oui' });
    await assertPrg(admin, role, '/organisation', 'Le rôle a été modifié.');
    const invited = await admin.post('/organisation/invitations', { organisationId: String(world.mediatorB.organisationId), email: 'nouveau.b@test.fr', role: 'mediator' });
    const withLink = await assertPrg(admin, invited, '/organisation', 'Invitation envoyée à nouveau.b@test.fr.');
    assert.match(withLink.body, /http:\/\/localhost\/invitation\/[A-Za-z0-9_-]+/, 'the link is shown as a fallback');

    const bank = await admin.post(`/lieux/${world.placeB}/banque`, { titulaire: 'Association du lieu B', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    await assertPrg(admin, bank, `/lieux/${world.placeB}/banque`, 'Coordonnées enregistrées.');

    const operator = await browser(world.admin);
    const criterion = await operator.post('/admin/criteres', { titre: 'Critère PRG', description: 'x', position: '9', actif: 'oui' });
    await assertPrg(operator, criterion, '/admin/criteres', 'Critère enregistré : la grille est à jour.');
  });

  test('a tampered or unsigned flash cookie shows nothing', async () => {
    const session = await createSession(platform.db, world.funder.principal.userId);
    const forged = JSON.stringify({ kind: 'success', message: 'Message forgé' });
    const page = await app.inject({ url: '/programmes', headers: { cookie: `ni_session=${session}; ni_flash=${encodeURIComponent(forged)}` } });
    assert.equal(page.statusCode, 200);
    assert.doesNotMatch(page.body, /Message forgé/);
  });

  test('the programme form keeps co-funders, shares, services and options after an error; the co-funders form too', async () => {
    const funder = await browser(world.funder);
    const refused = await funder.post('/programmes', {
      name: 'Programme mal réparti', departements: '44', faceValue: '12,50', validityMonths: '18',
      cofunder1: String(world.funder.organisationId), share1: '70', cofunder2: String(world.state.organisationId), share2: '20',
      services: [TEST_SERVICE], allowDirectHanding: 'on',
    });
    assert.equal(refused.statusCode, 422, refused.body.slice(0, 300));
    assert.match(refused.body, /fr-alert--error/);
    assert.match(refused.body, /id="name" name="name" required value="Programme mal réparti"/);
    assert.match(refused.body, new RegExp(`id="cofunder1" name="cofunder1">.*<option value="${world.funder.organisationId}" selected>`, 's'));
    assert.match(refused.body, new RegExp(`id="cofunder2" name="cofunder2">.*<option value="${world.state.organisationId}" selected>`, 's'));
    assert.match(refused.body, /id="share1" name="share1" inputmode="decimal" value="70"/);
    assert.match(refused.body, /id="share2" name="share2" inputmode="decimal" value="20"/);
    assert.match(refused.body, /id="faceValue" name="faceValue" value="12,50"/);
    assert.match(refused.body, /id="validityMonths" name="validityMonths" type="number" min="1" max="60" value="18"/);
    assert.match(refused.body, new RegExp(`name="services" value="${TEST_SERVICE}" checked`));
    assert.match(refused.body, /id="allowDirectHanding" name="allowDirectHanding" checked/);
    assert.equal(await platform.db.selectFrom('programmes').select('id').where('name', '=', 'Programme mal réparti').executeTakeFirst(), undefined);

    // The co-funders of a programme not yet ready: a wrong total comes back in that programme's form, opened.
    const third = await makeActor(platform.db, 'Financeur trois', 'funder');
    const pending = await createProgramme(platform.db, world.funder.principal, {
      name: 'Programme à répartir', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 5000 }, { organisationId: third.organisationId, shareBp: 5000 }], eligibleServices: [TEST_SERVICE],
    });
    const wrong = await funder.post(`/programmes/${pending}/cofinanceurs`, { cofunder1: String(world.funder.organisationId), share1: '55', cofunder2: String(third.organisationId), share2: '35' });
    assert.equal(wrong.statusCode, 422, wrong.body.slice(0, 300));
    assert.match(wrong.body, new RegExp(`<details open><summary>Modifier les cofinanceurs de « Programme à répartir »`));
    assert.match(wrong.body, new RegExp(`id="p${pending}-share1" name="share1" inputmode="decimal" value="55"`));
    assert.match(wrong.body, new RegExp(`id="p${pending}-share2" name="share2" inputmode="decimal" value="35"`));
    assert.match(wrong.body, new RegExp(`id="p${pending}-cofunder2" name="cofunder2">.*?<option value="${third.organisationId}" selected>`, 's'));
  });

  test('the order form keeps the programme chosen after an error', async () => {
    const other = await createProgramme(platform.db, world.funder.principal, {
      name: 'Programme second choix', departementCodes: ['44'], cofunders: [{ organisationId: world.funder.organisationId, shareBp: 10000 }], eligibleServices: [TEST_SERVICE],
    });
    const funder = await browser(world.funder);
    const refused = await funder.post('/commandes', { programmeId: String(other), bookletCount: '0', vouchersPerBooklet: '12' });
    assert.ok(refused.statusCode >= 400 && refused.statusCode < 500, String(refused.statusCode));
    assert.match(refused.body, new RegExp(`<option value="${other}" selected>Programme second choix`));
    assert.match(refused.body, /id="vouchersPerBooklet" name="vouchersPerBooklet" type="number" min="1" max="50" value="12"/);
  });

  test('a workshop form: « more rows » keeps every code typed and records nothing; an error keeps the rows', async () => {
    const desk = await browser(world.mediatorA);
    const [a, b] = (await serialsOfBooklet(platform.db, world.handedBooklet)).slice(5, 7);
    const typed = { kind: 'workshop', lignes: '6', placeId: String(world.placeA), date: parisDay(), duree: '90', themes: ['internet', 'courriel'], code1: code(a!), autonomie1: '2', code6: code(b!), orientation6: '' };
    const before = await platform.db.selectFrom('accompaniments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const more = await desk.post('/accompagnements', { ...typed, plus: 'lignes' });
    assert.equal(more.statusCode, 200);
    assert.match(more.body, /name="lignes" value="12"/);
    assert.match(more.body, /id="code12" name="code12"/, 'six more rows');
    assert.match(more.body, new RegExp(`id="code1" name="code1" autocomplete="off" value="${code(a!)}"`));
    assert.match(more.body, new RegExp(`id="code6" name="code6" autocomplete="off" value="${code(b!)}"`));
    assert.match(more.body, /<option value="2" selected>Niveau 2<\/option>/);
    assert.match(more.body, /id="duree" name="duree" required value="90"/);
    assert.match(more.body, /id="theme-internet" name="themes" value="internet" checked/);
    assert.match(more.body, /id="theme-courriel" name="themes" value="courriel" checked/);
    const after = await platform.db.selectFrom('accompaniments').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n), 'nothing recorded');
    assert.equal((await platform.db.selectFrom('vouchers').select('status').where('serial', '=', a!).executeTakeFirstOrThrow()).status, 'handed');

    const refused = await desk.post('/accompagnements', { ...typed, lignes: '12', code9: 'PAS-UN-CODE' });
    assert.ok(refused.statusCode >= 400 && refused.statusCode < 500, String(refused.statusCode));
    assert.match(refused.body, /name="lignes" value="12"/);
    assert.match(refused.body, /id="code9" name="code9" autocomplete="off" value="PAS-UN-CODE"/);
    assert.match(refused.body, new RegExp(`id="code6" name="code6" autocomplete="off" value="${code(b!)}"`));
  });

  test('the invitation form keeps the name typed (never the password) after an error', async () => {
    const admin = await browser(world.mediatorA);
    const invited = await admin.post('/organisation/invitations', { organisationId: String(world.mediatorA.organisationId), email: 'invite.nom@test.fr', role: 'mediator' });
    assert.equal(invited.statusCode, 303);
    const link = /\/invitation\/([A-Za-z0-9_-]+)/.exec((await admin.get('/organisation')).body)![0];
    const anonymous = await app.inject({ url: link });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(anonymous.body)![1]!;
    const cookie = anonymous.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const short = await app.inject({ method: 'POST', url: link, headers: { cookie }, payload: { _csrf: csrf, displayName: 'Camille Invitée', password: 'court' } });
    assert.equal(short.statusCode, 422, short.body.slice(0, 300));
    assert.match(short.body, /id="displayName" name="displayName" autocomplete="name" required value="Camille Invitée"/);
    assert.doesNotMatch(short.body, /value="court"/);
  });

  test('marking a run paid and recording a rejected transfer: a confirmation page first, nothing changed until it is ticked', async () => {
    const fresh = await buildWorld(platform.db);
    const account = await requestBankDetails(platform.db, fresh.mediatorA.principal, fresh.placeA, { holderName: 'Association du lieu A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    await confirmBankDetails(platform.db, fresh.admin.principal, account);
    const [serial] = await serialsOfBooklet(platform.db, fresh.handedBooklet);
    await redeemVoucher(platform, fresh.mediatorA.principal, code(serial!), fresh.placeA);
    const run = await createRun(platform.db, fresh.admin.principal.userId, parisDay());
    const runId = run.runId!;
    const runStatus = async () => (await platform.db.selectFrom('reimbursement_runs').select('status').where('id', '=', runId).executeTakeFirstOrThrow()).status;
    const operator = await browser(fresh.admin);

    const asked = await operator.post(`/remboursements/${runId}/paye`, {});
    assert.equal(asked.statusCode, 200);
    assert.match(asked.body, new RegExp(`<h1>Confirmer le paiement du remboursement n° ${runId}</h1>`));
    assert.match(asked.body, /<strong>Montant total<\/strong> : 10,00\u00a0€/);
    assert.match(asked.body, /<strong>Lieux<\/strong> : 1\u00a0lieu/);
    assert.match(asked.body, /name="etape" value="confirmer"/);
    assert.match(asked.body, /type="checkbox" id="confirmation" name="confirmation" value="oui" required/);
    assert.notEqual(await runStatus(), 'paid', 'the button alone pays nothing');
    const unticked = await operator.post(`/remboursements/${runId}/paye`, { etape: 'confirmer' });
    assert.equal(unticked.statusCode, 422);
    assert.match(unticked.body, /Cochez la case de confirmation/);
    assert.notEqual(await runStatus(), 'paid');

    const statement = await platform.db.selectFrom('statements').select('id').where('run_id', '=', runId).executeTakeFirstOrThrow();
    const reject = await operator.post(`/remboursements/${runId}/rejet`, { releve: String(statement.id), motif: 'AC04 compte clos' });
    assert.equal(reject.statusCode, 200);
    assert.match(reject.body, /Confirmer le rejet du virement du relevé/);
    assert.match(reject.body, />AC04 compte clos<\/textarea>/, 'the reason typed on the run page is on the confirmation page');
    const emptyReason = await operator.post(`/remboursements/${runId}/rejet`, { releve: String(statement.id), motif: ' ', etape: 'confirmer', confirmation: 'oui' });
    assert.equal(emptyReason.statusCode, 422);
    assert.match(emptyReason.body, /Indiquez le motif du rejet/);
    assert.match(emptyReason.body, /Confirmer le rejet du virement du relevé/, 'the confirmation page again, with its error');
    const stillIncluded = await platform.db.selectFrom('statements').select('status').where('id', '=', statement.id).executeTakeFirstOrThrow();
    assert.notEqual(stillIncluded.status, 'rejected');

    const paid = await operator.post(`/remboursements/${runId}/paye`, { etape: 'confirmer', confirmation: 'oui' });
    await assertPrg(operator, paid, `/remboursements/${runId}`, 'Remboursement marqué payé.');
    assert.equal(await runStatus(), 'paid');
    const rejected = await operator.post(`/remboursements/${runId}/rejet`, { releve: String(statement.id), motif: 'AC04 compte clos', etape: 'confirmer', confirmation: 'oui' });
    await assertPrg(operator, rejected, `/remboursements/${runId}`, 'Virement rejeté : ses chèques seront dans le prochain remboursement.');
  });

  test('cancelling an unpaid order: confirmation page, then 303; another funder is refused at both steps', async () => {
    const orderId = await placeOrder(platform.db, world.funder.principal, { programmeId: world.programmeId, bookletCount: 1, vouchersPerBooklet: 10 });
    const statusOf = async () => (await platform.db.selectFrom('orders').select('status').where('id', '=', orderId).executeTakeFirstOrThrow()).status;
    const funder = await browser(world.funder);
    const page = await funder.get(`/commandes/${orderId}`);
    assert.match(page.body, new RegExp(`action="/commandes/${orderId}/annulation"`), 'the order page offers the cancellation');
    const outsider = await browser(world.otherFunder);
    for (const body of [{}, { etape: 'confirmer', confirmation: 'oui' }] as Record<string, string>[]) {
      const refused = await outsider.post(`/commandes/${orderId}/annulation`, body);
      assert.equal(refused.statusCode, 404, refused.body.slice(0, 200));
    }
    const asked = await funder.post(`/commandes/${orderId}/annulation`, {});
    assert.equal(asked.statusCode, 200);
    assert.match(asked.body, new RegExp(`Confirmer l’annulation de la commande n° ${orderId}`));
    assert.match(asked.body, /<strong>Montant<\/strong> : 100,00\u00a0€/);
    assert.equal(await statusOf(), 'placed');
    const done = await funder.post(`/commandes/${orderId}/annulation`, { etape: 'confirmer', confirmation: 'oui' });
    await assertPrg(funder, done, `/commandes/${orderId}`, `Commande n° ${orderId} annulée`);
    assert.equal(await statusOf(), 'cancelled');
    assert.doesNotMatch((await funder.get(`/commandes/${orderId}`)).body, /\/annulation"/, 'no cancellation button on a cancelled order');
  });
});
