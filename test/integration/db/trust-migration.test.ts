import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest } from '../../../src/db/migrate.js';
import { loadPrincipal } from '../../../src/accounts/use-cases/principal.js';
import { membershipsOutsideKinds } from '../../../src/accounts/use-cases/members.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';

/**
 * Migration 005 derives organisation kinds from the memberships that exist, except a privileged role that came only
 * through an invitation sent by a non-administrator (the escalation of finding 1): that membership is kept, gives no
 * power, and is listed for review. Co-funders without the funder kind go back to « pending ».
 */
describe(`migration 005 (organisation kinds) on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  const ids: Record<string, number> = {};

  before(async () => {
    platform = await openTestPlatform(testDatabaseKind, { migrateUpTo: '004_kit' });
    const db = platform.db;
    const org = async (name: string) => Number((await sql<{ id: number }>`insert into organisations (name, departement_code) values (${name}, '44') returning id`.execute(db)).rows[0]!.id);
    const user = async (email: string) => Number((await sql<{ id: number }>`insert into users (email, display_name, password_hash) values (${email}, ${email}, 'x') returning id`.execute(db)).rows[0]!.id);
    ids.national = await org('Mission');
    ids.place = await org('Lieu');
    ids.funder = await org('Département');
    ids.admin = await user('admin@test.fr');
    ids.placeAdmin = await user('lieu@test.fr');
    ids.intruder = await user('intrus@test.fr');
    ids.funderUser = await user('financeur@test.fr');
    await sql`insert into memberships values (${ids.admin}, ${ids.national}, 'admin', true), (${ids.placeAdmin}, ${ids.place}, 'mediator', true),
      (${ids.intruder}, ${ids.place}, 'hub', false), (${ids.funderUser}, ${ids.funder}, 'funder', true)`.execute(db);
    // The intruder's hub role came through an invitation its place's administrator sent.
    await sql`insert into invitations (token_hash, organisation_id, email, role, invited_by, expires_at, accepted_at)
      values ('h1', ${ids.place}, 'intrus@test.fr', 'hub', ${ids.placeAdmin}, now() + interval '1 day', now())`.execute(db);
    await sql`insert into programmes (name, face_value_cents, validity_months, created_by_organisation_id) values ('P', 1000, 12, ${ids.funder})`.execute(db);
    const programme = Number((await sql<{ id: number }>`select id from programmes`.execute(db)).rows[0]!.id);
    await sql`insert into programme_cofunders values (${programme}, ${ids.funder}, 5000), (${programme}, ${ids.place}, 5000)`.execute(db);
    await migrateToLatest(db);
  });
  after(async () => platform.dispose());

  test('kinds come from legitimate memberships; the smuggled hub role is listed, kept and powerless', async () => {
    const kinds = Object.fromEntries((await platform.db.selectFrom('organisations').select(['id', 'kinds']).execute()).map((o) => [o.id, o.kinds]));
    assert.deepEqual(kinds[ids.national!], ['national_operator']);
    assert.deepEqual(kinds[ids.place!], ['place_operator']);
    assert.deepEqual(kinds[ids.funder!], ['funder']);
    const review = await membershipsOutsideKinds(platform.db);
    assert.deepEqual(review.map((r) => [r.email, r.role]), [['intrus@test.fr', 'hub']]);
    const memberships = await platform.db.selectFrom('memberships').select('role').where('user_id', '=', ids.intruder!).execute();
    assert.deepEqual(memberships.map((m) => m.role), ['hub'], 'not deleted');
    assert.deepEqual((await loadPrincipal(platform.db, ids.intruder!))!.memberships, [], 'no power');
    assert.deepEqual((await loadPrincipal(platform.db, ids.funderUser!))!.memberships.map((m) => m.role), ['funder']);
  });

  test('a co-funder that is not a funder waits again for its agreement', async () => {
    const lines = await platform.db.selectFrom('programme_cofunders').select(['organisation_id', 'status']).orderBy('organisation_id').execute();
    assert.deepEqual(lines.map((l) => [l.organisation_id, l.status]), [[ids.place, 'pending'], [ids.funder, 'accepted']].sort((a, b) => Number(a[0]) - Number(b[0])));
  });
});
