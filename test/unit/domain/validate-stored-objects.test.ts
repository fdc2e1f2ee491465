import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Violation } from '../../../src/domain/deployment.js';
import {
  parseConfigData, validateConfig, validateSecret, validateVolume,
} from '../../../src/domain/validate-stored-objects.js';

const codes = (vs: Violation[]) => vs.map((v) => `${v.property_path}:${v.code}`);

test('secret: a valid body has no violations', () => {
  assert.deepEqual(validateSecret({ namespace: 'prod', name: 'db-pass_1.x', value: 'v' }), []);
  assert.deepEqual(validateSecret({ namespace: 'prod', name: 'DB', value: 'x'.repeat(1024 * 1024) }), []);
});

test('secret: every rule is reported at once, with Ring\'s codes', () => {
  const vs = validateSecret({ namespace: '-', name: '-', value: '' });
  assert.deepEqual(codes(vs), [
    'namespace:secret.namespace.length', 'namespace:secret.namespace.format',
    'name:secret.name.length', 'name:secret.name.format',
    'value:secret.value.length',
  ]);
});

test('secret: name length 2–253, format, value up to 1 MiB in UTF-8 bytes', () => {
  assert.deepEqual(codes(validateSecret({ namespace: 'ns', name: 'a', value: 'v' })), ['name:secret.name.length']);
  assert.deepEqual(codes(validateSecret({ namespace: 'ns', name: 'a'.repeat(254), value: 'v' })), ['name:secret.name.length']);
  assert.deepEqual(codes(validateSecret({ namespace: 'ns', name: 'db-', value: 'v' })), ['name:secret.name.format']);
  assert.deepEqual(codes(validateSecret({ namespace: 'ns', name: 'd b', value: 'v' })), ['name:secret.name.format']);
  assert.deepEqual(codes(validateSecret({ namespace: 'ns', name: 'db', value: 'é'.repeat(512 * 1024 + 1) })), ['value:secret.value.length']);
  assert.deepEqual(codes(validateSecret({ namespace: 'NS', name: 'db', value: 'v' })), ['namespace:secret.namespace.format']);
});

test('config: valid bodies, and each code', () => {
  assert.deepEqual(validateConfig({ namespace: 'ns', name: 'a', data: '{}' }, { requireJson: false }), []);
  assert.deepEqual(validateConfig({ namespace: 'ns', name: 'app.conf-1', data: '{"k":"v"}', labels: 'x' }, { requireJson: true }), []);
  assert.deepEqual(codes(validateConfig({ namespace: 'x', name: '', data: '', labels: 'l'.repeat(1001) }, { requireJson: false })), [
    'namespace:config.namespace.length',
    'name:config.name.length', 'name:config.name.format',
    'data:config.data.length',
    'labels:config.labels.length',
  ]);
  assert.deepEqual(codes(validateConfig({ namespace: 'ns', name: 'App', data: '{}' }, { requireJson: false })), ['name:config.name.format']);
  assert.deepEqual(codes(validateConfig({ namespace: 'ns', name: 'a_b', data: '{}' }, { requireJson: false })), ['name:config.name.format']);
});

test('config: data must be a JSON object only when required (PUT)', () => {
  for (const data of ['not json', '[1,2]', '"text"', '42']) {
    assert.deepEqual(validateConfig({ namespace: 'ns', name: 'c', data }, { requireJson: false }), [], data);
    assert.deepEqual(codes(validateConfig({ name: 'c', data }, { requireJson: true })), ['data:config.data.invalid_json'], data);
  }
  // An empty data is a length problem, not also a JSON one.
  assert.deepEqual(codes(validateConfig({ name: 'c', data: '' }, { requireJson: true })), ['data:config.data.length']);
});

test('parseConfigData: keys become file contents, non-strings as JSON text', () => {
  assert.deepEqual(parseConfigData('{"a.conf":"x=1\\n","port":8080,"nested":{"k":[1]}}'), { 'a.conf': 'x=1\n', port: '8080', nested: '{"k":[1]}' });
  assert.equal(parseConfigData('[]'), null);
  assert.equal(parseConfigData('nope'), null);
  assert.equal(parseConfigData('null'), null);
});

test('volume: valid bodies, and each code', () => {
  assert.deepEqual(validateVolume({ namespace: 'ns', name: 'data_1.x' }), []);
  assert.deepEqual(validateVolume({ namespace: 'ns', name: 'db', size: '10Gi', backend_type: 'directory', labels: { a: 'b' } }), []);
  assert.deepEqual(codes(validateVolume({ namespace: 'N', name: 'A', size: 'lots', backend_type: 'nfs' })), [
    'namespace:volume.namespace.length', 'namespace:volume.namespace.format',
    'name:volume.name.length', 'name:volume.name.format',
    'backend_type:volume.backend_type.unsupported',
    'size:volume.size.invalid',
  ]);
});
