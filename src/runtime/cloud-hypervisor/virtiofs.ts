// One virtiofsd per share (CLOUD-HYPERVISOR.md §1.7). Two dialects exist: the Rust virtiofsd
// (`--shared-dir`, `--sandbox`, `--readonly`, `--cache`) and QEMU's C one that Debian bookworm ships
// (`-o source=`, `-o sandbox=`, `-o cache=`, no read-only switch: the guest mounts it ro). The
// dialect is read from `--help`; `<sock>.pid` is written by us in both cases (the C one writes its
// pid elsewhere).
import { execFile } from 'node:child_process';
import { accessSync, constants, existsSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { spawnDetached, stopPid, waitForPath } from './process.js';

export type VirtiofsdDialect = 'rust' | 'c';

export interface Share { tag: string; source: string; readOnly: boolean; /** writable named volume: no caching */ noCache: boolean }

export function virtiofsdArgs(dialect: VirtiofsdDialect, socket: string, share: Share): string[] {
  if (dialect === 'rust') {
    return ['--socket-path', socket, '--shared-dir', share.source, '--sandbox', 'none',
      ...(share.readOnly ? ['--readonly'] : []), ...(share.noCache ? ['--cache', 'never'] : [])];
  }
  return [`--socket-path=${socket}`, '-o', `source=${share.source}`, '-o', 'sandbox=chroot', ...(share.noCache ? ['-o', 'cache=none'] : [])];
}

export function dialectFromHelp(help: string): VirtiofsdDialect {
  return /--shared-dir/.test(help) ? 'rust' : 'c';
}

const dialects = new Map<string, Promise<VirtiofsdDialect>>();

export function detectDialect(binary: string): Promise<VirtiofsdDialect> {
  let d = dialects.get(binary);
  if (!d) {
    d = new Promise((resolve) => {
      execFile(binary, ['--help'], { timeout: 10_000 }, (_err, stdout, stderr) => resolve(dialectFromHelp(`${stdout}${stderr}`)));
    });
    dialects.set(binary, d);
  }
  return d;
}

/** The configured path, else RING_VIRTIOFSD, PATH, /usr/libexec/virtiofsd, /usr/lib/qemu/virtiofsd. */
export function findVirtiofsd(configured: string | null, env: NodeJS.ProcessEnv = process.env): string | null {
  const candidates = [configured, env.RING_VIRTIOFSD, ...(env.PATH ?? '').split(delimiter).filter(Boolean).map((d) => join(d, 'virtiofsd')),
    '/usr/libexec/virtiofsd', '/usr/lib/qemu/virtiofsd'];
  for (const c of candidates) {
    if (!c) continue;
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch { /* next */ }
  }
  return null;
}

export async function startVirtiofsd(binary: string, socket: string, pidFile: string, share: Share, logFile: string): Promise<number> {
  if (!existsSync(share.source)) throw new Error(`shared directory ${share.source} does not exist`);
  const dialect = await detectDialect(binary);
  const child = spawnDetached(binary, virtiofsdArgs(dialect, socket, share), { stdout: logFile, stderr: logFile });
  const pid = child.pid;
  if (!pid) throw new Error(`cannot start ${binary}`);
  try {
    const early = await waitForPath(socket, child, 10_000);
    if (early) throw new Error(`${binary} exited with code ${early.exited} before creating ${socket}`);
  } catch (err) {
    await stopPid(pid, socket);
    throw err;
  }
  writeFileSync(pidFile, `${pid}\n`);
  return pid;
}
