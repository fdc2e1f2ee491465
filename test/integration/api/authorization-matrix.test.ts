// Every operation of openapi.yaml (read from the generated route table at run time, so routes added later
// are covered without editing this file) × every kind of caller that must be refused: no token, a garbage
// token, a revoked one, an expired one, one lacking the route's scope, one confined to another namespace.
// None may succeed (a confined token's reads may answer, but must not show the other namespace), and
// nothing may be written: every table of ring.db and the test's Docker containers are compared before/after.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { routes, componentSchemas, type RouteDef } from '../../../generated/routes.js';
import { ALL_SCOPES } from '../../../src/api/tokens.js';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { containersOf, removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ROUTES = routes as readonly RouteDef[];
const collectionOf = (path: string) => path.split('/')[1] ?? '';

type Schema = Record<string, unknown>;

/** A body the schema accepts, aimed at the victim's namespace: it must get past validation to the auth checks. */
function plausible(schema: Schema | undefined, key: string, victimNs: string, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (typeof schema.$ref === 'string') return plausible(componentSchemas[schema.$ref.split('/').pop()!] as Schema, key, victimNs, depth + 1);
  for (const k of ['oneOf', 'anyOf', 'allOf']) if (Array.isArray(schema[k])) return plausible((schema[k] as Schema[])[0], key, victimNs, depth + 1);
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const props = (schema.properties ?? {}) as Record<string, Schema>;
      const wanted = new Set([...((schema.required ?? []) as string[]), ...['namespace', 'name', 'namespaces'].filter((p) => p in props)]);
      return Object.fromEntries([...wanted].map((p) => [p, plausible(props[p], p, victimNs, depth + 1)]));
    }
    case 'array':
      if (key === 'scopes') return ['admin'];
      if (key === 'namespaces') return [victimNs];
      return [];
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    default: {
      const byKey: Record<string, string> = {
        namespace: victimNs, name: `intruder-${randomBytes(3).toString('hex')}`, username: `intruder${randomBytes(3).toString('hex')}`,
        password: 'a-long-password-1', url: 'http://127.0.0.1:9/hook', image: BUSYBOX_IMAGE, runtime: 'docker',
        value: 'v4lue', data: '{"k":"v"}', scope: 'deployment:logs:x',
      };
      return byKey[key] ?? 'x';
    }
  }
}

