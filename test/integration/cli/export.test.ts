// `ring export kubernetes` as a user runs it: from a manifest file (no server needed) and from a
// running server's stored deployments.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { Deployment } from 'kubernetes-models/apps/v1';
import { ROOT, cliEnv, ringCli } from '../../helpers/processes.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';

const docsOf = (text: string) => parseAllDocuments(text).map((d) => d.toJSON() as { kind: string; metadata: { name: string; namespace?: string } });

describe('ring export kubernetes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ring-export.'));
  let srv: TestServer | undefined;
  const ns = `exp-${randomBytes(3).toString('hex')}`;
  after(async () => {
    await srv?.close();
    spawnSync('docker', ['network', 'rm', `ring_${ns}`], { stdio: 'ignore' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('-f FILE: Kubernetes YAML on stdout, lossy rules and secret commands on stderr, exit 0', async () => {
    const r = await ringCli(['export', 'kubernetes', '-f', join(ROOT, 'test/fixtures/export/storage.yaml')], cliEnv(dir));
    assert.equal(r.code, 0, r.stderr);
    const docs = docsOf(r.stdout);
    assert.deepEqual(docs.map((d) => d.kind), ['Namespace', 'ConfigMap', 'PersistentVolumeClaim', 'Deployment', 'Service']);
    assert.match(r.stderr, /^Warning: .*hostPath/m);
    assert.match(r.stderr, /^Secret \(create it before applying\): kubectl create secret generic db-pass -n shop/m);
    assert.doesNotMatch(r.stdout, /kind: Secret/);
  });

  it('an untranslatable name: exit 1, the reason on stderr, nothing on stdout', async () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'deployments:\n  x:\n    name: "-x-"\n    namespace: prod\n    image: busybox\n');
    const r = await ringCli(['export', 'kubernetes', '-f', bad], cliEnv(dir));
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /DNS-1123/);
  });

  it('neither -f nor --from-server: a usage error', async () => {
    const r = await ringCli(['export', 'kubernetes'], cliEnv(dir));
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /exactly one of -f FILE or --from-server/);
  });

  describe('--from-server', () => {
    before(async () => { srv = await startTestServer(); });

    it('exports the stored deployments of a namespace', async () => {
      const token = await srv!.adminToken();
      const created = await srv!.request('POST', '/deployments', {
        token,
        body: {
          name: 'api', namespace: ns, runtime: 'docker', kind: 'worker', image: `ring-test/absent-${ns}:1`, replicas: 2,
          config: { image_pull_policy: 'Never' },
        },
      });
      assert.equal(created.status, 201, created.text);
      const port = new URL(srv!.url).port;
      writeFileSync(join(dir, 'config.toml'), `[contexts.default]\nhost = "127.0.0.1"\napi.port = ${port}\n`);
      const r = await ringCli(['export', 'kubernetes', '--from-server', '-n', ns], cliEnv(dir, { RING_TOKEN: token }));
      assert.equal(r.code, 0, r.stderr);
      const docs = docsOf(r.stdout);
      const dep = docs.find((d) => d.kind === 'Deployment') as any;
      assert.ok(dep, r.stdout);
      assert.equal(dep.metadata.namespace, ns);
      assert.equal(dep.spec.replicas, 2);
      new Deployment(dep).validate();
    });
  });
});
