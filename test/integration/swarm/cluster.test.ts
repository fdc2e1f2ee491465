// The Swarm backend on a 3-node Swarm: three dockerds in network namespaces of the test's own,
// joined by veth. Placement spreads the replicas over the nodes; when one node's dockerd is killed,
// Swarm reschedules its task and ring reports the deployment running again on the two left.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ensureTestImages, BUSYBOX_IMAGE } from '../../helpers/images.js';
import { copyImages, startSwarmCluster, type SwarmCluster } from '../../helpers/private-dockerd.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { waitFor } from '../../helpers/processes.js';

const ns = `swc-${randomBytes(3).toString('hex')}`;

describe('runtime: swarm on a 3-node Swarm in network namespaces', { timeout: 600_000 }, () => {
  let cluster: SwarmCluster | undefined;
  let skip: string | undefined;
  let srv: TestServer | undefined;
  let token: string;

  before(async () => {
    const c = await startSwarmCluster({ count: 3, tag: `r${randomBytes(2).toString('hex')}`, pool: '10.220.0.0/16' });
    if ('skip' in c) { skip = c.skip; console.log(`# skipped: ${skip}`); return; }
    cluster = c;
    await ensureTestImages();
    for (const n of cluster.nodes) await copyImages(n, [BUSYBOX_IMAGE]);
    srv = await startTestServer({ RING_SWARM_HOST: cluster.manager.host });
    token = await srv.adminToken();
  });
  after(async () => {
    await srv?.close();
    await cluster?.stop();
  });

  const runningNodes = async (service: string): Promise<string[]> => {
    const ids = (await cluster!.manager.cli(['service', 'ps', service, '-q', '--filter', 'desired-state=running'])).stdout.split('\n').filter(Boolean);
    const out: string[] = [];
    for (const id of ids) {
      const r = await cluster!.manager.cli(['inspect', id, '--format', '{{.Status.State}} {{.NodeID}}']);
      const [state, node] = r.stdout.trim().split(' ');
      if (state === 'running' && node) out.push(node);
    }
    return out.sort();
  };

  it('spreads 3 replicas over the 3 nodes, and reschedules when a node dies', async (t) => {
    if (skip) return t.skip(skip);
    const r = await srv!.request('POST', '/deployments', { token, body: { namespace: ns, name: 'spread', runtime: 'swarm', image: BUSYBOX_IMAGE, replicas: 3 } });
    assert.equal(r.status, 201, r.text);
    const id = r.json.id as string;
    await waitFor('running', async () => ((await srv!.request('GET', `/deployments/${id}`, { token })).json.status === 'running' ? true : undefined), 120_000, 500);
    const nodes = await runningNodes(`${ns}_spread`);
    assert.equal(new Set(nodes).size, 3, `replicas on nodes ${nodes.join(',')}`);

    const victim = cluster!.nodes[2]!;
    const victimId = (await victim.cli(['info', '--format', '{{.Swarm.NodeID}}'])).stdout.trim();
    victim.kill9();
    const after = await waitFor('rescheduled off the dead node', async () => {
      const now = await runningNodes(`${ns}_spread`);
      return now.length === 3 && !now.includes(victimId) ? now : undefined;
    }, 180_000, 1000);
    console.log(`# after killing ${victimId}: tasks on ${after.join(', ')}`);
    await waitFor('ring says running', async () => ((await srv!.request('GET', `/deployments/${id}`, { token })).json.status === 'running' ? true : undefined), 60_000, 500);
    await cluster!.restart(2); // its dockerd cleans up the containers it left behind
  });
});
