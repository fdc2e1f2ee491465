// A token confined to namespace X with deployments:write creates X by its first deployment there;
// it still gets 403 in any other namespace, existing or not, and creates nothing there. Real tokens
// minted through POST /tokens against a real server; the audit trail says who created X.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';

describe('namespace auto-create by a deployment', () => {
  let s: TestServer;
  let admin: string;
  const mine = uniqueNamespace('nsac-mine');
  const other = uniqueNamespace('nsac-other');
  const existing = uniqueNamespace('nsac-existing');
  const unconfinedNs = uniqueNamespace('nsac-wide');
  const all = [mine, other, existing, unconfinedNs];

  const body = (namespace: string, name = 'app') => ({
    name, namespace, runtime: 'docker', image: BUSYBOX_IMAGE, command: ['sleep', '3600'], config: { image_pull_policy: 'IfNotPresent' },
  });
  async function pat(name: string, scopes: string[], namespaces: string[] = []): Promise<string> {
    const r = await s.request('POST', '/tokens', { token: admin, body: { name, scopes, namespaces } });
    assert.equal(r.status, 201, r.text);
    return r.json.token;
  }
  const namespaceNames = async () => (await s.request('GET', '/namespaces', { token: admin })).json.map((n: { name: string }) => n.name) as string[];
  const deploymentsIn = async (ns: string) => (await s.request('GET', `/deployments?namespace=${ns}`, { token: admin })).json as unknown[];

  before(async () => {
    await ensureTestImages();
    s = await startTestServer();
    admin = await s.adminToken();
    assert.equal((await s.request('POST', '/namespaces', { token: admin, body: { name: existing } })).status, 201);
  });

  after(async () => {
    await s.close();
    await removeNamespaceArtifacts(all);
  });

  test('confined to X with deployments:write only: the first deployment in X creates X', async () => {
    const token = await pat('ci-x', ['deployments:read', 'deployments:write'], [mine]);
    assert.ok(!(await namespaceNames()).includes(mine));
    const r = await s.request('POST', '/deployments', { token, body: body(mine) });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.namespace, mine);
    assert.ok((await namespaceNames()).includes(mine), 'namespace X now exists');
    const audit = await s.request('GET', `/namespaces/${mine}/audit`, { token: admin });
    assert.equal(audit.status, 200, audit.text);
    const created = audit.json.find((a: { action: string; target_type: string }) => a.action === 'create' && a.target_type === 'namespace');
    assert.ok(created, JSON.stringify(audit.json));
    assert.equal(created.target_name, mine);
    // A second deployment finds it and creates nothing more.
    const again = await s.request('POST', '/deployments', { token, body: body(mine, 'app2') });
    assert.equal(again.status, 201, again.text);
    assert.equal((await namespaceNames()).filter((n) => n === mine).length, 1);
  });

  test('the same token: 403 in a namespace it was not given, missing or existing, and nothing is created', async () => {
    const token = await pat('ci-x-2', ['deployments:read', 'deployments:write'], [mine]);
    for (const ns of [other, existing]) {
      const r = await s.request('POST', '/deployments', { token, body: body(ns) });
      assert.equal(r.status, 403, r.text);
      assert.equal(r.json.detail, `token is not scoped to namespace '${ns}'`);
      assert.deepEqual(await deploymentsIn(ns), []);
    }
    assert.ok(!(await namespaceNames()).includes(other), 'namespace Y was not created');
    // Nor through /namespaces: that still needs namespaces:write.
    const direct = await s.request('POST', '/namespaces', { token, body: { name: other } });
    assert.equal(direct.status, 403, direct.text);
  });

  test('an unconfined token with deployments:write only still needs namespaces:write to create one', async () => {
    const token = await pat('wide', ['deployments:read', 'deployments:write']);
    const r = await s.request('POST', '/deployments', { token, body: body(unconfinedNs) });
    assert.equal(r.status, 403, r.text);
    assert.match(r.json.detail, new RegExp(`^namespace '${unconfinedNs}' does not exist and the token lacks 'namespaces:write' to create it`));
    assert.ok(!(await namespaceNames()).includes(unconfinedNs));
    // …and may deploy where the namespace exists.
    const ok = await s.request('POST', '/deployments', { token, body: body(existing, 'wide-app') });
    assert.equal(ok.status, 201, ok.text);
    const withScope = await pat('wide-ns', ['deployments:write', 'namespaces:write']);
    const created = await s.request('POST', '/deployments', { token: withScope, body: body(unconfinedNs) });
    assert.equal(created.status, 201, created.text);
  });
});
