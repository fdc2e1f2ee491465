// syncOnce with the caller's listing (the watcher's drift pass): what is re-applied is decided from
// the listing the drift report was made from. A replacement by hand that lands after that listing
// must wait for the next poll (where it is reported) instead of being healed silently from a
// second, later listing — CI once saw a heal with no "drift: … changed on the server" line.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ApplyTarget } from '../../../src/client/apply-manifest.js';
import type { DeploymentSpec } from '../../../src/domain/deployment.js';
import type { DesiredDeployment, DesiredState } from '../../../gitops/desired.js';
import { labelled, LABEL_HASH } from '../../../gitops/labels.js';
import type { LiveDeployment } from '../../../gitops/plan.js';
import { syncOnce } from '../../../gitops/sync.js';

const REPO = '/srv/repo';

function desiredWeb(): DesiredState {
  const s: DeploymentSpec = {
    name: 'web', namespace: 'ns', runtime: 'docker', kind: 'worker', image: 'img:1', replicas: 2, command: [], environment: {},
    labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
  };
  const l = labelled(s, { repo: REPO, path: 'm/web.yaml', revision: 'abcdef0123456789' });
  const d: DesiredDeployment = { source: 'm/web.yaml', namespace: 'ns', name: 'web', hash: l.labels[LABEL_HASH]!, deployment: { key: 'web', spec: l } };
  return { revision: 'abcdef0123456789', files: [], deployments: [d], broken: new Set(), errors: [] };
}

/** A server whose listing has moved on since the caller's: `web` was replaced by hand (no gitops labels). */
function movedOnServer(): { target: ApplyTarget; lists: () => number } {
  let lists = 0;
  const replaced = [{ id: 'hand-1', namespace: 'ns', name: 'web', status: 'running', labels: {} }];
  const client = {
    GET: async (path: string) => {
      if (path === '/deployments') lists++;
      return { data: path === '/deployments' ? replaced : undefined, response: new Response('[]', { status: 200 }) };
    },
  };
  return { target: { client: client as unknown as ApplyTarget['client'], baseUrl: 'http://127.0.0.1:1' }, lists: () => lists };
}

const io = () => {
  const lines: string[] = [];
  return { lines, io: { out: (l = '') => { lines.push(l); }, err: (l = '') => { lines.push(l); } } };
};

describe('syncOnce with the caller’s listing', () => {
  it('plans from the listing it is given, and lists nothing itself', async () => {
    const want = desiredWeb();
    const d = want.deployments[0]!;
    const mine: LiveDeployment[] = [{ id: 'gitops-1', namespace: 'ns', name: 'web', status: 'running', labels: d.deployment.spec.labels }];
    const server = movedOnServer();
    const o = io();
    const r = await syncOnce(server.target, want, { repo: REPO, dir: 'm', prune: true, full: false, dryRun: true, quiet: true, onlyMissing: true, live: mine, io: o.io });
    assert.equal(server.lists(), 0, 'the drift pass already listed; a second listing can see a change its report did not');
    assert.equal(r.applied, 0, `web was up to date in the reported listing; nothing is healed unreported: ${o.lines.join(' | ')}`);
    assert.equal(r.unchanged, 1);
  });

  it('without a listing, lists the server (a new revision’s full sync)', async () => {
    const server = movedOnServer();
    const o = io();
    const r = await syncOnce(server.target, desiredWeb(), { repo: REPO, dir: 'm', prune: true, full: false, dryRun: true, quiet: true, io: o.io });
    assert.equal(server.lists(), 1);
    assert.equal(r.applied, 1, 'the hand replacement carries no repository label: web is missing from what the repo owns');
  });
});
