// Guests' way out (B14): ip_forward and three iptables rules, once per process, only when
// manage_nat is on (tests turn it off: nothing here ever runs on a shared host). A failure is a warning.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { natCommands, natRules } from './net.js';

const run = promisify(execFile);

export async function installNat(guestSubnet: string, warn: (msg: string) => void): Promise<void> {
  try {
    writeFileSync('/proc/sys/net/ipv4/ip_forward', '1\n');
  } catch (err) {
    warn(`cannot enable ip_forward: ${(err as Error).message}`);
  }
  for (const rule of natRules(guestSubnet)) {
    const { check, append } = natCommands(rule);
    try {
      await run('iptables', check);
    } catch {
      try {
        await run('iptables', append);
      } catch (err) {
        warn(`iptables ${append.join(' ')} failed: ${(err as Error).message}`);
      }
    }
  }
}
