import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startupPublicUrlWarning } from '../../../src/cli/public-url.js';
import { seedDemo } from '../../../src/demo/seed.js';
import { openTestPlatform, testDatabaseKind } from '../../support/platform.js';
import { buildWorld } from '../../support/world.js';

describe(`the start-up warning about PUBLIC_URL on ${testDatabaseKind}`, () => {
  let platform: Awaited<ReturnType<typeof openTestPlatform>>;
  before(async () => {
    platform = await openTestPlatform();
    await buildWorld(platform.db);
  });
  after(() => platform.dispose());

  test('outside the demo, without PUBLIC_URL: warned; with it: silent', async () => {
    const warning = await startupPublicUrlWarning(platform.db, { publicUrl: 'http://localhost:3000' }, false);
    assert.match(warning ?? '', /^Attention : PUBLIC_URL n’est pas définie/);
    assert.equal(await startupPublicUrlWarning(platform.db, { publicUrl: 'https://pass.example.fr' }, false), null);
  });

  test('the demo, just loaded or still there, is served on localhost on purpose: no warning', async () => {
    assert.equal(await startupPublicUrlWarning(platform.db, { publicUrl: 'http://localhost:3000' }, true), null);
    await seedDemo(platform.db);
    assert.equal(await startupPublicUrlWarning(platform.db, { publicUrl: 'http://localhost:3000' }, false), null);
  });
});
