import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isLocalPublicUrl, publicUrlWarning } from '../../../src/cli/public-url.js';
import { readConfig } from '../../../src/config.js';

test('an address that only means « this machine » is local; a public one is not', () => {
  for (const url of ['http://localhost:3000', 'http://127.0.0.1:3000/', 'http://[::1]:3000', 'http://0.0.0.0', 'http://app.localhost', 'pas une adresse']) assert.equal(isLocalPublicUrl(url), true, url);
  for (const url of ['https://pass.example.fr', 'https://numerique-inclusif.gouv.fr/', 'http://10.0.0.5:3000', 'https://localhost.example.fr']) assert.equal(isLocalPublicUrl(url), false, url);
});

test('PUBLIC_URL unset: a French warning naming the address the documents would print and what to set', () => {
  const warning = publicUrlWarning(readConfig({ PORT: '3000' }));
  assert.ok(warning);
  assert.match(warning, /^Attention : PUBLIC_URL n’est pas définie ou désigne cette machine \(http:\/\/localhost:3000\)\./);
  assert.match(warning, /QR codes et les adresses imprimés sur les carnets/);
  assert.match(warning, /Définissez PUBLIC_URL=https:\/\/…/);
  assert.equal(publicUrlWarning(readConfig({ PUBLIC_URL: 'https://pass.example.fr' })), null);
});
