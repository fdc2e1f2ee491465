// B14: NAT for the guests, against a recording fake host (nothing here touches iptables or
// ip_forward): every rule checked with -C and appended with -A only when missing, the default
// route's interface on the MASQUERADE rule, and failures turned into warnings.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { defaultInterfaceFrom, installNat, type NatHost } from '../../../src/runtime/cloud-hypervisor/nat.js';

class FakeHost implements NatHost {
  readonly calls: string[] = [];
  forwarding = 0;
  constructor(private readonly present: (args: string[]) => boolean, private readonly opts: { appendFails?: boolean; forwardFails?: boolean; iface?: string } = {}) {}
  async iptables(args: string[]): Promise<void> {
    this.calls.push(args.join(' '));
    if (args.includes('-C') && !this.present(args)) throw new Error('iptables: Bad rule (does a matching rule exist in that chain?)');
    if (args.includes('-A') && this.opts.appendFails) throw new Error('iptables: Permission denied');
  }
  enableForwarding(): void {
    this.forwarding++;
    if (this.opts.forwardFails) throw new Error('EROFS: read-only file system');
  }
  defaultInterface(): string | undefined { return this.opts.iface; }
}

const SUBNET = '10.42.0.0/16';

describe('installNat (B14)', () => {
  test('a bare host: ip_forward on, then each rule checked and appended, MASQUERADE out of the default interface', async () => {
    const host = new FakeHost(() => false, { iface: 'ens5' });
    const warnings: string[] = [];
    await installNat(SUBNET, (m) => warnings.push(m), host);
    assert.equal(host.forwarding, 1);
    assert.deepEqual(host.calls, [
      `-t nat -C POSTROUTING -s ${SUBNET} ! -d ${SUBNET} -o ens5 -j MASQUERADE`,
      `-t nat -A POSTROUTING -s ${SUBNET} ! -d ${SUBNET} -o ens5 -j MASQUERADE`,
      '-C FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      '-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
      `-C FORWARD -s ${SUBNET} -j ACCEPT`,
      `-A FORWARD -s ${SUBNET} -j ACCEPT`,
    ]);
    assert.deepEqual(warnings, []);
  });

  test('rules already there are only checked (a restarted server adds nothing)', async () => {
    const host = new FakeHost((args) => !args.includes('conntrack'));
    await installNat(SUBNET, () => undefined, host);
    assert.deepEqual(host.calls.filter((c) => c.includes('-A')), ['-A FORWARD -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT']);
    assert.ok(!host.calls[0]!.includes(' -o '), 'no default route: no -o');
  });

  test('failures are warnings naming what failed, and the other rules are still tried', async () => {
    const host = new FakeHost(() => false, { appendFails: true, forwardFails: true });
    const warnings: string[] = [];
    await installNat(SUBNET, (m) => warnings.push(m), host);
    assert.equal(host.calls.length, 6);
    assert.match(warnings[0]!, /^cannot enable ip_forward: EROFS/);
    assert.equal(warnings.length, 4);
    assert.match(warnings[1]!, /^iptables -t nat -A POSTROUTING .* failed: iptables: Permission denied$/);
  });
});

describe('the default route\'s interface from /proc/net/route', () => {
  const head = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
  const rows: [string, string[], string | undefined][] = [
    ['a default route', ['eth0\t00000000\t0101A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0', 'eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'], 'eth0'],
    ['the first of two', ['docker0\t000011AC\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0', 'wlan0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0', 'eth1\t00000000\t0101A8C0\t0003\t0\t0\t900\t00000000\t0\t0\t0'], 'wlan0'],
    ['no default route', ['eth0\t0001A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0'], undefined],
    ['empty', [], undefined],
  ];
  for (const [name, lines, want] of rows) test(name, () => assert.equal(defaultInterfaceFrom([head, ...lines].join('\n')), want));
});
