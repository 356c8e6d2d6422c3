import assert from 'node:assert/strict';
import { test } from 'node:test';
import argon2 from 'argon2';
import { FAST_TEST_HASHES, hashPassword, verifyPassword } from '../../../src/accounts/use-cases/credentials.js';
import { serve } from '../../../src/cli/serve.js';
import { readConfig } from '../../../src/config.js';

/** The suite's cheap password hashes (scripts/test.sh) never reach a served platform, and verify like the real ones. */
test('cheap test hashes: only under the suite, refused by serve, and real hashes still verify', { skip: !FAST_TEST_HASHES && 'INCLUSIF_TEST_FAST_HASHES n’est pas posée (npm test la pose)' }, async () => {
  const cheap = await hashPassword('un mot de passe assez long');
  assert.match(cheap, /^\$argon2id\$v=19\$m=4096,p=1,t=2\$/);
  const real = await argon2.hash('un mot de passe assez long', { type: argon2.argon2id });
  assert.match(real, /^\$argon2id\$v=19\$m=65536,p=4,t=3\$/);
  assert.equal(await verifyPassword(real, 'un mot de passe assez long'), true);
  assert.equal(await verifyPassword(cheap, 'un autre mot de passe'), false);
  await assert.rejects(serve(readConfig({}), false), /INCLUSIF_TEST_FAST_HASHES=1 affaiblit/);
});
