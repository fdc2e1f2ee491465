import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { hostAccessViolations, hostPathAllowed, normalizeHostPath, type HostAccessSpec } from '../../../src/domain/host-access.js';

const plain: HostAccessSpec = { runtime: 'docker', image: 'busybox', config: {}, volumes: [] };
const bind = (source: string) => ({ type: 'bind' as const, source, destination: '/data', driver: 'local' as const, permission: 'rw' as const });
const codes = (spec: HostAccessSpec, allow: string[] = []) =>
  hostAccessViolations(spec, { bindMountAllow: allow }).map((v) => `${v.property_path} ${v.code}`);

describe('hostAccessViolations', () => {
  test('a plain deployment uses no host access', () => {
    assert.deepEqual(codes(plain), []);
    assert.deepEqual(codes({ ...plain, config: { user: { id: 0, privileged: false } }, network: { mode: 'bridge' } }), []);
  });

  test('privileged, host network and a bind outside the allow-list are each named at their field', () => {
    const spec: HostAccessSpec = {
      ...plain,
      config: { user: { privileged: true } },
      network: { mode: 'host' },
      volumes: [{ type: 'volume', source: 'data', destination: '/v', driver: 'local', permission: 'rw' }, bind('/var/run/docker.sock')],
    };
    assert.deepEqual(codes(spec, ['/srv']), [
      'config.user.privileged deployment.privileged.forbidden',
      'network.mode deployment.network.host_forbidden',
      'volumes[1].source deployment.volumes.bind_forbidden',
    ]);
  });

  test('binds inside the allow-list pass; named, config and secret volumes are never host paths', () => {
    const spec: HostAccessSpec = { ...plain, volumes: [bind('/srv/app'), bind('/srv'), bind('/srv/app/../other/')] };
    assert.deepEqual(codes(spec, ['/srv/']), []);
    assert.deepEqual(codes({ ...plain, volumes: [{ type: 'secret', source: 'tls', destination: '/tls', driver: 'local', permission: 'ro' }] }), []);
  });

  test('the default (empty) allow-list forbids every bind', () => {
    assert.deepEqual(codes({ ...plain, volumes: [bind('/srv/app')] }), ['volumes[0].source deployment.volumes.bind_forbidden']);
  });

  test('a cloud-hypervisor disk image is a host path too', () => {
    const ch: HostAccessSpec = { ...plain, runtime: 'cloud-hypervisor', image: '/var/lib/images/vm.raw' };
    assert.deepEqual(codes(ch), ['image deployment.image.host_path_forbidden']);
    assert.deepEqual(codes(ch, ['/var/lib/images']), []);
    assert.deepEqual(codes({ ...plain, image: '/etc/shadow' }), [], 'a docker image reference is not a path');
  });
});

describe('hostPathAllowed', () => {
  const allow = (p: string, bindMountAllow: string[], extra: Partial<Parameters<typeof hostPathAllowed>[1]> = {}) =>
    hostPathAllowed(p, { bindMountAllow, ...extra });

  test('prefix matching is by path component, after normalisation', () => {
    assert.equal(allow('/srv', ['/srv']), true);
    assert.equal(allow('/srv/a/b', ['/srv']), true);
    assert.equal(allow('/srvx', ['/srv']), false);
    assert.equal(allow('/srv/../etc/passwd', ['/srv']), false);
    assert.equal(allow('//srv//a/', ['/srv']), true);
    assert.equal(allow('srv/a', ['/srv']), false, 'relative paths are never allowed');
    assert.equal(allow('', ['/srv']), false);
  });

  test('protected paths stay closed even under an allow-list of /', () => {
    assert.equal(allow('/home/app', ['/']), true);
    for (const p of ['/', '/etc', '/etc/ssl', '/var', '/var/run/docker.sock', '/run/containerd/containerd.sock', '/proc/1', '/root/.ssh', '/var/lib/docker/volumes']) {
      assert.equal(allow(p, ['/']), false, p);
    }
  });

  test('the configured engine socket is protected wherever it lives', () => {
    assert.equal(allow('/srv/docker.sock', ['/srv'], { protectedPaths: ['/srv/docker.sock'] }), false);
    assert.equal(allow('/srv', ['/srv'], { protectedPaths: ['/srv/docker.sock'] }), false, 'its parent directory too');
    assert.equal(allow('/srv/data', ['/srv'], { protectedPaths: ['/srv/docker.sock'] }), true);
  });

  test('a symlink inside an allowed directory that leads out of it is refused', () => {
    const links: Record<string, string> = { '/srv/evil': '/etc', '/srv/ok': '/srv/data', '/data': '/mnt/data' };
    const realpath = (p: string) => {
      for (const [from, to] of Object.entries(links)) if (p === from || p.startsWith(`${from}/`)) return to + p.slice(from.length);
      return p;
    };
    assert.equal(allow('/srv/evil/shadow', ['/srv'], { realpath }), false);
    assert.equal(allow('/srv/ok/x', ['/srv'], { realpath }), true);
    assert.equal(allow('/data/x', ['/data'], { realpath }), true, 'an allow-list entry that is itself a link is resolved too');
  });
});

test('normalizeHostPath', () => {
  assert.equal(normalizeHostPath('/a/./b/../c/'), '/a/c');
  assert.equal(normalizeHostPath('/'), '/');
  assert.equal(normalizeHostPath('a/b'), null);
});
