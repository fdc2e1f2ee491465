// CI deploy step with @ring/client: apply one worker, wait for its rollout, exit 0 / 6 / 7 like `ring apply --wait`.
// RING_URL, RING_TOKEN, NAMESPACE and IMAGE come from the CI environment.
import { applyManifest, createClient, exitCodeOf, waitForRollout } from '@ring/client';

const baseUrl = process.env.RING_URL ?? 'http://127.0.0.1:3030';
const client = createClient({ baseUrl, token: process.env.RING_TOKEN });
const namespace = process.env.NAMESPACE ?? 'ci';

const applied = await applyManifest({ client, baseUrl }, {
  namespaces: [],
  configs: [],
  deployments: [{
    key: 'app',
    spec: {
      name: 'app', namespace, runtime: 'docker', kind: 'worker', image: process.env.IMAGE ?? 'nginx:1.27', replicas: 1,
      config: { image_pull_policy: 'IfNotPresent' },
    },
  }],
});
if (applied.firstFailure !== undefined) process.exit(applied.firstFailure);

const ids = applied.deployments.flatMap((d) => (d.id ? [d.id] : []));
console.log(`outcomes: ${applied.deployments.map((d) => `${d.name}=${d.outcome}`).join(', ')}`);
const result = await waitForRollout(client, ids, {
  timeoutMs: 5 * 60_000,
  onProgress: (p) => console.error(`${p.namespace}/${p.name}: ${p.status} ${p.ready}/${p.desired}`),
});
for (const f of result.failures) console.error(`rollout of ${f.name} failed: ${f.reason}`);
const { data: running } = await client.GET('/deployments', { params: { query: { namespace: [namespace], status: ['running'] } } });
console.log(`running in ${namespace}: ${(running ?? []).map((d) => d.name).join(', ')}`);
process.exit(exitCodeOf(result));
