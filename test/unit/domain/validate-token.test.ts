import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRfc3339, validateToken } from '../../../src/domain/validate-token.js';

const KNOWN = ['deployments:read', 'deployments:write', 'admin'];
const codes = (r: ReturnType<typeof validateToken>) => (r.ok ? [] : r.violations.map((v) => `${v.property_path} ${v.code}`));

test('a valid token is normalised: duplicates dropped, expiry in UTC', () => {
  const r = validateToken({ name: 'ci.deploy-1', scopes: ['deployments:read', 'deployments:read'], namespaces: ['prod', 'prod'],
    expire_at: '2030-01-31T14:00:00+02:00' }, KNOWN);
  assert.ok(r.ok);
  assert.deepEqual(r.token, { name: 'ci.deploy-1', scopes: ['deployments:read'], namespaces: ['prod'], expireAt: '2030-01-31T12:00:00.000Z' });
  const never = validateToken({ name: 'ci', scopes: ['admin'], expire_at: null }, KNOWN);
  assert.ok(never.ok);
  assert.equal(never.token.expireAt, null);
  assert.deepEqual(never.token.namespaces, []);
});

test('every violation is reported at once, with Ring codes', () => {
  const r = validateToken({ name: '-', scopes: ['deployments:read', 'deployment:read', 'root'], namespaces: ['ok-ns', 'Bad_NS'], expire_at: 'tomorrow' }, KNOWN);
  assert.deepEqual(codes(r), [
    'name token.name.length',
    'name token.name.format',
    'scopes[1] token.scopes.unknown',
    'scopes[2] token.scopes.unknown',
    'namespaces[1] token.namespaces.format',
    'expire_at token.expire_at.format',
  ]);
  assert.deepEqual(codes(validateToken({ name: 'x'.repeat(64), scopes: [] }, KNOWN)), ['name token.name.length', 'scopes token.scopes.empty']);
  assert.deepEqual(codes(validateToken({ name: 'ab', scopes: ['admin'] }, KNOWN)), []);
  assert.deepEqual(codes(validateToken({ name: 'a_', scopes: ['admin'] }, KNOWN)), ['name token.name.format']);
});

test('parseRfc3339 needs an offset and a real calendar date; a past date is still a date', () => {
  assert.equal(parseRfc3339('2000-01-01T00:00:00Z'), '2000-01-01T00:00:00.000Z');
  assert.equal(parseRfc3339('2030-06-01T10:00:00.5-01:30'), '2030-06-01T11:30:00.500Z');
  for (const bad of ['2030-02-30T00:00:00Z', '2030-01-01T00:00:00', '2030-01-01', '30d', '2030-01-01T25:00:00Z', '']) {
    assert.equal(parseRfc3339(bad), null, bad);
  }
});
