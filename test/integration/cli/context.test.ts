// `ring context [configs|current-context|user-token]` as a user runs it, from a fresh config dir, against a
// real server (its Docker is a stub: nothing here touches the shared daemon).
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer, type TestServer } from '../../helpers/server.js';
import { startDockerStub, type DockerStub } from '../../helpers/docker-stub.js';
import { cliEnv, ringCli } from '../../helpers/processes.js';

describe('ring context', () => {
  let docker: DockerStub;
  let s: TestServer;
  let port = '';
  const dir = mkdtempSync(join(tmpdir(), 'ring-cli-context.'));
  const ring = (args: string[], extra: Record<string, string | undefined> = {}) => ringCli(args, cliEnv(dir, extra));

  before(async () => {
    docker = await startDockerStub();
    s = await startTestServer({ DOCKER_HOST: docker.host });
    port = new URL(s.url).port;
  });

  after(async () => {
    await s.close();
    await docker.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without config.toml: an empty Name/Host table, the reason on stderr, exit 0', async () => {
    const r = await ring(['context']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '+------+------+\n| Name | Host |\n+------+------+\n');
    assert.match(r.stderr, /^no contexts: .*config\.toml does not exist/);
  });

  it('configs (also the default): one row per context of config.toml, in file order; -o json', async () => {
    writeFileSync(join(dir, 'config.toml'), [
      '[contexts.default]', 'host = "127.0.0.1"', `api.port = ${port}`, '',
      '[contexts.prod]', 'current = true', 'host = "10.1.2.3"', 'api.scheme = "https"', 'api.port = 443', '',
    ].join('\n'));
    const table = [
      '+---------+-----------+',
      '| Name    | Host      |',
      '+---------+-----------+',
      '| default | 127.0.0.1 |',
      '| prod    | 10.1.2.3  |',
      '+---------+-----------+',
      '',
    ].join('\n');
    for (const args of [['context'], ['context', 'configs']]) {
      const r = await ring(args);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, table, args.join(' '));
      assert.equal(r.stderr, '');
    }
    const json = await ring(['context', 'configs', '-o', 'json']);
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), [
      { name: 'default', host: '127.0.0.1', scheme: 'http', port: Number(port), current: true },
      { name: 'prod', host: '10.1.2.3', scheme: 'https', port: 443, current: false },
    ]);
  });

  it('current-context: `default` first, else -c/--context; an unknown context exits 1', async () => {
    const def = await ring(['context', 'current-context']);
    assert.equal(def.code, 0, def.stderr);
    assert.match(def.stdout, /^Name: +default$/m);
    assert.match(def.stdout, new RegExp(`^URL: +http://127\\.0\\.0\\.1:${port}$`, 'm'));
    const prod = await ring(['-c', 'prod', 'context', 'current-context', '-o', 'json']);
    assert.equal(prod.code, 0, prod.stderr);
    assert.deepEqual(JSON.parse(prod.stdout), {
      name: 'prod', host: '10.1.2.3', scheme: 'https', port: 443, url: 'https://10.1.2.3:443',
      config_file: join(dir, 'config.toml'), from_file: true,
    });
    const after = await ring(['context', 'current-context', '--context', 'prod']);
    assert.match(after.stdout, /^Name: +prod$/m, 'the global option is accepted after the command too');
    const unknown = await ring(['context', 'current-context', '--context', 'staging']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^error: context 'staging' not found in .*config\.toml \(known: default, prod\)$/m);
  });

  it('user-token: exit 2 before login; after `ring login` the token alone on stdout, and it works; RING_TOKEN wins', async () => {
    const none = await ring(['context', 'user-token']);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^error: no token for context 'default' .*run `ring login` or set RING_TOKEN$/m);

    const login = await ring(['login', '-u', 'admin', '-p', 'changeme']);
    assert.equal(login.code, 0, login.stderr);
    const r = await ring(['context', 'user-token']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ring_pat_[0-9a-f]{64}\n$/);
    assert.equal((await s.request('GET', '/users/me', { token: r.stdout.trim() })).status, 200);

    const env = await ring(['context', 'user-token'], { RING_TOKEN: 'ring_pat_from_env' });
    assert.equal(env.stdout, 'ring_pat_from_env\n');
    const otherContext = await ring(['-c', 'prod', 'context', 'user-token']);
    assert.equal(otherContext.code, 2, 'a token is per context');
  });

  it('an unknown parameter is a usage error (exit 2), not silence', async () => {
    const r = await ring(['context', 'users']);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: unknown context parameter 'users' \(expected configs, current-context, user-token\)$/m);
  });

  it('an unreadable config.toml is an error (exit 1), not an empty table', async () => {
    writeFileSync(join(dir, 'config.toml'), '[contexts.default\nhost = \n');
    const r = await ring(['context', 'configs']);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^error: cannot read the contexts: invalid TOML in /);
  });
});
