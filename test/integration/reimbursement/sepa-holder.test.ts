import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { httpStatus } from '../../../src/http/errors.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { DomainError } from '../../../src/shared/errors.js';
import { confirmBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { runTransferXml } from '../../../src/reimbursement/use-cases/files.js';
import { createRun, getRun, rejectTransfer } from '../../../src/reimbursement/use-cases/runs.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet, type Actor } from '../../support/world.js';

const XSD = path.resolve('test/fixtures/pain.001.001.03.xsd');

/** The file checked against the official XSD by xmllint, then the creditors' names as xmllint reads them. */
function creditorNames(xml: string): string[] {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'pain-')), 'virements.xml');
  writeFileSync(file, xml);
  execFileSync('xmllint', ['--noout', '--schema', XSD, file], { stdio: 'pipe' });
  const out = execFileSync('xmllint', ['--xpath', "//*[local-name()='Cdtr']/*[local-name()='Nm']/text()", file], { encoding: 'utf8' });
  // One text node per line; xmllint writes them back as XML text (entities for & < >).
  return out.split('\n').filter(Boolean).map((t) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

const html = (text: string) => text.replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
const refusal = (status: number, code: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatus(error), status, error.message);
  assert.equal(error.code, code, error.message);
  return true;
};

describe(`account holder's name sent to the bank on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let serials: number[];
  const today = () => new Date().toISOString().slice(0, 10);
  const accountsOf = (placeId: number) => platform.db.selectFrom('bank_accounts').selectAll().where('place_id', '=', placeId).orderBy('id').execute();

  /** A signed-in browser: the session cookie, the CSRF cookie and a token for its forms. */
  async function browser(actor: Actor) {
    const session = await createSession(platform.db, actor.principal.userId);
    const page = await app.inject({ url: '/espace', headers: { cookie: `ni_session=${session}` } });
    assert.equal(page.statusCode, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    return { cookie: [`ni_session=${session}`, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; '), csrf };
  }

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    app = await buildApp(platform);
    serials = await serialsOfBooklet(platform.db, world.handedBooklet);
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('entry page: a name with « & » or longer than 70 characters is refused in French, and nothing is stored', async () => {
    const mediator = await browser(world.mediatorA);
    const post = (titulaire: string) =>
      app.inject({ method: 'POST', url: `/lieux/${world.placeA}/banque`, headers: { cookie: mediator.cookie }, payload: { _csrf: mediator.csrf, titulaire, iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' } });
    const ampersand = await post('Médiathèque Lire & Écrire');
    assert.equal(ampersand.statusCode, 422);
    assert.match(html(ampersand.body), /Le nom du titulaire ne peut pas être transmis tel quel à la banque, le virement changerait ou perdrait ce caractère : « & »\. Écrivez « et » au lieu de « & »\./);
    assert.match(ampersand.body, /fr-input-group--error/);
    const long = `Association des amis de la médiathèque municipale de Saint-Herblain ${'x'.repeat(7)}`;
    assert.equal(long.length, 75);
    const tooLong = await post(long);
    assert.equal(tooLong.statusCode, 422);
    assert.match(html(tooLong.body), /limité à 70 caractères ; celui-ci en compte 75 : abrégez-le/);
    assert.equal((await accountsOf(world.placeA)).length, 0);
  });

  test('entry and confirmation pages show the exact name sent; the confirmer confirms that text; the XML carries it', async () => {
    const mediator = await browser(world.mediatorA);
    const entered = await app.inject({
      method: 'POST', url: `/lieux/${world.placeA}/banque`, headers: { cookie: mediator.cookie },
      payload: { _csrf: mediator.csrf, titulaire: '  Médiathèque l’Îlot — Lire et Écrire ', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' },
    });
    // Post/Redirect/Get: the bank page shows what was stored, with the message, after the redirect.
    assert.equal(entered.statusCode, 303, entered.body);
    assert.equal(entered.headers.location, `/lieux/${world.placeA}/banque`);
    const enteredPage = await app.inject({ url: entered.headers.location as string, headers: { cookie: `${mediator.cookie}; ${entered.cookies.map((c) => `${c.name}=${c.value}`).join('; ')}` } });
    const sent = "Mediatheque l'Ilot - Lire et Ecrire";
    assert.match(enteredPage.body, /Coordonnées enregistrées\. Une autre personne/);
    assert.ok(html(enteredPage.body).includes(`Nom transmis à la banque : <strong id="nom-transmis">${sent}</strong>`), enteredPage.body);
    const [account] = await accountsOf(world.placeA);
    assert.equal(account!.holder_name, sent, 'stored as sent');

    const hub = await browser(world.admin);
    const page = await app.inject({ url: `/lieux/${world.placeA}/banque`, headers: { cookie: hub.cookie } });
    assert.ok(html(page.body).includes(`Nom transmis à la banque : <strong id="nom-transmis">${sent}</strong>`));
    assert.ok(html(page.body).includes(`Les virements porteront exactement le nom « ${sent} »`));
    const shown = html(/name="nom_transmis" value="([^"]*)"/.exec(page.body)![1]!);
    assert.equal(shown, sent);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = [hub.cookie, ...page.cookies.map((c) => `${c.name}=${c.value}`)].join('; ');
    const confirm = (nom_transmis: string) =>
      app.inject({ method: 'POST', url: `/lieux/${world.placeA}/banque/confirmation`, headers: { cookie }, payload: { _csrf: csrf, compte: String(account!.id), nom_transmis } });
    const other = await confirm('Médiathèque l’Îlot — Lire & Écrire');
    assert.equal(other.statusCode, 409);
    assert.match(html(other.body), /Le nom transmis à la banque sera « Mediatheque l'Ilot - Lire et Ecrire », pas « Médiathèque l’Îlot — Lire & Écrire »/);
    assert.equal((await accountsOf(world.placeA))[0]!.status, 'pending');
    const confirmed = await confirm(shown);
    assert.equal(confirmed.statusCode, 303, confirmed.body);
    const confirmedPage = await app.inject({ url: confirmed.headers.location as string, headers: { cookie: `${cookie}; ${confirmed.cookies.map((c) => `${c.name}=${c.value}`).join('; ')}` } });
    assert.match(confirmedPage.body, /Coordonnées bancaires confirmées/);
    assert.ok(html(confirmedPage.body).includes(`Nom transmis à la banque : ${sent} — IBAN`));
    const journal = await platform.db.selectFrom('audit_events').select(['action', 'details']).where('place_id', '=', world.placeA).where('action', 'like', 'bank_account.%').orderBy('id').execute();
    assert.deepEqual(journal.map((e) => [e.action, (e.details as { holderNameForBank?: string }).holderNameForBank]), [['bank_account.requested', sent], ['bank_account.confirmed', sent]]);

    await redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serials[0]!), world.placeA);
    const run = await createRun(platform.db, world.admin.principal.userId, today());
    assert.deepEqual(creditorNames(await runTransferXml(platform.db, platform.config, run.runId!)), [sent]);
  });

  test('API: the name sent is returned at entry; a confirmation of another text is refused', async () => {
    const bearer = (actor: Actor) => ({ authorization: `Bearer ${actor.token}` });
    const refused = await app.inject({ method: 'POST', url: `/api/v1/places/${world.placeB}/bank-account`, headers: bearer(world.mediatorB), payload: { holderName: 'Lieu "B" & Cie', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPNTE' } });
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.json().error, 'titulaire_invalide');
    assert.match(refused.json().message, /« " », « & »/);
    const entered = await app.inject({ method: 'POST', url: `/api/v1/places/${world.placeB}/bank-account`, headers: bearer(world.mediatorB), payload: { holderName: 'Lieu B — Saint-Sébastien', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPNTE' } });
    assert.equal(entered.statusCode, 201);
    assert.equal(entered.json().holderNameForBank, 'Lieu B - Saint-Sebastien');
    const id = entered.json().bankAccountId as number;
    const wrong = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/confirmation`, headers: bearer(world.admin), payload: { holderNameForBank: 'Lieu B — Saint-Sébastien' } });
    assert.equal(wrong.statusCode, 409);
    assert.equal(wrong.json().error, 'nom_transmis_different');
    const right = await app.inject({ method: 'POST', url: `/api/v1/bank-accounts/${id}/confirmation`, headers: bearer(world.admin), payload: { holderNameForBank: 'Lieu B - Saint-Sebastien' } });
    assert.equal(right.statusCode, 204);
  });

  test('a name confirmed before the check, which the bank could not receive as is, is never sent altered', async () => {
    // As an older version stored it: entered and confirmed with « & », which the file used to turn into « + ».
    await platform.db.updateTable('bank_accounts').set({ status: 'superseded' }).where('place_id', '=', world.placeB).execute();
    await platform.db.insertInto('bank_accounts').values({ place_id: world.placeB, holder_name: 'Lire & Écrire', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPNTE', status: 'confirmed', requested_by: world.mediatorB.principal.userId, confirmed_by: world.admin.principal.userId, confirmed_at: new Date() }).execute();
    const { id: pending } = await platform.db.insertInto('bank_accounts').values({ place_id: world.placeB, holder_name: 'Lire & Écrire', iban: 'FR1420041010050500013M02606', bic: 'PSSTFRPPNTE', status: 'pending', requested_by: world.mediatorB.principal.userId }).returning('id').executeTakeFirstOrThrow();
    await assert.rejects(confirmBankDetails(platform.db, world.admin.principal, pending), refusal(409, 'titulaire_a_ressaisir'));
    const hub = await browser(world.admin);
    const page = await app.inject({ url: `/lieux/${world.placeB}/banque`, headers: { cookie: hub.cookie } });
    assert.match(html(page.body), /Ce nom ne peut pas être transmis tel quel à la banque : un médiateur du lieu doit saisir à nouveau les coordonnées/);
    assert.doesNotMatch(page.body, /Confirmer ces coordonnées/);

    await redeemVoucher(platform, world.mediatorA.principal, makeVoucherCode(platform.secret, serials[1]!), world.placeA);
    await redeemVoucher(platform, world.mediatorB.principal, makeVoucherCode(platform.secret, serials[2]!), world.placeB);
    const run = await createRun(platform.db, world.admin.principal.userId, today());
    await assert.rejects(runTransferXml(platform.db, platform.config, run.runId!), refusal(409, 'titulaire_a_ressaisir'));
    const xmlPage = await app.inject({ url: `/remboursements/${run.runId}/virements.xml`, headers: { cookie: hub.cookie } });
    assert.equal(xmlPage.statusCode, 409);
    const statement = (await getRun(platform.db, run.runId!)).statements.find((s) => s.place_id === world.placeB)!;
    await rejectTransfer(platform.db, world.admin.principal.userId, statement.id, 'Nom du titulaire à saisir à nouveau');
    assert.deepEqual(creditorNames(await runTransferXml(platform.db, platform.config, run.runId!)), ["Mediatheque l'Ilot - Lire et Ecrire"]);
  });
});
