// config.use_host_auth: which host credentials a pull gets, or the message saying why it gets none.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideHostAuth, hostConfigPath, hostRegistryAuth, type HelperAnswer, type HelperRunner } from '../../../src/runtime/docker/host-auth.js';
import { RuntimeError } from '../../../src/runtime/runtime.js';
import { loadConfig } from '../../../src/config.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const FILE = '/srv/ring/docker.json';
const noHelper: HelperRunner = (name) => { throw new Error(`helper ${name} must not be asked`); };

type Expect = { creds: [string, string, string] } | { message: RegExp };
const cases: [string, { image: string; enabled?: boolean; text: string | null; helper?: HelperRunner }, Expect][] = [
  ['server setting off: refused, not authorized, whatever the file holds',
    { image: 'reg.example:5000/app:1', enabled: false, text: JSON.stringify({ auths: { 'reg.example:5000': { auth: b64('u:p') } } }) },
    { message: /^the runtime is not authorized to use host registry credentials — set use_host_registry_auth = true/ }],
  ['auths entry keyed by host:port, auth = base64(user:password)',
    { image: 'reg.example:5000/app:1', text: JSON.stringify({ auths: { 'reg.example:5000': { auth: b64('alice:s3:cret') } } }) },
    { creds: ['alice', 's3:cret', 'reg.example:5000'] }],
  ['auths entry keyed by URL, username/password fields',
    { image: '127.0.0.1:5000/x', text: JSON.stringify({ auths: { 'http://127.0.0.1:5000/v2/': { username: 'bob', password: 'pw' } } }) },
    { creds: ['bob', 'pw', '127.0.0.1:5000'] }],
  ['Docker Hub image matches the v1 URL key and gets the v1 server address',
    { image: 'library/busybox', text: JSON.stringify({ auths: { 'https://index.docker.io/v1/': { auth: b64('hub:pw') } } }) },
    { creds: ['hub', 'pw', 'https://index.docker.io/v1/'] }],
  ['credentials of another registry are never offered',
    { image: 'reg.example:5000/app', text: JSON.stringify({ auths: { 'other.example': { auth: b64('u:p') } } }) },
    { message: /^no host credential found for registry 'reg\.example:5000': \/srv\/ring\/docker\.json has no entry for it — the pull is not authorized without one \(run 'docker login reg\.example:5000'/ }],
  ['missing file',
    { image: 'reg.example/app', text: null },
    { message: /^no host credential found for registry 'reg\.example': \/srv\/ring\/docker\.json does not exist/ }],
  ['not JSON',
    { image: 'reg.example/app', text: '{auths' },
    { message: /docker\.json is not valid JSON/ }],
  ['an entry without auth or username/password',
    { image: 'reg.example/app', text: JSON.stringify({ auths: { 'reg.example': {} } }) },
    { message: /the entry for it in \/srv\/ring\/docker\.json has neither "auth" nor "username"\/"password"/ }],
  ['credHelpers for the registry wins over auths and credsStore',
    { image: 'reg.example/app', text: JSON.stringify({ credHelpers: { 'reg.example': 'pass' }, credsStore: 'desktop', auths: { 'reg.example': { auth: b64('file:pw') } } }),
      helper: (name, url) => (name === 'pass' && url === 'reg.example' ? { username: 'helped', secret: 'tok' } : { error: `asked ${name} ${url}` }) },
    { creds: ['helped', 'tok', 'reg.example'] }],
  ['credsStore when no credHelpers entry, asked with the Hub v1 URL',
    { image: 'busybox', text: JSON.stringify({ credsStore: 'desktop', auths: { 'https://index.docker.io/v1/': {} } }),
      helper: (name, url): HelperAnswer => (name === 'desktop' && url === 'https://index.docker.io/v1/' ? { username: 'd', secret: 's' } : { error: 'wrong' }) },
    { creds: ['d', 's', 'https://index.docker.io/v1/'] }],
  ['a helper that has nothing says so',
    { image: 'reg.example/app', text: JSON.stringify({ credHelpers: { 'reg.example': 'pass' } }), helper: () => ({ error: 'credentials not found in native keychain' }) },
    { message: /^no host credential found for registry 'reg\.example': docker-credential-pass \(credHelpers in \/srv\/ring\/docker\.json\) answered: credentials not found in native keychain/ }],
];

describe('decideHostAuth', () => {
  for (const [name, input, expected] of cases) {
    it(name, () => {
      const r = decideHostAuth(input.image, input.enabled ?? true, FILE, input.text, input.helper ?? noHelper);
      if ('creds' in expected) {
        assert.ok(r.ok, r.ok ? '' : r.message);
        assert.deepEqual(r.credentials, { username: expected.creds[0], password: expected.creds[1], serveraddress: expected.creds[2] });
      } else {
        assert.ok(!r.ok, 'expected a refusal');
        assert.match(r.message, expected.message);
        assert.ok(!/s3:cret|pw/.test(r.message), 'a message never quotes a credential');
      }
    });
  }
  it('every refusal says not authorized (RING §7.1)', () => {
    for (const [, input, expected] of cases) {
      if ('creds' in expected) continue;
      const r = decideHostAuth(input.image, input.enabled ?? true, FILE, input.text, input.helper ?? noHelper);
      assert.ok(!r.ok && r.message.includes('not authorized'), JSON.stringify(r));
    }
  });
});

describe('hostConfigPath', () => {
  it('host_registry_config, else $DOCKER_CONFIG/config.json, else $HOME/.docker/config.json', () => {
    assert.equal(hostConfigPath({ enabled: true, configPath: '/etc/ring/reg.json', env: { DOCKER_CONFIG: '/d', HOME: '/h' } }), '/etc/ring/reg.json');
    assert.equal(hostConfigPath({ enabled: true, configPath: '~/reg.json', env: { HOME: '/h' } }), '/h/reg.json');
    assert.equal(hostConfigPath({ enabled: true, env: { DOCKER_CONFIG: '/d', HOME: '/h' } }), '/d/config.json');
    assert.equal(hostConfigPath({ enabled: true, env: { HOME: '/h' } }), '/h/.docker/config.json');
  });
});

describe('hostRegistryAuth', () => {
  it('reads the file and throws image_pull_failed with the image named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-hostauth-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example': { auth: b64('u:p') } } }));
      const policy = { enabled: true, env: { DOCKER_CONFIG: dir } };
      assert.deepEqual(hostRegistryAuth('reg.example/a:1', policy, noHelper), { username: 'u', password: 'p', serveraddress: 'reg.example' });
      assert.throws(() => hostRegistryAuth('other.example/a:1', policy, noHelper), (e: unknown) =>
        e instanceof RuntimeError && e.reason === 'image_pull_failed' && /^Failed to pull image 'other\.example\/a:1': no host credential found for registry 'other\.example'/.test(e.message));
      assert.throws(() => hostRegistryAuth('reg.example/a:1', { ...policy, enabled: false }, noHelper), (e: unknown) =>
        e instanceof RuntimeError && e.reason === 'image_pull_failed' && e.message.includes('not authorized to use host registry credentials'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('[server.runtime.docker] host registry keys', () => {
  it('off by default; read when set; a wrong type is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ring-config-'));
    try {
      const env = { RING_CONFIG_DIR: dir };
      assert.deepEqual([loadConfig({ env }).docker.useHostRegistryAuth, loadConfig({ env }).docker.hostRegistryConfig], [false, undefined]);
      writeFileSync(join(dir, 'config.toml'), '[server.runtime.docker]\nuse_host_registry_auth = true\nhost_registry_config = "/etc/ring/reg.json"\n');
      const on = loadConfig({ env });
      assert.deepEqual([on.docker.useHostRegistryAuth, on.docker.hostRegistryConfig], [true, '/etc/ring/reg.json']);
      writeFileSync(join(dir, 'config.toml'), '[server.runtime.docker]\nuse_host_registry_auth = "yes"\nhost_registry_config = 3\n');
      const bad = loadConfig({ env });
      assert.equal(bad.docker.useHostRegistryAuth, false);
      assert.equal(bad.warnings.filter((w) => /use_host_registry_auth must be true or false|host_registry_config must be a path/.test(w)).length, 2, bad.warnings.join('\n'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
