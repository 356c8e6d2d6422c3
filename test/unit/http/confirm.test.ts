import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { confirmationStep } from '../../../src/http/confirm.js';

test('a money action acts only on the confirmation page’s post with the box ticked', () => {
  assert.equal(confirmationStep(undefined), 'ask');
  assert.equal(confirmationStep({}), 'ask');
  assert.equal(confirmationStep({ confirmation: 'oui' }), 'ask', 'the box alone, without the confirmation step, only asks');
  assert.equal(confirmationStep({ etape: 'confirmer' }), 'unticked');
  assert.equal(confirmationStep({ etape: 'confirmer', confirmation: 'non' }), 'unticked');
  assert.equal(confirmationStep({ etape: 'confirmer', confirmation: ['oui', 'oui'] }), 'unticked', 'a repeated field is not a ticked box');
  assert.equal(confirmationStep({ etape: 'confirmer', confirmation: 'oui' }), 'confirmed');
});

test('no other body confirms (property)', () => {
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('etape', 'confirmation', 'motif', 'releve'), fc.oneof(fc.string(), fc.constant('oui'), fc.constant('confirmer'))), (body) => {
      const confirmed = confirmationStep(body) === 'confirmed';
      assert.equal(confirmed, body.etape === 'confirmer' && body.confirmation === 'oui');
    }),
  );
});
