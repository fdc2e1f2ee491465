// Stored token hashes must not depend on the Node version: the createHash fallback (Node < 20.12,
// no crypto.hash) gives the same SHA-256 hex as the one-shot path, so a token minted under one
// version still authenticates under the other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashToken, hashTokenWithCreateHash, mintToken } from '../../../src/api/tokens.js';

test('the createHash fallback and the one-shot hash give the same digest', () => {
  const tokens = [mintToken().token, mintToken().token, 'ring_pat_', 'ring_pat_é∂'];
  for (const t of tokens) {
    assert.match(hashToken(t), /^[0-9a-f]{64}$/);
    assert.equal(hashTokenWithCreateHash(t), hashToken(t));
  }
  // A known vector, so both cannot drift together.
  assert.equal(hashTokenWithCreateHash('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
});
