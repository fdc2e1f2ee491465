// Guests' way out (B14): ip_forward and three iptables rules, once per process, only when
// manage_nat is on (tests turn it off: nothing here ever runs on a shared host). Each rule is
// checked with -C and appended with -A only when missing, like Ring's host_nat.rs, so a second
// server start adds nothing. A failure is a warning: the guests still boot, they only lack a route out.
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { natCommands, natRules } from './net.js';

const run = promisify(execFile);

/** What installing NAT touches on the host; tests pass a recording fake (never the real one). */
export interface NatHost {
  iptables(args: string[]): Promise<void>;
  enableForwarding(): void;
  /** The interface of the default route (the MASQUERADE rule's `-o`), if there is one. */
  defaultInterface(): string | undefined;
}

export const HOST_NAT: NatHost = {
  async iptables(args) { await run('iptables', args); },
  enableForwarding() { writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n'); },
  defaultInterface() {
    try { return defaultInterfaceFrom(readFileSync('/proc/net/route', 'utf8')); } catch { return undefined; }
  },
};

/** The interface of the first default route (destination and mask 0) in /proc/net/route's text. */
export function defaultInterfaceFrom(route: string): string | undefined {
  for (const line of route.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length >= 8 && f[1] === '00000000' && f[7] === '00000000') return f[0];
  }
  return undefined;
}

export async function installNat(guestSubnet: string, warn: (msg: string) => void, host: NatHost = HOST_NAT): Promise<void> {
  try {
    host.enableForwarding();
  } catch (err) {
    warn(`cannot enable ip_forward: ${(err as Error).message}`);
  }
  for (const rule of natRules(guestSubnet, host.defaultInterface())) {
    const { check, append } = natCommands(rule);
    try {
      await host.iptables(check);
    } catch {
      try {
        await host.iptables(append);
      } catch (err) {
        warn(`iptables ${append.join(' ')} failed: ${(err as Error).message}`);
      }
    }
  }
}
