import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePullSecret, registryOf } from '../../../src/domain/registry-credentials.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

test('registryOf follows Docker: a host-looking first component, else Docker Hub', () => {
  assert.equal(registryOf('127.0.0.1:5000/app:1'), '127.0.0.1:5000');
  assert.equal(registryOf('ghcr.io/org/app'), 'ghcr.io');
  assert.equal(registryOf('localhost/app'), 'localhost');
  assert.equal(registryOf('library/nginx'), 'docker.io');
  assert.equal(registryOf('nginx:alpine'), 'docker.io');
});

test('a Docker config.json: the entry of the image\'s registry, auth decoded', () => {
  const secret = JSON.stringify({ auths: {
    'other.example:5000': { auth: b64('nope:nope') },
    'http://127.0.0.1:5000/v2/': { auth: b64('alice:pa:ss') },
  } });
  assert.deepEqual(parsePullSecret(secret, '127.0.0.1:5000/app:1'), {
    ok: true, credentials: { username: 'alice', password: 'pa:ss', serveraddress: '127.0.0.1:5000' },
  });
});

test('a Docker config.json entry may carry username and password; Docker Hub aliases match', () => {
  const secret = JSON.stringify({ auths: { 'https://index.docker.io/v1/': { username: 'bob', password: 'pw' } } });
  assert.deepEqual(parsePullSecret(secret, 'bob/private:1'), {
    ok: true, credentials: { username: 'bob', password: 'pw', serveraddress: 'https://index.docker.io/v1/' },
  });
});

test('credentials are never offered to a registry they were not issued for', () => {
  const secret = JSON.stringify({ auths: { 'ghcr.io': { auth: b64('a:b') } } });
  const r = parsePullSecret(secret, '127.0.0.1:5000/app:1');
  assert.deepEqual(r, { ok: false, reason: "has no credentials for registry '127.0.0.1:5000'" });
  const flat = parsePullSecret(JSON.stringify({ server: 'ghcr.io', username: 'a', password: 'b' }), '127.0.0.1:5000/app');
  assert.equal(flat.ok, false);
});

test('a flat {server?, username, password}', () => {
  assert.deepEqual(parsePullSecret(JSON.stringify({ username: 'u', password: 'p' }), '127.0.0.1:5000/app'), {
    ok: true, credentials: { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' },
  });
  assert.deepEqual(parsePullSecret(JSON.stringify({ server: 'http://127.0.0.1:5000', username: 'u', password: 'p' }), '127.0.0.1:5000/app'), {
    ok: true, credentials: { username: 'u', password: 'p', serveraddress: '127.0.0.1:5000' },
  });
});

test('malformed secrets give a reason that never quotes the content', () => {
  for (const text of ['hunter2-not-json', '["hunter2"]', '{"user":"hunter2"}', JSON.stringify({ auths: { 'h.io': { auth: b64('hunter2') } } })]) {
    const r = parsePullSecret(text, 'h.io/app');
    assert.equal(r.ok, false, text);
    assert.doesNotMatch(r.ok ? '' : r.reason, /hunter2/);
  }
});
