// B2 and B14: addressing from FNV-1a-64 of the instance id (golden vectors computed with Ring's own
// Rust code, CLOUD-HYPERVISOR.md §1.5), the loopback test subnet, and the NAT argument lists.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { instanceNet, natCommands, natRules } from '../../../src/runtime/cloud-hypervisor/net.js';
import { INSTANCE_ID, newInstanceId, socketDirProblem } from '../../../src/runtime/cloud-hypervisor/paths.js';

describe('instance addressing (B2)', () => {
  const GOLDEN = [
    ['ch-deadbeef-12345678', 'ring-10d4', '10.42.67.81', '10.42.67.82', '02:43:16:84:10:d4', 3092460442],
    ['ch-abcdef12-0011aabb', 'ring-19f0', '10.42.103.193', '10.42.103.194', '02:a2:25:e0:99:f0', 3004317013],
    ['test', 'ring-2b25', '10.42.172.149', '10.42.172.150', '02:ef:19:7c:2b:25', 3768241613],
  ] as const;
  for (const [id, tap, host, guest, mac, cid] of GOLDEN) {
    test(`${id} → ${tap} ${host}/${guest} ${mac} CID ${cid}`, () => {
      assert.deepEqual(instanceNet(id), { tap, hostIp: host, guestIp: guest, mask: '255.255.255.252', mac, cid });
    });
  }

  test('guest_subnet only changes the first two octets (127.42.0.0/16 in tests: all loopback)', () => {
    const n = instanceNet('ch-abcdef12-0011aabb', '127.42.0.0/16');
    assert.equal(n.hostIp, '127.42.103.193');
    assert.equal(n.guestIp, '127.42.103.194');
    assert.equal(n.tap, 'ring-19f0');
  });

  test('instance ids are ch-<8 of the deployment id>-<8 hex>, and CIDs are never reserved (< 3)', () => {
    const id = newInstanceId('d3adb33f-1111-2222-3333-444455556666');
    assert.match(id, /^ch-d3adb33f-[0-9a-f]{8}$/);
    assert.ok(INSTANCE_ID.test(id));
    for (let i = 0; i < 200; i++) assert.ok(instanceNet(newInstanceId('abcdef12')).cid >= 3);
  });

  test('B24: socket_dir length guard against sun_path (107 bytes)', () => {
    assert.equal(socketDirProblem('/var/lib/ring/cloud-hypervisor/sockets'), null);
    const p = socketDirProblem(`/${'x'.repeat(80)}`);
    assert.match(p ?? '', /too long for unix sockets.*limit is 107.*at most \d+ bytes/);
  });
});

describe('NAT rules (B14)', () => {
  test('three rules, each checked with -C before -A, with the subnet and the default interface', () => {
    const rules = natRules('10.42.0.0/16', 'eth0');
    assert.deepEqual(rules.map((r) => natCommands(r)), [
      {
        check: ['-t', 'nat', '-C', 'POSTROUTING', '-s', '10.42.0.0/16', '!', '-d', '10.42.0.0/16', '-o', 'eth0', '-j', 'MASQUERADE'],
        append: ['-t', 'nat', '-A', 'POSTROUTING', '-s', '10.42.0.0/16', '!', '-d', '10.42.0.0/16', '-o', 'eth0', '-j', 'MASQUERADE'],
      },
      { check: ['-C', 'FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'], append: ['-A', 'FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'] },
      { check: ['-C', 'FORWARD', '-s', '10.42.0.0/16', '-j', 'ACCEPT'], append: ['-A', 'FORWARD', '-s', '10.42.0.0/16', '-j', 'ACCEPT'] },
    ]);
    assert.ok(!natRules('10.42.0.0/16')[0]!.includes('-o'));
  });
});
