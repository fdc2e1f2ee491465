// How buildInstanceSpec turns secretRefs, secret/config volumes and pull secrets into a spec or an event.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildInstanceSpec, type SpecResolvers } from '../../../src/reconciler/instance-spec.js';
import { worker } from './builders.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const secrets: Record<string, string> = {
  'db-pass': 's3cr3t',
  pull: JSON.stringify({ auths: { '127.0.0.1:5000': { auth: b64('alice:pw') } } }),
};
const resolvers: SpecResolvers = {
  resolveSecret: (ns, name) => (ns === 'ns' ? secrets[name] : undefined),
  resolveConfig: (ns, name) => (ns === 'ns' && name === 'app' ? { 'app.conf': 'port=8080\n' } : undefined),
};
const ro = { driver: 'local' as const, permission: 'ro' as const };

test('secretRefs become plain env values; secret and config volumes become files', () => {
  const r = buildInstanceSpec(worker({
    environment: { PLAIN: 'p', DB_PASS: { secretRef: 'db-pass' } },
    volumes: [
      { type: 'secret', source: 'db-pass', destination: '/run/db', ...ro },
      { type: 'config', source: 'app', key: 'app.conf', destination: '/etc/app.conf', ...ro },
    ],
  }), resolvers);
  assert.ok(r.ok);
  assert.deepEqual(r.spec.env, { PLAIN: 'p', DB_PASS: 's3cr3t' });
  assert.deepEqual(r.spec.files.map((f) => [f.destination, f.content.toString()]), [['/run/db', 's3cr3t'], ['/etc/app.conf', 'port=8080\n']]);
});

test('a missing secret: no spec, a secret_resolution_error, and not a config error', () => {
  const r = buildInstanceSpec(worker({ environment: { X: { secretRef: 'nope' } } }), resolvers);
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.equal(r.configError, false);
  assert.deepEqual(r.event, { level: 'error', component: 'scheduler', reason: 'secret_resolution_error',
    message: "Failed to resolve secrets: Secret 'nope' not found in namespace 'ns'" });
});

test('a missing config or key is a config error (volume_resolution_error)', () => {
  const missing = buildInstanceSpec(worker({ volumes: [{ type: 'config', source: 'gone', key: 'k', destination: '/k', ...ro }] }), resolvers);
  assert.ok(!missing.ok && missing.configError);
  assert.equal(missing.event.reason, 'volume_resolution_error');
  assert.equal(missing.event.message, "Failed to resolve volumes: Config 'gone' not found");
  const key = buildInstanceSpec(worker({ volumes: [{ type: 'config', source: 'app', key: 'toString', destination: '/k', ...ro }] }), resolvers);
  assert.ok(!key.ok && key.configError);
  assert.equal(key.event.message, "Failed to resolve volumes: Key 'toString' not found in config 'app'");
});

test('a resolver that throws (the value exists, loading it failed): secret_load_error / config_load_error', () => {
  const cannot = () => { throw new Error("secret 'db-pass' in namespace 'ns' cannot be decrypted"); };
  const ask = (d: Parameters<typeof buildInstanceSpec>[0]) => buildInstanceSpec(d, { ...resolvers, resolveSecret: cannot });
  const cases: [string, Parameters<typeof buildInstanceSpec>[0]][] = [
    ['a secretRef', worker({ environment: { X: { secretRef: 'db-pass' } } })],
    ['a secret volume', worker({ volumes: [{ type: 'secret', source: 'db-pass', destination: '/run/db', ...ro }] })],
    ['an image_pull_secret', worker({ image: '127.0.0.1:5000/app:1', config: { image_pull_secret: 'pull' } })],
  ];
  for (const [what, d] of cases) {
    const r = ask(d);
    assert.ok(!r.ok && !r.configError, what);
    assert.deepEqual(r.event, { level: 'error', component: 'scheduler', reason: 'secret_load_error',
      message: "Failed to load secrets: secret 'db-pass' in namespace 'ns' cannot be decrypted" }, what);
  }
  const c = buildInstanceSpec(worker({ volumes: [{ type: 'config', source: 'app', key: 'k', destination: '/k', ...ro }] }), {
    resolveConfig: () => { throw new Error("Config 'app' has data that is not a JSON object"); },
  });
  assert.ok(!c.ok && c.configError, 'a config that cannot be loaded is a config_error, like a missing one');
  assert.deepEqual(c.event, { level: 'error', component: 'scheduler', reason: 'config_load_error',
    message: "Failed to load configs: Config 'app' has data that is not a JSON object" });
});

test('image_pull_secret: resolved to credentials for the image\'s registry; missing or unusable → event', () => {
  const ok = buildInstanceSpec(worker({ image: '127.0.0.1:5000/app:1', config: { image_pull_secret: 'pull' } }), resolvers);
  assert.ok(ok.ok);
  assert.deepEqual(ok.spec.auth, { username: 'alice', password: 'pw', serveraddress: '127.0.0.1:5000' });

  const missing = buildInstanceSpec(worker({ image: '127.0.0.1:5000/app:1', config: { image_pull_secret: 'gone' } }), resolvers);
  assert.ok(!missing.ok && !missing.configError);
  assert.deepEqual(missing.event, { level: 'error', component: 'scheduler', reason: 'image_pull_secret_resolution_error',
    message: "image_pull_secret 'gone' not found in namespace 'ns'" });

  const wrongRegistry = buildInstanceSpec(worker({ image: 'ghcr.io/app:1', config: { image_pull_secret: 'pull' } }), resolvers);
  assert.ok(!wrongRegistry.ok);
  assert.equal(wrongRegistry.event.message, "image_pull_secret 'pull' in namespace 'ns' has no credentials for registry 'ghcr.io'");

  const notCreds = buildInstanceSpec(worker({ config: { image_pull_secret: 'db-pass' } }), resolvers);
  assert.ok(!notCreds.ok);
  assert.doesNotMatch(notCreds.event.message, /s3cr3t/);
});

test('named volumes carry the namespace and deployment labels', () => {
  const r = buildInstanceSpec(worker({ volumes: [{ type: 'volume', source: 'data', destination: '/data', driver: 'local', permission: 'rw' }] }), resolvers);
  assert.ok(r.ok);
  assert.deepEqual(r.spec.mounts, [{ type: 'volume', source: 'data', destination: '/data', readOnly: false,
    labels: { 'ring.namespace': 'ns', 'ring.deployment': 'web' } }]);
});

test('config.use_host_auth is handed to the runtime as useHostAuth, with no credentials of its own', () => {
  const r = buildInstanceSpec(worker({ config: { use_host_auth: true } }), resolvers);
  assert.ok(r.ok);
  assert.equal(r.spec.useHostAuth, true);
  assert.equal(r.spec.auth, undefined);
  const off = buildInstanceSpec(worker({ config: { use_host_auth: false } }), resolvers);
  assert.ok(off.ok && off.spec.useHostAuth === undefined);
});
