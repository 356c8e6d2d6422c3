import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { buildApp } from '../../../src/app.js';
import { httpStatus } from '../../../src/http/errors.js';
import { listOpenDuplicates, mergeDuplicate, mergeProposal, reviewDuplicate } from '../../../src/places/use-cases/duplicates.js';
import { DomainError } from '../../../src/shared/errors.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { isChecked, pageClient } from '../../support/pages.js';
import { addPlace, buildWorld, labelAndEnrol, makeActor, type Actor } from '../../support/world.js';

const refusal = (status: number, code?: string) => (error: unknown) => {
  assert.ok(error instanceof DomainError, String(error));
  assert.equal(httpStatus(error), status, error.message);
  if (code) assert.equal(error.code, code);
  return true;
};

describe(`duplicates: which record is labelled, field-by-field merge, on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  let world: Awaited<ReturnType<typeof buildWorld>>;
  let app: FastifyInstance;
  let hub: Actor;
  let foreignHub: Actor;

  before(async () => {
    platform = await openTestPlatform();
    world = await buildWorld(platform.db);
    const hubOf = async (name: string, departement: string) => {
      const actor = await makeActor(platform.db, name, 'hub', departement);
      await platform.db.insertInto('organisation_departements').values({ organisation_id: actor.organisationId, departement_code: departement }).execute();
      return { ...actor, principal: (await loadPrincipal(platform.db, actor.principal.userId))! };
    };
    hub = await hubOf('Hub de Loire-Atlantique', '44');
    foreignHub = await hubOf('Hub d’Ille-et-Vilaine', '35');
    app = await buildApp(platform);
    await app.ready();
  });
  after(async () => {
    await app?.close();
    await platform?.dispose();
  });

  /** A labelled record of a mediator and an imported copy of it (another source, other phone and hours), paired. */
  async function pair(options: { otherCommune?: string } = {}) {
    const labelled = await addPlace(platform.db, world.mediatorA.organisationId, '44109');
    await labelAndEnrol(platform.db, labelled, world.programmeId);
    await platform.db.updateTable('places').set({ opening_hours: 'Mo-Fr 09:00-12:00', phone: null, source: 'Hub', name: 'Espace numérique du quartier' }).where('id', '=', labelled).execute();
    const copy = await addPlace(platform.db, null, options.otherCommune ?? '44109');
    await platform.db.updateTable('places').set({ opening_hours: 'Mo-Sa 09:00-18:00', phone: '+33240000001', source: 'Cartographie', name: 'Espace numérique du quartier', summary: 'Fiche de la cartographie' }).where('id', '=', copy).execute();
    await platform.db.insertInto('place_duplicates').values({ place_id: Math.min(labelled, copy), other_place_id: Math.max(labelled, copy), reason: 'same_name_nearby' }).execute();
    return { labelled, copy, key: { placeId: labelled, otherPlaceId: copy } };
  }

  /** What a refused merge must leave exactly as it was. */
  async function fingerprint() {
    const parts: string[] = [];
    for (const table of ['places', 'place_duplicates', 'place_programmes', 'place_labels', 'audit_events']) {
      const { rows } = await sql<{ h: string }>`select md5(coalesce(string_agg(t::text, '|' order by t::text), '')) as h from ${sql.table(table)} t`.execute(platform.db);
      parts.push(`${table}:${rows[0]!.h}`);
    }
    return parts.join('\n');
  }

  test('the list says which record is labelled, with its dates; the proposal keeps the labelled one', async () => {
    const { labelled, copy, key } = await pair();
    const listed = (await listOpenDuplicates(platform.db, ['44'])).find((p) => p.placeId === labelled && p.otherPlaceId === copy)!;
    assert.deepEqual([listed.placeLabel?.status, listed.placeLabel?.validFrom, listed.placeLabel?.validUntil, listed.placeLabel?.valid], ['approved', '2020-01-01', '2099-12-31', true]);
    assert.equal(listed.otherPlaceLabel, null);
    const proposal = await mergeProposal(platform.db, hub.principal, key);
    assert.equal(proposal.keptPlaceId, labelled);
    const differing = proposal.fields.filter((f) => f.differs);
    assert.deepEqual(differing.map((f) => f.key), ['structure', 'telephone', 'horaires', 'presentation', 'programmes']);
    const phone = differing.find((f) => f.key === 'telephone')!;
    assert.equal(phone.defaultPlaceId, copy, 'la fiche conservée n’a pas de téléphone : celui de l’autre est proposé');
    assert.equal(differing.find((f) => f.key === 'horaires')!.defaultPlaceId, labelled);
    await assert.rejects(mergeProposal(platform.db, foreignHub.principal, key), refusal(403));
  });

  test('a merge keeps the labelled record with the chosen values, deactivates the other pointing to it; journaled', async () => {
    const { labelled, copy, key } = await pair();
    const labelsBefore = await platform.db.selectFrom('place_labels').selectAll().where('place_id', '=', labelled).execute();
    const standardId = (await platform.db.selectFrom('places').select('standard_id').where('id', '=', labelled).executeTakeFirstOrThrow()).standard_id;
    const result = await mergeDuplicate(platform.db, hub.principal, key, { keptPlaceId: labelled, choices: { horaires: copy, telephone: copy, presentation: labelled, structure: labelled, programmes: labelled } });
    assert.deepEqual(result, { keptPlaceId: labelled, mergedPlaceId: copy, fieldsFromMerged: ['telephone', 'horaires'] });
    const kept = await platform.db.selectFrom('places').selectAll().where('id', '=', labelled).executeTakeFirstOrThrow();
    assert.deepEqual([kept.opening_hours, kept.phone, kept.summary, kept.organisation_id, kept.standard_id, kept.active, kept.merged_into], ['Mo-Sa 09:00-18:00', '+33240000001', null, world.mediatorA.organisationId, standardId, true, null]);
    assert.deepEqual(await platform.db.selectFrom('place_labels').selectAll().where('place_id', '=', labelled).execute(), labelsBefore, 'l’historique du label reste');
    assert.deepEqual((await platform.db.selectFrom('place_programmes').select('programme_id').where('place_id', '=', labelled).execute()).map((p) => p.programme_id), [world.programmeId]);
    const other = await platform.db.selectFrom('places').select(['active', 'merged_into']).where('id', '=', copy).executeTakeFirstOrThrow();
    assert.deepEqual(other, { active: false, merged_into: labelled });
    const status = await platform.db.selectFrom('place_duplicates').select(['status', 'reviewed_by']).where('place_id', '=', Math.min(labelled, copy)).where('other_place_id', '=', Math.max(labelled, copy)).executeTakeFirstOrThrow();
    assert.deepEqual(status, { status: 'merged', reviewed_by: hub.principal.userId });
    const journal = await platform.db.selectFrom('audit_events').select(['action', 'place_id', 'actor_user_id']).where('place_id', 'in', [labelled, copy]).where('action', 'like', 'place.merged%').orderBy('id').execute();
    assert.deepEqual(journal, [
      { action: 'place.merged', place_id: labelled, actor_user_id: hub.principal.userId },
      { action: 'place.merged_into', place_id: copy, actor_user_id: hub.principal.userId },
    ]);

    // No longer a pending duplicate: every decision on it is refused, 409.
    await assert.rejects(mergeDuplicate(platform.db, hub.principal, key, { keptPlaceId: labelled, choices: {} }), refusal(409, 'doublon_deja_traite'));
    await assert.rejects(reviewDuplicate(platform.db, hub.principal, key, { kind: 'distinct' }), refusal(409, 'doublon_deja_traite'));
  });

  test('the merge is atomic: a merged record the rules refuse changes nothing at all', async () => {
    // The copy sits in Vendée: its address with the labelled record's programme (Loire-Atlantique) cannot be saved.
    const { labelled, copy, key } = await pair({ otherCommune: '85191' });
    const before = await fingerprint();
    await assert.rejects(
      mergeDuplicate(platform.db, world.admin.principal, key, { keptPlaceId: labelled, choices: { adresse: copy, horaires: copy, programmes: labelled } }),
      refusal(422, 'programme_hors_territoire'),
    );
    assert.equal(await fingerprint(), before);
    await assert.rejects(mergeDuplicate(platform.db, world.admin.principal, key, { keptPlaceId: world.placeB, choices: {} }), refusal(422, 'fiche_conservee_invalide'));
    await assert.rejects(mergeDuplicate(platform.db, world.admin.principal, key, { keptPlaceId: labelled, choices: { horaires: world.placeB } }), refusal(422, 'choix_invalide'));
    assert.equal(await fingerprint(), before);
  });

  test('a hub of another territory, or a mediator, is refused and nothing changes', async () => {
    const { labelled, key } = await pair();
    const before = await fingerprint();
    await assert.rejects(mergeDuplicate(platform.db, foreignHub.principal, key, { keptPlaceId: labelled, choices: {} }), refusal(403));
    await assert.rejects(mergeDuplicate(platform.db, world.mediatorA.principal, key, { keptPlaceId: labelled, choices: {} }), refusal(403));
    assert.equal(await fingerprint(), before);
  });

  test('pages: compare, choose field by field, merge (PRG), then 409; the old sheet points to the kept one', async () => {
    const { labelled, copy } = await pair();
    const [first, second] = labelled < copy ? [labelled, copy] : [copy, labelled];
    const url = `/lieux/doublons/${first}/${second}`;
    const page = await pageClient(app, platform.db, hub.principal.userId);
    const list = await page.get('/lieux/doublons');
    assert.match(list.body, new RegExp(`href="${url}"`));
    const compare = await page.get(url);
    assert.equal(compare.statusCode, 200);
    assert.ok(isChecked(compare.body, 'conserver', String(labelled)), 'la fiche labellisée est proposée');
    assert.match(compare.body, /Label : labellisée du 1er janvier 2020 au 31 décembre 2099/);
    assert.match(compare.body, /Label : jamais labellisée/);
    assert.ok(isChecked(compare.body, 'champ_telephone', String(copy)));
    assert.ok(isChecked(compare.body, 'champ_horaires', String(labelled)));
    assert.doesNotMatch(compare.body, /name="champ_nom"/, 'un champ identique n’a pas de choix');

    const foreign = await pageClient(app, platform.db, foreignHub.principal.userId);
    assert.equal((await foreign.get(url)).statusCode, 403);
    assert.equal((await foreign.post(url, { conserver: String(labelled) })).statusCode, 403);

    const merged = await page.post(url, { conserver: String(labelled), champ_horaires: String(copy), champ_telephone: String(copy), champ_structure: String(labelled), champ_presentation: String(copy), champ_programmes: String(labelled) });
    assert.equal(merged.statusCode, 303, merged.body.slice(0, 400));
    assert.equal(merged.headers.location, '/lieux/doublons');
    assert.match((await page.get('/lieux/doublons')).body, /Fiches fusionnées/);
    const kept = await platform.db.selectFrom('places').select(['opening_hours', 'summary']).where('id', '=', labelled).executeTakeFirstOrThrow();
    assert.deepEqual(kept, { opening_hours: 'Mo-Sa 09:00-18:00', summary: 'Fiche de la cartographie' });

    const again = await page.post(url, { conserver: String(labelled) });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /déjà été traité/);
    const sheet = await app.inject({ url: `/lieux/${copy}` });
    assert.match(sheet.body, new RegExp(`fusionnée avec <a href="/lieux/${labelled}">`));
  });
});
