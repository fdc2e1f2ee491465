import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { SecretBox, SecretDecryptionError } from '../../../src/domain/secret-box.js';

const key = randomBytes(32);
const box = new SecretBox(key);

test('a sealed value opens to itself, including non-ASCII text', () => {
  for (const value of ['s3cr3t', 'é€ 🔑', 'x'.repeat(1024 * 1024)]) {
    assert.equal(box.open(box.seal(value, 'ns', 'db'), 'ns', 'db'), value);
  }
});

test('the blob is nonce ‖ ciphertext ‖ 16-byte tag, without the plaintext in it', () => {
  const value = 'plain-text-value';
  const blob = box.seal(value, 'ns', 'db');
  assert.equal(blob.length, 12 + Buffer.byteLength(value) + 16);
  assert.equal(blob.includes(Buffer.from(value)), false);
});

test('every seal draws a fresh nonce: the same value never gives the same blob', () => {
  const blobs = new Set(Array.from({ length: 50 }, () => box.seal('same', 'ns', 'db').toString('hex')));
  assert.equal(blobs.size, 50);
  const nonces = new Set([...blobs].map((hex) => hex.slice(0, 24)));
  assert.equal(nonces.size, 50);
});

test('another key, another row, a flipped bit or a truncated blob do not open', () => {
  const blob = box.seal('value', 'ns', 'db');
  assert.throws(() => new SecretBox(randomBytes(32)).open(blob, 'ns', 'db'), SecretDecryptionError);
  assert.throws(() => box.open(blob, 'ns', 'other'), SecretDecryptionError);
  assert.throws(() => box.open(blob, 'other', 'db'), SecretDecryptionError);
  for (const i of [0, 12, blob.length - 1]) {
    const tampered = Buffer.from(blob);
    tampered[i] = tampered[i]! ^ 1;
    assert.throws(() => box.open(tampered, 'ns', 'db'), SecretDecryptionError, `bit flipped at byte ${i}`);
  }
  assert.throws(() => box.open(blob.subarray(0, 20), 'ns', 'db'), SecretDecryptionError);
});

test('the error names the secret, never the value', () => {
  const blob = box.seal('hunter2-value', 'ns', 'db');
  try {
    new SecretBox(randomBytes(32)).open(blob, 'ns', 'db');
    assert.fail('opened under the wrong key');
  } catch (e) {
    assert.match((e as Error).message, /secret 'db' in namespace 'ns' cannot be decrypted/);
    assert.doesNotMatch((e as Error).message, /hunter2/);
  }
});

test('a key of the wrong size is refused', () => {
  assert.throws(() => new SecretBox(randomBytes(16)), /32 bytes/);
});

test('the box keeps its own copy of the key', () => {
  const k = randomBytes(32);
  const b = new SecretBox(k);
  const blob = b.seal('v', 'ns', 'n');
  k.fill(0);
  assert.equal(b.open(blob, 'ns', 'n'), 'v');
});
