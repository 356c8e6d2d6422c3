import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { buildApp } from '../../../src/app.js';
import { httpStatus } from '../../../src/http/errors.js';
import { formatVoucherCode, makeVoucherCode } from '../../../src/pass/domain/voucher-code.js';
import { redeemVoucher } from '../../../src/pass/use-cases/redemption.js';
import { mergeDuplicate, reviewDuplicate } from '../../../src/places/use-cases/duplicates.js';
import { confirmBankDetails, requestBankDetails } from '../../../src/reimbursement/use-cases/bank-accounts.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { pageClient } from '../../support/pages.js';
import { addPlace, buildWorld, labelAndEnrol, makeActor, serialsOfBooklet, type Actor } from '../../support/world.js';

const refusal = (status: number, code?: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatus(error), status, error.message);
  if (code) assert.equal(error.code, code);
  return true;
};

/**
 * The duplicates merge (GET/POST /lieux/doublons/:placeId/:otherPlaceId) attacked: a hub covering only one of the
 * two records, forged choices pointing at a third place, malformed ids, replays, merges of overlapping pairs at once,
 * and the money around it: a label and its programmes never leave their territory, bank details never change record,
 * a merged record never redeems.
 */
describe(`attacks on the duplicates merge on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let hub: Actor;
  let hubOf44Only: Actor;
  let hubOf44And35: Actor;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    const makeHub = async (name: string, departements: string[]) => {
      const actor = await makeActor(platform.db, name, 'hub', departements[0]);
      await platform.db.insertInto('organisation_departements').values(departements.map((d) => ({ organisation_id: actor.organisationId, departement_code: d }))).execute();
      return { ...actor, principal: (await loadPrincipal(platform.db, actor.principal.userId))! };
    };
    hub = await makeHub('Hub de Loire-Atlantique', ['44']);
    hubOf44Only = hub;
    hubOf44And35 = await makeHub('Hub de l’Ouest', ['44', '35']);
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  async function pairOf(placeId: number, otherPlaceId: number) {
    await platform.db.insertInto('place_duplicates').values({ place_id: Math.min(placeId, otherPlaceId), other_place_id: Math.max(placeId, otherPlaceId), reason: 'same_siret' }).execute();
    return { placeId, otherPlaceId, url: `/lieux/doublons/${Math.min(placeId, otherPlaceId)}/${Math.max(placeId, otherPlaceId)}` };
  }

  async function fingerprint() {
    const parts: string[] = [];
    for (const table of ['places', 'place_duplicates', 'place_programmes', 'place_labels', 'bank_accounts', 'audit_events']) {
      const { rows } = await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(platform.db);
      parts.push(`${table}:${rows[0]!.h}`);
    }
    return parts.join('\n');
  }

  test('a hub covering only one of the two records sees neither the comparison nor the merge, and nothing changes', async () => {
    const nantes = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const rennes = await addPlace(platform.db, world.outsider.organisationId, '35238');
    const pair = await pairOf(nantes, rennes);
    const before = await fingerprint();
    await assert.rejects(mergeDuplicate(platform.db, hubOf44Only.principal, pair, { keptPlaceId: nantes, choices: { adresse: rennes } }), refusal(403));
    await assert.rejects(reviewDuplicate(platform.db, hubOf44Only.principal, pair, { kind: 'deactivate', placeId: rennes }), refusal(403));
    const page = await pageClient(app, platform.db, hubOf44Only.principal.userId);
    assert.equal((await page.get(pair.url)).statusCode, 403);
    assert.equal((await page.post(pair.url, { conserver: String(nantes), champ_adresse: String(rennes) })).statusCode, 403);
    assert.equal(await fingerprint(), before);
  });

  test('forged choices (a third place, garbage, swapped or equal ids) are refused or ignored; nothing of the third place moves', async () => {
    const kept = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    const copy = await addPlace(platform.db, null, '44109');
    await platform.db.updateTable('places').set({ address: '2 rue de la Copie' }).where('id', '=', copy).execute();
    const pair = await pairOf(kept, copy);
    const page = await pageClient(app, platform.db, hub.principal.userId);
    const before = await fingerprint();
    // The record kept, or a field's value, taken from place B (not in the pair): refused with the form again.
    for (const form of [{ conserver: String(world.placeB) }, { conserver: String(kept), champ_structure: String(world.placeB) }, { conserver: String(kept), champ_adresse: String(world.placeOutside) }] as Record<string, string>[]) {
      const response = await page.post(pair.url, form);
      assert.equal(response.statusCode, 422, `${JSON.stringify(form)} : ${response.statusCode}`);
    }
    for (const conserver of ['', 'abc', '-1', '1e3', '99999999999999999999', '\u0661']) assert.equal((await page.post(pair.url, { conserver })).statusCode, 422, conserver);
    await assert.rejects(mergeDuplicate(platform.db, hub.principal, pair, { keptPlaceId: kept, choices: { structure: world.placeB } }), refusal(422, 'choix_invalide'));
    for (const url of [`/lieux/doublons/${kept}/${kept}`, `/lieux/doublons/-1/${copy}`, `/lieux/doublons/0/0`, `/lieux/doublons/${kept}/99999999999999999999`, `/lieux/doublons/${kept}/${copy}abc`, `/lieux/doublons/${world.placeA}/${world.placeB}`]) {
      assert.equal((await page.get(url)).statusCode, 404, url);
      assert.equal((await page.post(url, { conserver: String(kept) })).statusCode, 404, url);
    }
    assert.equal(await fingerprint(), before);
    // The pair named the other way round is the same pair; a field value that is not an id is the default; once merged, a replay is 409.
    const swapped = await page.post(`/lieux/doublons/${Math.max(kept, copy)}/${Math.min(kept, copy)}`, { conserver: String(kept), champ_structure: 'abc' });
    assert.equal(swapped.statusCode, 303, swapped.body.slice(0, 300));
    const organisation = await platform.db.selectFrom('places').select('organisation_id').where('id', '=', kept).executeTakeFirstOrThrow();
    assert.equal(organisation.organisation_id, world.mediatorA.organisationId);
    for (let i = 0; i < 2; i++) assert.equal((await page.post(pair.url, { conserver: String(kept) })).statusCode, 409);
    const placeB = await platform.db.selectFrom('places').select(['active', 'merged_into']).where('id', '=', world.placeB).executeTakeFirstOrThrow();
    assert.deepEqual(placeB, { active: true, merged_into: null });
  });

  test('a label’s programmes never leave their territory: a kept record moved to another département keeps none of them', async () => {
    const labelled = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await labelAndEnrol(platform.db, labelled, world.programmeId);
    const elsewhere = await addPlace(platform.db, null, '35238');
    const pair = await pairOf(labelled, elsewhere);
    const before = await fingerprint();
    // Even for a hub that covers both départements: the programme of Loire-Atlantique cannot follow the record to Rennes.
    await assert.rejects(
      mergeDuplicate(platform.db, hubOf44And35.principal, pair, { keptPlaceId: labelled, choices: { adresse: elsewhere } }),
      refusal(422, 'programme_hors_territoire'),
    );
    assert.equal(await fingerprint(), before, 'rien n’a changé');
    // Taking the other record's (empty) programmes with its address: the record moves, accepting nothing, and cannot redeem a voucher of Loire-Atlantique.
    await mergeDuplicate(platform.db, hubOf44And35.principal, pair, { keptPlaceId: labelled, choices: { adresse: elsewhere, programmes: elsewhere } });
    const programmes = await platform.db.selectFrom('place_programmes').select('programme_id').where('place_id', '=', labelled).execute();
    assert.deepEqual(programmes, []);
    const [serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    await assert.rejects(redeemVoucher(platform, world.mediatorA.principal, formatVoucherCode(makeVoucherCode(platform.secret, serial!)), labelled), refusal(403, 'hors_territoire'));
  });

  test('bank details stay with their record through a merge; the merged record redeems no more; the two-person rule still holds', async () => {
    const kept = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await labelAndEnrol(platform.db, kept, world.programmeId);
    const merged = await addPlace(platform.db, world.mediatorB.organisationId, '44109');
    await labelAndEnrol(platform.db, merged, world.programmeId);
    const confirmedOfMerged = await requestBankDetails(platform.db, world.mediatorB.principal, merged, { holderName: 'Association B', iban: 'FR7630006000019876543210173', bic: 'AGRIFRPP' });
    await confirmBankDetails(platform.db, world.admin.principal, confirmedOfMerged);
    const pendingOfKept = await requestBankDetails(platform.db, world.mediatorA.principal, kept, { holderName: 'Association A', iban: 'FR7630006000011234567890189', bic: 'AGRIFRPP' });
    const pair = await pairOf(kept, merged);
    // The kept record takes the other organisation: the other's bank details do not come with it.
    await mergeDuplicate(platform.db, hub.principal, pair, { keptPlaceId: kept, choices: { structure: merged } });
    const accounts = await platform.db.selectFrom('bank_accounts').select(['id', 'place_id', 'status']).where('place_id', 'in', [kept, merged]).orderBy('id').execute();
    assert.deepEqual(accounts, [{ id: confirmedOfMerged, place_id: merged, status: 'confirmed' }, { id: pendingOfKept, place_id: kept, status: 'pending' }]);
    // The person who entered the pending details still cannot confirm them, whatever organisation the record now has.
    await assert.rejects(confirmBankDetails(platform.db, world.mediatorA.principal, pendingOfKept), refusal(403));
    // The deactivated record redeems nothing any more, even for its own mediators.
    const [, serial] = await serialsOfBooklet(platform.db, world.handedBooklet);
    await assert.rejects(redeemVoucher(platform, world.mediatorB.principal, formatVoucherCode(makeVoucherCode(platform.secret, serial!)), merged), refusal(403, 'lieu_inactif'));
  });

  test('merges and reviews of overlapping pairs at once: one outcome each, 409 for the losers, never a database error', async () => {
    for (let round = 0; round < 6; round++) {
      const [a, b, c] = [
        await addPlace(platform.db, world.mediatorA.organisationId, '44109'),
        await addPlace(platform.db, null, '44109'),
        await addPlace(platform.db, null, '44109'),
      ];
      await pairOf(a, b);
      await pairOf(b, c);
      await pairOf(a, c);
      const outcomes = await Promise.all([
        mergeDuplicate(platform.db, hub.principal, { placeId: a, otherPlaceId: b }, { keptPlaceId: a, choices: {} }),
        mergeDuplicate(platform.db, hub.principal, { placeId: b, otherPlaceId: c }, { keptPlaceId: c, choices: {} }),
        mergeDuplicate(platform.db, hub.principal, { placeId: a, otherPlaceId: c }, { keptPlaceId: c, choices: {} }),
        reviewDuplicate(platform.db, hub.principal, { placeId: a, otherPlaceId: b }, { kind: 'deactivate', placeId: a }),
      ].map((attempt) => attempt.then(() => 'ok', (error: unknown) => (error instanceof DomainError ? `${error.kind}:${error.code}` : `erreur : ${String(error)}`))));
      assert.ok(outcomes.every((o) => o === 'ok' || o === 'conflict:doublon_deja_traite'), `tour ${round} : ${outcomes.join(' | ')}`);
      assert.ok(outcomes.includes('ok'), outcomes.join(' | '));
      // Whatever won, the three records end as one active record or more, and every merged one points to an active one.
      const rows = await platform.db.selectFrom('places').select(['id', 'active', 'merged_into']).where('id', 'in', [a, b, c]).execute();
      const active = new Set(rows.filter((r) => r.active).map((r) => r.id));
      assert.ok(active.size >= 1, JSON.stringify(rows));
      for (const row of rows.filter((r) => r.merged_into !== null)) assert.ok(active.has(row.merged_into!), JSON.stringify(rows));
    }
  });
});
