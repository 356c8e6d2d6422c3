import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { bookletPin } from '../../../src/pass/domain/booklet-number.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { handBooklet } from '../../../src/pass/use-cases/booklets.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { loadItemBank } from '../../../src/kit/use-cases/item-bank-file.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld, serialsOfBooklet, type Actor } from '../../support/world.js';

const bank = loadItemBank();

/**
 * The diagnostic's steps connected, through its pages: the welcome step asks who reads the advice, the obstacles
 * answer the device questions, the way back shows the answer taken back, « Je ne sais pas » in a row stops early,
 * each advice links to its places, the printed sheet lists where to go with phone and the week's hours, and the
 * second diagnostic waits for a workshop.
 */
describe(`the diagnostic’s steps on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let app: FastifyInstance;
  let world: Awaited<ReturnType<typeof buildWorld>>;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    // Place A as a real sheet has it: a phone number and opening hours.
    await platform.db.updateTable('places').set({ phone: '+33240000001', opening_hours: 'Mo-Fr 09:00-12:00,14:00-17:00' }).where('id', '=', world.placeA).execute();
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  /** A browser on the diagnostic: session (when signed in), CSRF cookie and token. */
  async function browser(actor: Actor | null) {
    const session = actor ? `ni_session=${await createSession(platform.db, actor.principal.userId)}` : '';
    const page = await app.inject({ url: '/diagnostic', headers: session ? { cookie: session } : {} });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!;
    const cookie = [session, ...page.cookies.map((c) => `${c.name}=${c.value}`)].filter(Boolean).join('; ');
    const post = (url: string, body: Record<string, string | string[]> = {}) => app.inject({ method: 'POST', url, headers: { cookie }, payload: { _csrf: csrf, ...body } });
    const get = (url: string) => app.inject({ url, headers: { cookie } });
    return { welcome: page, post, get };
  }
  type Browser = Awaited<ReturnType<typeof browser>>;

  async function start(who: Browser, body: Record<string, string> = {}) {
    const started = await who.post('/diagnostic', body);
    assert.equal(started.statusCode, 303, started.body);
    return String(started.headers.location).split('/').pop()!;
  }
  const currentQuestion = async (who: Browser, id: string) => /name="question" value="([^"]+)"/.exec((await who.get(`/diagnostic/${id}`)).body)?.[1] ?? null;
  async function answer(who: Browser, id: string, question: string, choice: string | string[]) {
    const response = await who.post(`/diagnostic/${id}/reponse`, { question, answer: choice });
    assert.equal(response.statusCode, 303, response.body);
  }
  /** Answers the obstacles, then every item with the policy, until the result. Returns the items asked. */
  async function finish(who: Browser, id: string, obstacles: { equipment: string[]; internet: string; feelings: string[] }, choose: (itemId: string) => string) {
    await answer(who, id, 'equipment', obstacles.equipment);
    await answer(who, id, 'internet', obstacles.internet);
    await answer(who, id, 'feelings', obstacles.feelings);
    const items: string[] = [];
    for (let question = await currentQuestion(who, id); question; question = await currentQuestion(who, id)) {
      items.push(question);
      await answer(who, id, question, choose(question));
      assert.ok(items.length <= 12);
    }
    return items;
  }
  const right = (itemId: string) => bank.byId.get(itemId)!.answer;
  const diagnosticRow = (id: string) => platform.db.selectFrom('diagnostics').select(['reader', 'stopped_early', 'previous_answers', 'finished_at']).where('id', '=', id).executeTakeFirstOrThrow();

  test('the welcome step asks who reads; its default follows the role, and the choice is kept with the diagnostic', async () => {
    const anonymous = await browser(null);
    assert.match(anonymous.welcome.body, /id="lecteur-person" name="reader" value="person" checked/);
    assert.doesNotMatch(anonymous.welcome.body, /value="professional" checked/);
    const prescriber = await browser(world.prescriber);
    assert.match(prescriber.welcome.body, /id="lecteur-professional" name="reader" value="professional" checked/);
    assert.equal((await diagnosticRow(await start(anonymous))).reader, 'person');
    assert.equal((await diagnosticRow(await start(prescriber))).reader, 'professional');
    assert.equal((await diagnosticRow(await start(prescriber, { reader: 'person' }))).reader, 'person', 'le médiateur tend la tablette à la personne');
    assert.equal((await diagnosticRow(await start(anonymous, { reader: 'professional' }))).reader, 'professional', 'un bénévole sans compte');
  });

  test('no device: the device questions are never asked, the topic stays at level 1', async () => {
    const who = await browser(null);
    const id = await start(who);
    const items = await finish(who, id, { equipment: ['none'], internet: 'none', feelings: ['none'] }, right);
    assert.ok(items.length > 0);
    assert.ok(items.every((item) => bank.byId.get(item)!.topic !== 'device'), items.join(', '));
    const stored = await platform.db.selectFrom('diagnostic_responses').select('question_id').where('diagnostic_id', '=', id).execute();
    assert.ok(stored.every((r) => !r.question_id.startsWith('appareil-')));
    const result = (await app.inject({ url: `/api/v1/diagnostics/${id}` })).json();
    assert.equal(result.result.levels.find((l: { topic: string }) => l.topic === 'device').level, 1);
    assert.ok(result.result.recommendation.rules.includes('materiel'));
  });

  test('the way back shows the answer it took back, checked or marked, until the question is answered again', async () => {
    const who = await browser(null);
    const id = await start(who);
    await answer(who, id, 'equipment', ['computer', 'tablet']);
    assert.equal((await who.post(`/diagnostic/${id}/retour`)).statusCode, 303);
    const back = (await who.get(`/diagnostic/${id}`)).body;
    assert.match(back, /name="question" value="equipment"/);
    assert.match(back, /id="choix-computer" name="answer" value="computer" checked/);
    assert.match(back, /id="choix-tablet" name="answer" value="tablet" checked/);
    assert.doesNotMatch(back, /value="smartphone" checked/);
    assert.match(back, /Vos réponses précédentes sont cochées/);
    await answer(who, id, 'equipment', ['smartphone']);
    assert.deepEqual((await diagnosticRow(id)).previous_answers, {}, 'répondue de nouveau : plus rien de mis de côté');
    await answer(who, id, 'internet', 'home');
    await answer(who, id, 'feelings', ['none']);
    const item = (await currentQuestion(who, id))!;
    const wrong = bank.byId.get(item)!.choices.find((c) => c.id !== bank.byId.get(item)!.answer)!;
    await answer(who, id, item, wrong.id);
    await who.post(`/diagnostic/${id}/retour`);
    const again = (await who.get(`/diagnostic/${id}`)).body;
    assert.match(again, new RegExp(`name="question" value="${item}"`));
    assert.ok(again.includes(`Votre réponse précédente : « ${wrong.text} »`), 'la réponse reprise est dite');
    assert.match(again, new RegExp(`class="[^"]*ni-previous" type="submit" name="answer" value="${wrong.id}" aria-describedby="reponse-precedente"`));
    assert.equal([...again.matchAll(/ni-previous/g)].length, 1);
    // Back twice: both answers kept aside; answering again forgets only that one.
    await who.post(`/diagnostic/${id}/retour`);
    assert.deepEqual(Object.keys((await diagnosticRow(id)).previous_answers as object).sort(), ['feelings', item].sort());
    await answer(who, id, 'feelings', ['none']);
    assert.deepEqual((await diagnosticRow(id)).previous_answers, { [item]: [wrong.id] });
  });

  test('« Je ne sais pas » three times in a row stops early: level 1, said plainly, for the person and the professional', async () => {
    for (const [actor, words] of [[null, /Vous avez répondu « Je ne sais pas » plusieurs fois de suite/], [world.prescriber, /La personne a répondu « Je ne sais pas » plusieurs fois de suite/]] as const) {
      const who = await browser(actor);
      const id = await start(who);
      const items = await finish(who, id, { equipment: ['smartphone'], internet: 'home', feelings: ['none'] }, () => 'nsp');
      assert.equal(items.length, 3, items.join(', '));
      const row = await diagnosticRow(id);
      assert.ok(row.finished_at);
      assert.equal(row.stopped_early, true);
      const result = (await who.get(`/diagnostic/${id}`)).body;
      assert.match(result, /id="arret-anticipe"/);
      assert.match(result, words);
      assert.match(result, /Niveau 1/);
    }
    // Wrong answers are not « Je ne sais pas »: the diagnostic goes on.
    const who = await browser(null);
    const id = await start(who);
    const wrongChoice = (itemId: string) => bank.byId.get(itemId)!.choices.find((c) => c.id !== bank.byId.get(itemId)!.answer)!.id;
    assert.equal((await finish(who, id, { equipment: ['smartphone'], internet: 'home', feelings: ['none'] }, wrongChoice)).length, 10);
    assert.equal((await diagnosticRow(id)).stopped_early, false);
  });

  test('the advice speaks to its reader and links to the matching places from the person’s commune', async () => {
    const professional = await browser(world.prescriber);
    const proId = await start(professional);
    await finish(professional, proId, { equipment: ['none'], internet: 'home', feelings: ['urgent'] }, () => 'nsp');
    assert.equal((await professional.post(`/diagnostic/${proId}/lieux`, { commune: '44109' })).statusCode, 303);
    const page = (await professional.get(`/diagnostic/${proId}`)).body;
    assert.match(page, /<h1>Résultat de la personne<\/h1>/);
    assert.match(page, /Conseillez à la personne 8 à 10 ateliers/);
    assert.match(page, /La personne n’a pas d’appareil pour aller sur internet\./);
    const advice = /<ul id="conseils">([\s\S]*?)<\/ul>/.exec(page)![1]!;
    assert.doesNotMatch(advice, /\b(vous|votre|vos)\b/i);
    const links = [...advice.matchAll(/href="([^"]+)">([^<]+)<\/a>/g)].map((m) => ({ href: m[1]!.replace(/&amp;/g, '&'), label: m[2]! }));
    const pass = links.find((l) => l.label === 'Trouver un lieu qui accepte le pass numérique')!;
    const query = new URL(pass.href, 'http://x').searchParams;
    assert.equal(query.get('near'), '44109');
    assert.equal(query.get('acceptsPass'), '1');
    assert.ok(query.getAll('service').includes('Maîtrise des outils numériques du quotidien'));
    const helper = links.find((l) => l.label === 'Trouver un lieu qui aide aux démarches administratives')!;
    assert.deepEqual(new URL(helper.href, 'http://x').searchParams.getAll('service'), ['Aide aux démarches administratives']);
    assert.ok(links.some((l) => new URL(l.href, 'http://x').searchParams.get('service') === 'Acquisition de matériel informatique à prix solidaire'));
    // The link leads to a search that finds place A.
    const placeA = await platform.db.selectFrom('places').select('name').where('id', '=', world.placeA).executeTakeFirstOrThrow();
    const search = await app.inject({ url: pass.href });
    assert.equal(search.statusCode, 200);
    assert.ok(search.body.includes(placeA.name));

    const person = await browser(null);
    const personId = await start(person);
    await finish(person, personId, { equipment: ['smartphone'], internet: 'home', feelings: ['none'] }, () => 'nsp');
    const personPage = (await person.get(`/diagnostic/${personId}`)).body;
    assert.match(personPage, /<h1>Votre résultat<\/h1>/);
    assert.match(personPage, /Nous vous conseillons 8 à 10 ateliers/);
    // Without a commune, the links search the services from wherever the person will say.
    assert.match(personPage, /href="\/lieux\?service=Ma%C3%AEtrise/);
  });

  test('the printed sheet lists where to go from the commune, with phone and the week’s hours, never « now », in the person’s words', async () => {
    const professional = await browser(world.prescriber);
    const id = await start(professional);
    await finish(professional, id, { equipment: ['smartphone'], internet: 'home', feelings: ['none'] }, () => 'nsp');
    const withoutCommune = (await professional.get(`/diagnostic/${id}/synthese`)).body;
    assert.match(withoutCommune, /Votre commune n’a pas été indiquée/);
    await professional.post(`/diagnostic/${id}/lieux`, { commune: '44109' });
    const sheet = (await professional.get(`/diagnostic/${id}/synthese`)).body;
    const placeA = await platform.db.selectFrom('places').select('name').where('id', '=', world.placeA).executeTakeFirstOrThrow();
    assert.match(sheet, /<h2 id="ou-aller">Où aller, près de Nantes\b/);
    assert.ok(sheet.includes(placeA.name));
    assert.match(sheet, /Téléphone : <a href="tel:\+33240000001">02 40 00 00 01<\/a>/);
    const table = /<table class="ni-hours">([\s\S]*?)<\/table>/.exec(sheet)![1]!;
    assert.deepEqual([...table.matchAll(/<th scope="row">([^<]+)<\/th><td>([^<]+)<\/td>/g)].map((m) => `${m[1]} ${m[2]}`), [
      'Lundi 9 h – 12 h, 14 h – 17 h', 'Mardi 9 h – 12 h, 14 h – 17 h', 'Mercredi 9 h – 12 h, 14 h – 17 h', 'Jeudi 9 h – 12 h, 14 h – 17 h',
      'Vendredi 9 h – 12 h, 14 h – 17 h', 'Samedi fermé', 'Dimanche fermé',
    ]);
    assert.equal([...table.matchAll(/<tr>/g)].length, 7, 'toute la semaine');
    assert.doesNotMatch(sheet, /maintenant/i);
    assert.match(sheet, /Nous vous conseillons 8 à 10 ateliers/, 'la feuille parle à la personne');
    assert.doesNotMatch(sheet, /Conseillez à la personne/);

    const pdf = await professional.get(`/diagnostic/${id}/synthese.pdf`);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    const dir = mkdtempSync(path.join(tmpdir(), 'synthese-'));
    writeFileSync(path.join(dir, 's.pdf'), pdf.rawPayload);
    assert.equal(execFileSync('pdfinfo', [path.join(dir, 's.pdf')], { encoding: 'utf8' }).match(/Pages:\s+(\d+)/)![1], '1', 'une seule page');
    const text = execFileSync('pdftotext', ['-layout', path.join(dir, 's.pdf'), '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
    assert.match(text, /Où aller, près de Nantes/);
    assert.ok(text.includes(placeA.name));
    assert.match(text, /Tél\. 02 40 00 00 01/);
    assert.match(text, /Horaires : Du lundi au vendredi : 9 h – 12 h, 14 h – 17 h ; Samedi et dimanche : fermé/);
    assert.doesNotMatch(text, /maintenant/i);
    assert.match(text, /Nous vous conseillons 8 à 10 ateliers/);
  });

  test('after a hand-out, the sheet finds the places from the booklet’s commune', async () => {
    const professional = await browser(world.prescriber);
    const id = await start(professional);
    await finish(professional, id, { equipment: ['smartphone'], internet: 'home', feelings: ['none'] }, () => 'nsp');
    const { allocateBooklets } = await import('../../../src/pass/use-cases/booklets.js');
    const [number] = await allocateBooklets(platform.db, world.funder.principal, { orderId: world.orderId, recipientOrganisationId: world.prescriber.organisationId, bookletCount: 1 });
    await handBooklet(platform.db, world.prescriber.principal, number!, { ageBand: '60-74', communeCode: '44109', situation: 'retiree', diagnosticId: id });
    const sheet = (await professional.get(`/diagnostic/${id}/synthese`)).body;
    assert.match(sheet, /Où aller, près de Nantes/);
    assert.match(sheet, /Téléphone : /);
  });

  test('the second diagnostic is refused before any workshop, in French, and accepted after one', async () => {
    const booklet = await platform.db.selectFrom('booklets').select(['id', 'number', 'pin_digits']).where('number', '=', world.handedBooklet).executeTakeFirstOrThrow();
    const pin = bookletPin(platform.secret, booklet.id, booklet.pin_digits);
    const before = await platform.db.selectFrom('diagnostics').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const api = await app.inject({ method: 'POST', url: '/api/v1/diagnostics', payload: { bookletNumber: booklet.number, bookletPin: pin } });
    assert.equal(api.statusCode, 409);
    assert.equal(api.json().error, 'aucun_atelier');
    assert.match(api.json().message, /aucun chèque de ce carnet n’a encore servi à un atelier/);
    const person = await browser(null);
    const page = await person.post('/diagnostic', { numero: booklet.number, pin });
    assert.equal(page.statusCode, 409);
    assert.match(page.body, /Revenez après votre premier atelier/);
    assert.match(page.body, new RegExp(`id="numero" name="numero"[^>]*value="${booklet.number}"`), 'le numéro reste saisi');
    const after = await platform.db.selectFrom('diagnostics').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n), 'aucun diagnostic créé');

    const [serial] = await serialsOfBooklet(platform.db, booklet.number);
    await redeemVoucher(platform, world.mediatorA.principal, formatVoucherCode(makeVoucherCode(platform.secret, serial!)), world.placeA);
    const accepted = await person.post('/diagnostic', { numero: booklet.number, pin });
    assert.equal(accepted.statusCode, 303, accepted.body);
    const id = String(accepted.headers.location).split('/').pop()!;
    const row = await platform.db.selectFrom('diagnostics').select(['kind', 'booklet_id', 'reader']).where('id', '=', id).executeTakeFirstOrThrow();
    assert.deepEqual(row, { kind: 'followup', booklet_id: booklet.id, reader: 'person' });
  });
});
