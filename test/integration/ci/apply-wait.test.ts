// The CI contract on real Docker (issue 12): an unchanged re-apply is a no-op, a replicas change scales
// in place, `apply --wait` exits 0 / 6 / 7 as documented, a crash loop and a failing job fail fast,
// `ring diff --exit-code` says 0/1, and the push stream is namespace-filtered. A real `ring server`
// child process, driven by `ring` child processes configured by RING_URL + RING_TOKEN only.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUSYBOX_IMAGE, HTTPD_IMAGE, HTTPD_V2_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { cliEnv, docker, ringCli } from '../../helpers/processes.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';
import { createClient } from '../../../src/client/index.js';
import { watchDeployments } from '../../../src/client/watch.js';

const ns = uniqueNamespace('ciwait');
const other = uniqueNamespace('ciother');

function worker(name: string, image: string, replicas: number, extra = ''): string {
  return `deployments:
  ${name}:
    name: "${name}"
    namespace: "${ns}"
    runtime: docker
    kind: worker
    image: "${image}"
    replicas: ${replicas}
    config:
      image_pull_policy: IfNotPresent
${extra}`;
}

const readiness = (path: string, minHealthy: string) => `    health_checks:
      - type: http
        url: "http://localhost:80${path}"
        interval: "1s"
        timeout: "1s"
        threshold: 3
        on_failure: alert
        readiness: true
        min_healthy_time: "${minHealthy}"
`;

async function runningContainers(id: string): Promise<string[]> {
  const r = await docker(['ps', '-q', '--no-trunc', '--filter', `label=ring_deployment=${id}`, '--filter', 'status=running']);
  return r.stdout.split('\n').map((s) => s.trim()).filter(Boolean).sort();
}

