import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/app.js';
import { createSession } from '../../../src/accounts/use-cases/store.js';
import { makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { createRun, markRunPaid, rejectTransfer } from '../../../src/reimbursement/use-cases/runs.js';
import { parisDay } from '../../../src/shared/dates.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { addPlace, buildWorld, labelAndEnrol, serialsOfBooklet, type Actor } from '../../support/world.js';

const decode = (html: string) => html.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"');
const countOf = (html: string) => decode(/<p class="fr-text--lg fr-mb-2w ni-list-count" id="nombre" role="status">([^<]*)<\/p>/.exec(html)?.[1] ?? '').replace(/\s/g, ' ');

describe(`lists of the money path: reimbursement runs and statements (counts, filters, pages) on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let secondPlace: number;
  const cookies = new Map<number, string>();

  const page = async (who: Actor, url: string, status = 200) => {
    if (!cookies.has(who.principal.userId)) cookies.set(who.principal.userId, `ni_session=${await createSession(platform.db, who.principal.userId)}`);
    const response = await app.inject({ url, headers: { cookie: cookies.get(who.principal.userId)! } });
    assert.equal(response.statusCode, status, `${url} : ${response.statusCode} ${response.body.slice(0, 200)}`);
    return response.body;
  };

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    const { db, secret } = platform;
    // Mediator A runs two places, both with confirmed bank details; mediator B one.
    secondPlace = await addPlace(db, world.mediatorA.organisationId, '44143');
    await labelAndEnrol(db, secondPlace, world.programmeId);
    for (const [who, place] of [[world.mediatorA, world.placeA], [world.mediatorA, secondPlace], [world.mediatorB, world.placeB]] as const) {
      const account = await requestBankDetails(db, who.principal, place, { holderName: 'Association du lieu', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
      await confirmBankDetails(db, world.admin.principal, account);
    }
    // Five runs: each pays the vouchers redeemed since the previous one.
    const serials = await serialsOfBooklet(db, world.handedBooklet);
    const redemptions: [Actor, number][][] = [
      [[world.mediatorA, world.placeA], [world.mediatorB, world.placeB]],
      [[world.mediatorA, secondPlace]],
      [[world.mediatorA, world.placeA], [world.mediatorA, secondPlace]],
      [[world.mediatorB, world.placeB]],
      [[world.mediatorA, world.placeA]],
    ];
    let next = 0;
    const runs: number[] = [];
    for (const batch of redemptions) {
      for (const [who, place] of batch) await redeemVoucher(platform, who.principal, makeVoucherCode(secret, serials[next++]!), place);
      runs.push((await createRun(db, world.admin.principal.userId, parisDay())).runId!);
    }
    await markRunPaid(db, world.admin.principal.userId, runs[0]!);
    await markRunPaid(db, world.admin.principal.userId, runs[1]!);
    const rejected = await db.selectFrom('statements').select('id').where('run_id', '=', runs[2]!).where('place_id', '=', secondPlace).executeTakeFirstOrThrow();
    await rejectTransfer(db, world.admin.principal.userId, rejected.id, 'Compte clos');
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  test('/remboursements: the operator’s runs, counted, by state and period, page by page', async () => {
    assert.equal(countOf(await page(world.admin, '/remboursements')), '5 remboursements');
    assert.equal(countOf(await page(world.admin, '/remboursements?statut=paid')), '2 remboursements avec ces filtres');
    assert.equal(countOf(await page(world.admin, '/remboursements?statut=ready')), '3 remboursements avec ces filtres');
    assert.equal(countOf(await page(world.admin, `/remboursements?du=${parisDay()}&au=${parisDay()}`)), '5 remboursements avec ces filtres');
    const tomorrow = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    assert.equal(countOf(await page(world.admin, `/remboursements?du=${tomorrow}`)), 'Aucun remboursement avec ces filtres');
    const second = await page(world.admin, '/remboursements?limit=2&page=2&statut=ready');
    assert.equal(countOf(second), '3 remboursements avec ces filtres — 3 à 3 sur cette page');
    const previous = decode(/<a class="fr-pagination__link fr-pagination__link--prev[^"]*" href="([^"]+)"/.exec(second)![1]!);
    assert.deepEqual(Object.fromEntries(new URL(previous, 'http://x').searchParams), { statut: 'ready', limit: '2' });
    assert.match(await page(world.admin, '/remboursements?statut=annule', 422), /ne propose pas la valeur/);
    // A mediator has no list of runs.
    assert.doesNotMatch(await page(world.mediatorA, '/remboursements', 403), /ni-list-count/);
  });

  test('/releves: the mediator’s statements, counted, by state, place and period; never another organisation’s', async () => {
    // Mediator A: place A in runs 1, 3, 5 and the second place in runs 2, 3.
    assert.equal(countOf(await page(world.mediatorA, '/releves')), '5 relevés');
    assert.equal(countOf(await page(world.mediatorA, '/releves?statut=rejected')), '1 relevé avec ces filtres');
    assert.equal(countOf(await page(world.mediatorA, '/releves?statut=paid')), '2 relevés avec ces filtres');
    assert.equal(countOf(await page(world.mediatorA, `/releves?lieu=${secondPlace}`)), '2 relevés avec ces filtres');
    assert.equal(countOf(await page(world.mediatorA, `/releves?lieu=${world.placeA}&statut=included`)), '2 relevés avec ces filtres');
    assert.equal(countOf(await page(world.mediatorA, '/releves?limit=2&page=3')), '5 relevés — 5 à 5 sur cette page');
    assert.equal(countOf(await page(world.mediatorB, '/releves')), '2 relevés');
    // Mediator B's place filter offers its own place only: A's places are refused.
    assert.match(await page(world.mediatorB, `/releves?lieu=${world.placeA}`, 422), /Le filtre « Lieu » ne propose pas la valeur/);
    assert.match(await page(world.mediatorA, '/releves?du=2026-05-02&au=2026-05-01', 422), /La période est à l’envers/);
  });
});
