// Per-instance addressing, derived from the instance id alone so a restarted server computes the
// same values (Ring's host_net.rs, CLOUD-HYPERVISOR.md §1.5): FNV-1a-64 of the id picks one /30 of
// guest_subnet, the TAP name, the MAC and the vsock CID. Pure; golden vectors in the unit tests.
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = (1n << 64n) - 1n;

export function fnv1a64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const b of Buffer.from(text, 'utf8')) {
    h ^= BigInt(b);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

export interface InstanceNet {
  tap: string;
  hostIp: string;
  guestIp: string;
  mask: string;
  mac: string;
  cid: number;
}

/** `guestSubnet` is an IPv4 /16 such as 10.42.0.0/16 (tests: 127.42.0.0/16, all loopback). */
export function instanceNet(id: string, guestSubnet = '10.42.0.0/16'): InstanceNet {
  const [a, b] = guestSubnet.split('.');
  const h = fnv1a64(id);
  const n = Number(h & 0x3fffn);
  const third = n >> 6;
  const fourth = ((n & 63) << 2) + 1;
  const byte = (shift: bigint) => Number((h >> shift) & 0xffn).toString(16).padStart(2, '0');
  const lo = Number(h & 0xffffffffn);
  const hi = Number(h >> 32n);
  return {
    tap: `ring-${n.toString(16)}`,
    hostIp: `${a}.${b}.${third}.${fourth}`,
    guestIp: `${a}.${b}.${third}.${fourth + 1}`,
    mask: '255.255.255.252',
    mac: `02:${byte(32n)}:${byte(24n)}:${byte(16n)}:${byte(8n)}:${byte(0n)}`,
    // 0–2 are reserved CIDs; RING.md §13.6 writes the modulus as 2^32-4, Ring's code uses u32::MAX - 4.
    cid: 3 + (((lo ^ hi) >>> 0) % (0xffffffff - 4)),
  };
}

/**
 * The iptables calls that give guests a way out (Ring's host_nat.rs): each rule is checked with -C
 * and appended with -A only when missing, so running them twice adds nothing.
 */
export function natRules(guestSubnet: string, defaultInterface?: string): string[][] {
  return [
    ['-t', 'nat', 'POSTROUTING', '-s', guestSubnet, '!', '-d', guestSubnet, ...(defaultInterface ? ['-o', defaultInterface] : []), '-j', 'MASQUERADE'],
    ['FORWARD', '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', '-j', 'ACCEPT'],
    ['FORWARD', '-s', guestSubnet, '-j', 'ACCEPT'],
  ];
}

/** One rule → its check and append argument lists (`-t nat` stays in front of the verb). */
export function natCommands(rule: string[]): { check: string[]; append: string[] } {
  const table = rule[0] === '-t' ? rule.slice(0, 2) : [];
  const rest = rule.slice(table.length);
  return { check: [...table, '-C', ...rest], append: [...table, '-A', ...rest] };
}
