// Console log rotation by copy-truncate (CLOUD-HYPERVISOR.md §1.16 item 2). CH holds its serial
// file open, so a rename would leave it writing into `.1` forever (Ring's bug); the console is the
// VMM's stdout opened O_APPEND, so after a truncate the next write lands at offset 0 (no NUL hole).
import { copyFileSync, existsSync, readdirSync, renameSync, statSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** Rotates one live file if it is over `maxBytes`; keeps at most `maxBackups` copies. 0 disables. */
export function rotateFile(live: string, maxBytes: number, maxBackups: number): boolean {
  if (maxBytes <= 0 || maxBackups <= 0) return false;
  let size: number;
  try { size = statSync(live).size; } catch { return false; }
  if (size <= maxBytes) return false;
  const backup = (n: number) => `${live}.${n}`;
  if (existsSync(backup(maxBackups))) unlinkSync(backup(maxBackups));
  for (let n = maxBackups - 1; n >= 1; n--) if (existsSync(backup(n))) renameSync(backup(n), backup(n + 1));
  copyFileSync(live, backup(1));
  truncateSync(live, 0);
  return true;
}

/** One sweep over every `*.console.log` in socket_dir; returns the files rotated. */
export function rotateAll(socketDir: string, maxBytes: number, maxBackups: number): string[] {
  let names: string[] = [];
  try { names = readdirSync(socketDir); } catch { return []; }
  const done: string[] = [];
  for (const n of names) {
    if (!n.endsWith('.console.log')) continue;
    const p = join(socketDir, n);
    try {
      if (rotateFile(p, maxBytes, maxBackups)) done.push(p);
    } catch { /* a file removed mid-sweep */ }
  }
  return done;
}