describe('ring apply --wait, idempotent apply and diff against a real server', () => {
  let server: ServerProcess;
  let env: NodeJS.ProcessEnv;
  let token = '';
  const dir = mkdtempSync(join(tmpdir(), 'ring-ci-wait.'));
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const ring = (args: string[], timeoutMs = 120_000) => ringCli(args, env, timeoutMs);
  const api = () => createClient({ baseUrl: server.url, token });

  before(async () => {
    await ensureTestImages();
    server = await startServerProcess({ env: { RING_ROLLOUT_DEADLINE: '10' } });
    const login = await fetch(`${server.url}/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'changeme' }),
    });
    token = ((await login.json()) as { token: string }).token;
    // No config.toml, no auth.json: the environment alone configures the CLI.
    env = cliEnv(mkdtempSync(join(tmpdir(), 'ring-ci-empty.')), { RING_URL: server.url, RING_TOKEN: token });
  });

  after(async () => {
    await server?.stop();
    await removeNamespaceArtifacts([ns, other]);
    server?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('an unchanged re-apply keeps the deployment, its containers and restart_count; replicas alone scale in place', async () => {
    const m = file('plain.yaml', worker('plain', BUSYBOX_IMAGE, 2));
    const first = await ring(['apply', '-f', m, '--wait', '--timeout', '90s', '-o', 'json']);
    assert.equal(first.code, 0, first.stderr);
    const applied = JSON.parse(first.stdout) as { deployments: { id: string; outcome: string }[] };
    const id = applied.deployments[0]!.id;
    assert.equal(applied.deployments[0]!.outcome, 'created');
    const before = await runningContainers(id);
    assert.equal(before.length, 2);

    const again = await ring(['apply', '-f', m]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /Deployment 'plain' unchanged/);
    const d = (await api().GET('/deployments/{id}', { params: { path: { id } } })).data!;
    assert.equal(d.restart_count, 0);
    assert.deepEqual(await runningContainers(id), before);
    const rows = (await api().GET('/deployments', { params: { query: { namespace: [ns] } } })).data!.filter((x) => x.name === 'plain');
    assert.equal(rows.length, 1, 'an unchanged re-apply added a row');

    const diff0 = await ring(['diff', '-f', m, '--exit-code']);
    assert.equal(diff0.code, 0, diff0.stdout + diff0.stderr);
    assert.match(diff0.stdout, /plain: unchanged/);

    const scaled = file('plain3.yaml', worker('plain', BUSYBOX_IMAGE, 3));
    const diff1 = await ring(['diff', '-f', scaled, '--exit-code']);
    assert.equal(diff1.code, 1, diff1.stdout + diff1.stderr);
    assert.match(diff1.stdout, /replicas:\n\s+- 2\n\s+\+ 3/);
    const diffNoFlag = await ring(['diff', '-f', scaled]);
    assert.equal(diffNoFlag.code, 0);

    const up = await ring(['apply', '-f', scaled, '--wait', '--timeout', '60s']);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stdout, /scaled from 2 to 3 replicas/);
    const after3 = await runningContainers(id);
    assert.equal(after3.length, 3);
    for (const c of before) assert.ok(after3.includes(c), 'a scale-up replaced a running container');
  });

  it('a good rolling apply --wait exits 0 only after the parent is purged', async () => {
    const m1 = file('web1.yaml', worker('web', HTTPD_IMAGE, 1, readiness('/health', '1s')));
    const first = await ring(['apply', '-f', m1, '--wait', '--timeout', '90s', '-q']);
    assert.equal(first.code, 0, first.stderr);
    const parent = first.stdout.trim();
    assert.match(parent, /^[0-9a-f-]{36}$/);
    const m2 = file('web2.yaml', worker('web', HTTPD_V2_IMAGE, 1, readiness('/health', '1s')));
    const roll = await ring(['apply', '-f', m2, '--wait', '--timeout', '120s']);
    assert.equal(roll.code, 0, roll.stderr);
    assert.match(roll.stdout, /created \(rolling update\)/);
    const gone = await api().GET('/deployments/{id}', { params: { path: { id: parent } } });
    assert.equal(gone.response.status, 404, 'apply --wait returned before the parent was purged');
    const wait = await ring(['deployment', 'wait', `${ns}/web`, '--for', 'running']);
    assert.equal(wait.code, 0, wait.stderr);
  });

  it('a rollout whose readiness never opens exits 6 before its timeout and says why', async () => {
    const m = file('web3.yaml', worker('web', HTTPD_IMAGE, 1, readiness('/missing', '1s')));
    const t0 = Date.now();
    const r = await ring(['apply', '-f', m, '--wait', '--timeout', '100s']);
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.ok(Date.now() - t0 < 90_000, 'exit 6 only came with the timeout');
    assert.match(r.stderr, /rollout of .*\/web .* failed: status failed: Rolling update failed/);
    assert.match(r.stderr, /Last events/);
  });

  it('--timeout passing first exits 7', async () => {
    const m = file('slow.yaml', worker('slow', HTTPD_IMAGE, 1, readiness('/health', '60s')));
    const r = await ring(['apply', '-f', m, '--wait', '--timeout', '3s']);
    assert.equal(r.code, 7, r.stdout + r.stderr);
    assert.match(r.stderr, /timed out after 3s waiting for .*\/slow/);
  });

  it('a crash-looping worker and a failing job exit 6', async () => {
    const crash = file('crash.yaml', worker('crash', BUSYBOX_IMAGE, 1).replace('    replicas: 1\n', '    replicas: 1\n    command: ["sh", "-c", "exit 3"]\n'));
    const c = await ring(['apply', '-f', crash, '--wait', '--timeout', '240s'], 260_000);
    assert.equal(c.code, 6, c.stdout + c.stderr);
    assert.match(c.stderr, /crash_loop_back_off/);
    const job = file('job.yaml', `deployments:
  task:
    name: "task"
    namespace: "${ns}"
    runtime: docker
    kind: job
    image: "${BUSYBOX_IMAGE}"
    command: ["sh", "-c", "exit 2"]
    config:
      image_pull_policy: IfNotPresent
`);
    const j = await ring(['apply', '-f', job, '--wait', '--timeout', '120s']);
    assert.equal(j.code, 6, j.stdout + j.stderr);
    assert.match(j.stderr, /task .* failed: status failed/);
  });

  it('the push stream is namespace-filtered like the list and sends changes as they happen', async () => {
    // A token confined to another namespace sees none of ours.
    const created = await api().POST('/tokens', { body: { name: 'confined', scopes: ['deployments:read'], namespaces: [other] } as never });
    assert.ok(created.response.ok, JSON.stringify(created.error));
    const confined = createClient({ baseUrl: server.url, token: (created.data as { token: string }).token });
    const seen: string[] = [];
    for await (const e of watchDeployments(confined, { follow: false })) {
      if (e.type === 'deployment') seen.push(e.deployment.namespace);
    }
    assert.deepEqual(seen.filter((n) => n === ns), []);

    const abort = new AbortController();
    const frames: string[] = [];
    const watching = (async () => {
      for await (const e of watchDeployments(api(), { namespace: [ns], signal: abort.signal })) {
        frames.push(e.type === 'deployment' ? `deployment:${e.deployment.name}:${e.deployment.status}` : e.type);
        if (e.type === 'event' && e.event.reason === 'deployment_created') abort.abort();
      }
    })();
    const m = file('late.yaml', worker('late', BUSYBOX_IMAGE, 1));
    const r = await ring(['apply', '-f', m]);
    assert.equal(r.code, 0, r.stderr);
    await watching;
    assert.ok(frames.includes('synced'));
    assert.ok(frames.indexOf('synced') < frames.findIndex((f) => f.startsWith('deployment:late')), frames.join(' '));
  });
});
