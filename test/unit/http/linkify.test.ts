import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linkify } from '../../../src/http/templates.js';

test('flash messages: addresses become links, everything else stays escaped text', () => {
  assert.equal(
    linkify('Transmettez ce lien : https://inclusif.example/invitations/abc. Merci'),
    'Transmettez ce lien : <a href="https://inclusif.example/invitations/abc">https://inclusif.example/invitations/abc</a>. Merci',
  );
  assert.equal(linkify('<script>alert(1)</script> & "x"'), '&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;');
  assert.equal(linkify('https://a.example/"onmouseover="x'), '<a href="https://a.example/">https://a.example/</a>&quot;onmouseover=&quot;x');
  assert.equal(linkify('javascript:alert(1)'), 'javascript:alert(1)');
});
