// B12: the NoCloud seed's content, verbatim.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { needsSeed, renderMetaData, renderUserData, shellQuote } from '../../../src/runtime/cloud-hypervisor/seed.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('cloud-init seed (B12, B13, B15)', () => {
  test('env: three files, base64 KEY=\'v\' with \'\\\'\' escaping', () => {
    const ud = renderUserData({ instanceId: 'ch-abc', env: { B: "it's", A: '1' }, shares: [] });
    assert.equal(ud, [
      '#cloud-config',
      'write_files:',
      '  - path: /etc/ring/env', "    permissions: '0600'", '    encoding: b64', `    content: ${b64("A='1'\nB='it'\\''s'\n")}`,
      '  - path: /etc/profile.d/ring-env.sh', "    permissions: '0644'", '    encoding: b64', `    content: ${b64("export A='1'\nexport B='it'\\''s'\n")}`,
      '  - path: /etc/systemd/system/service.d/ring-env.conf', "    permissions: '0644'", '    encoding: b64',
      `    content: ${b64('[Service]\nEnvironmentFile=-/etc/ring/env\n')}`,
      'runcmd:',
      '  - ["sh","-c","systemctl daemon-reload || true"]',
      '',
    ].join('\n'));
    assert.equal(shellQuote("a'b"), "'a'\\''b'");
  });

  test('meta-data names the instance', () => {
    assert.equal(renderMetaData({ instanceId: 'ch-deadbeef-00112233', env: {}, shares: [] }), 'instance-id: ch-deadbeef-00112233\nlocal-hostname: ch-deadbeef-00112233\n');
  });

  test('B13: the network line gives the guest its /30 and the default route via the host side', () => {
    const ud = renderUserData({ instanceId: 'i', env: {}, shares: [], network: { guestIp: '10.42.1.2', hostIp: '10.42.1.1' } });
    assert.match(ud, /ip addr add 10\.42\.1\.2\/30 dev \$i/);
    assert.match(ud, /ip route add default via 10\.42\.1\.1 dev \$i/);
    assert.match(ud, /for i in enp0s3 ens3 eth0/);
  });

  test('B15: mounts with tags, ro for read-only shares, and the mount commands', () => {
    const ud = renderUserData({ instanceId: 'i', env: {}, shares: [
      { tag: 'bind-0', destination: '/data', readOnly: false }, { tag: 'cfg-1', destination: '/etc/app', readOnly: true }] });
    assert.match(ud, /mounts:\n {2}- \["bind-0", "\/data", "virtiofs", "defaults", "0", "0"\]\n {2}- \["cfg-1", "\/etc\/app", "virtiofs", "ro", "0", "0"\]/);
    assert.match(ud, /mount -t virtiofs bind-0 '\/data'/);
    assert.match(ud, /mount -t virtiofs -o ro cfg-1 '\/etc\/app'/);
  });

  test('no seed without env, shares or network', () => {
    assert.equal(needsSeed({ instanceId: 'i', env: {}, shares: [] }), false);
    assert.equal(needsSeed({ instanceId: 'i', env: { A: '1' }, shares: [] }), true);
  });
});