/** Every row of every table, as sorted JSON; `last_used_at` is left out: authenticating a request records it. */
function snapshot(dbPath: string): Record<string, string[]> {
  const db = new Database(dbPath, { readonly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as { name: string }[];
    return Object.fromEntries(tables.map(({ name }) => [name, (db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[])
      .map(({ last_used_at: _touched, ...row }) => JSON.stringify(row)).sort()]));
  } finally {
    db.close();
  }
}

describe('authorization matrix: every operation refuses every unauthorised caller', () => {
  let s: TestServer;
  let admin: string;
  const victimNs = uniqueNamespace('mx-victim');
  const ownNs = uniqueNamespace('mx-own');
  /** Path id per collection (first path segment): a real resource of the victim's namespace where there is one. */
  const fixtures: Record<string, string> = {};
  /** Ids and names whose appearance in a confined token's answer is a leak. */
  const secretsOfVictim = new Set<string>([victimNs]);
  const notes: string[] = [];

  async function post(path: string, body: unknown): Promise<{ status: number; json: any; text: string }> {
    return s.request('POST', path, { token: admin, body });
  }

  before(async () => {
    await ensureTestImages();
    s = await startTestServer();
    admin = await s.adminToken();
    for (const name of [victimNs, ownNs]) assert.equal((await post('/namespaces', { name })).status, 201);
    const ns = (await s.request('GET', `/namespaces/${victimNs}`, { token: admin })).json;
    fixtures.namespaces = victimNs;
    secretsOfVictim.add(ns.id);

    const d = await post('/deployments', { name: 'victim', namespace: victimNs, runtime: 'docker', image: BUSYBOX_IMAGE,
      config: { image_pull_policy: 'IfNotPresent' } });
    assert.equal(d.status, 201, d.text);
    fixtures.deployments = d.json.id;
    secretsOfVictim.add(d.json.id);

    const u = await post('/users', { username: `victim${randomBytes(3).toString('hex')}`, password: 'a-long-password' });
    assert.equal(u.status, 201, u.text);
    fixtures.users = u.json.id; // users have no namespace: not a leak when listed

    const t = await post('/tokens', { name: 'victim', scopes: ['admin'], namespaces: [victimNs] });
    assert.equal(t.status, 201, t.text);
    fixtures.tokens = t.json.id;
    secretsOfVictim.add(t.json.id);

    // Collections added to openapi.yaml later (secrets, configs, volumes, webhooks, …): created from their schema.
    for (const create of ROUTES.filter((r) => r.method === 'POST' && /^\/[^/{]+$/.test(r.path))) {
      const collection = collectionOf(create.path);
      if (collection in fixtures || !ROUTES.some((r) => r.path.startsWith(`/${collection}/{`))) continue;
      const r = await post(create.path, plausible(create.body?.schema, '', victimNs));
      if (r.status >= 200 && r.status < 300 && typeof r.json?.id === 'string') {
        fixtures[collection] = r.json.id;
        if (r.json.namespace === victimNs) secretsOfVictim.add(r.json.id);
      } else {
        notes.push(`no fixture for /${collection}: POST answered ${r.status} ${r.text.slice(0, 200)}; a random id is used`);
      }
    }

    // The victim's container must be up (and the reconciler quiet) before the "before" snapshot.
    const deadline = Date.now() + 60_000;
    for (;;) {
      const dep = (await s.request('GET', `/deployments/${fixtures.deployments}`, { token: admin })).json;
      if (dep.status === 'running' && dep.instances.length === 1) break;
      if (Date.now() > deadline) throw new Error(`victim deployment did not start: ${JSON.stringify(dep)}`);
      await sleep(500);
    }
  });

  after(async () => {
    await s.close();
    await removeNamespaceArtifacts([victimNs, ownNs]);
  });

  function request(route: RouteDef) {
    const path = route.path.replace(/\{[^}]+\}/g, () => fixtures[collectionOf(route.path)] ?? randomUUID());
    const props = (route.query?.properties ?? {}) as Record<string, unknown>;
    const query = 'namespace' in props ? `?namespace=${victimNs}` : '';
    let body: unknown;
    if (route.body) {
      body = route.operationId === 'createDeployment'
        ? { name: 'intruder', namespace: victimNs, runtime: 'docker', image: BUSYBOX_IMAGE, config: { image_pull_policy: 'IfNotPresent' } }
        : route.operationId === 'createNamespace' ? { name: `${victimNs}-2` }
          : plausible(route.body.schema, '', victimNs) ?? {};
    }
    return { path: path + query, body };
  }

  test('no token, garbage, revoked, expired, lacking scope, other namespace', async (t) => {
    const mk = async (body: Record<string, unknown>) => {
      const r = await post('/tokens', body);
      assert.equal(r.status, 201, r.text);
      return r.json as { id: string; token: string };
    };
    const revoked = await mk({ name: 'revoked', scopes: ['admin'] });
    assert.equal((await s.request('DELETE', `/tokens/${revoked.id}`, { token: admin })).status, 204);
    const expired = await mk({ name: 'expired', scopes: ['admin'], expire_at: '2001-01-01T00:00:00Z' });
    const lacking = new Map<string, string>();
    for (const scope of new Set(ROUTES.map((r) => r.scope))) {
      if (scope === 'public' || scope === 'authenticated') continue;
      lacking.set(scope, (await mk({ name: 'lacking', scopes: ALL_SCOPES.filter((x) => x !== scope && x !== 'admin') })).token);
    }
    const confined = [
      (await mk({ name: 'confined-admin', scopes: ['admin'], namespaces: [ownNs] })).token,
      (await mk({ name: 'confined-all', scopes: ALL_SCOPES.filter((x) => x !== 'admin'), namespaces: [ownNs] })).token,
    ];
    for (const n of notes) t.diagnostic(n);

    const before = snapshot(s.dbPath);
    await sleep(1500);
    assert.deepEqual(snapshot(s.dbPath), before, 'the database is quiet before the matrix runs');
    const containersBefore = (await containersOf([victimNs, ownNs])).map((c) => `${c.Id} ${c.State}`).sort();

    const failures: string[] = [];
    let requests = 0;
    const confinedAnswers: string[] = [];
    // logout last: it is the one operation that legitimately acts on the presented token.
    const ordered = [...ROUTES].filter((r) => r.scope !== 'public').sort((a, b) => Number(a.operationId === 'logout') - Number(b.operationId === 'logout'));
    assert.ok(ordered.length >= 20, `only ${ordered.length} operations in the route table`);
    for (const route of ordered) {
      const { path, body } = request(route);
      const label = `${route.operationId} (${route.method} ${path})`;
      const expect = async (who: string, token: string | undefined, status: number, detail?: string) => {
        const r = await s.request(route.method, path, { token, body });
        requests++;
        if (r.status !== status || (detail && r.json?.detail !== detail)) {
          failures.push(`${label} with ${who}: ${r.status} ${r.text.slice(0, 160)} (expected ${status}${detail ? ` '${detail}'` : ''})`);
        }
      };
      await expect('no token', undefined, 401);
      await expect('a garbage token', `ring_pat_${randomBytes(32).toString('hex')}`, 401);
      await expect('a revoked token', revoked.token, 401);
      await expect('an expired token', expired.token, 401);
      if (route.scope !== 'authenticated') {
        await expect(`a token without '${route.scope}'`, lacking.get(route.scope), 403, `token lacks required scope '${route.scope}'`);
      }
      if (route.operationId === 'logout') continue;
      for (const [i, token] of confined.entries()) {
        const r = await s.request(route.method, path, { token, body });
        requests++;
        confinedAnswers.push(`${route.operationId}:${r.status}`);
        const who = `a token confined to another namespace (${i === 0 ? 'admin' : 'all other scopes'})`;
        if (r.status >= 200 && r.status < 300) {
          const leaked = [...secretsOfVictim].filter((x) => r.text.includes(x));
          if (route.method !== 'GET') failures.push(`${label} with ${who}: ${r.status} ${r.text.slice(0, 160)}`);
          else if (leaked.length) failures.push(`${label} with ${who}: ${r.status} shows ${leaked.join(', ')}`);
        }
      }
    }
    t.diagnostic(`${ordered.length} operations, ${requests} requests; confined tokens got ${confinedAnswers.join(' ')}`);

    await sleep(2500); // a reconciler pass or two: anything accepted by mistake would now be a row or a container
    const containersAfter = (await containersOf([victimNs, ownNs])).map((c) => `${c.Id} ${c.State}`).sort();
    assert.deepEqual(failures, []);
    assert.deepEqual(snapshot(s.dbPath), before, 'nothing was written');
    assert.deepEqual(containersAfter, containersBefore, 'no container was created, stopped or removed');
  });
});
