// Child processes the runtime starts (the VMM, virtiofsd, socat): detached and unref'd so they
// outlive the server, and killed later only after /proc/<pid>/cmdline confirms the pid is still
// theirs (pids are reused).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';

export function cmdlineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return null;
  }
}

/** Alive and still running something that mentions `marker` (a socket path, a port). */
export function isOurs(pid: number | null | undefined, marker: string): boolean {
  if (!pid) return false;
  const cmd = cmdlineOf(pid);
  if (cmd === null || cmd === '') return false; // gone, or a zombie
  return cmd.includes(marker);
}

/** Every live process whose command line mentions `marker`: finds helpers even when no pid was recorded. */
export function pidsMentioning(marker: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try { entries = readdirSync('/proc'); } catch { return out; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    const cmd = cmdlineOf(pid);
    if (cmd && cmd.includes(marker)) out.push(pid);
  }
  return out;
}

export function spawnDetached(cmd: string, args: string[], io: { stdout?: string; stderr?: string } = {}): ChildProcess {
  const fds: number[] = [];
  const open = (p?: string) => {
    if (!p) return 'ignore' as const;
    const fd = openSync(p, 'a'); // O_APPEND: a copy-truncate rotation leaves no NUL hole (§1.16 item 2)
    fds.push(fd);
    return fd;
  };
  try {
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', open(io.stdout), open(io.stderr)] });
    child.unref();
    return child;
  } finally {
    for (const fd of fds) closeSync(fd);
  }
}

/**
 * Resolves with the child's exit code if it exits first, or null once `path` exists, or with
 * `listening`, once a connection to it is accepted: a server binds its socket file a moment before
 * it listens, and on a busy host a client that connects in between is refused (B4). Only for
 * sockets a probe connection cannot disturb (the API socket; never a one-client vhost-user socket).
 */
export async function waitForPath(path: string, child: ChildProcess | null, timeoutMs: number, opts: { listening?: boolean } = {}): Promise<{ exited: number | null } | null> {
  let exit: { exited: number | null } | null = null;
  let spawnError: Error | null = null;
  const onExit = (code: number | null) => { exit = { exited: code }; };
  const onError = (err: Error) => { spawnError = err; };
  child?.once('exit', onExit);
  child?.once('error', onError);
  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (spawnError) throw spawnError;
      if (existsSync(path) && (!opts.listening || (await accepts(path)))) return null;
      if (exit) return exit;
      if (Date.now() > deadline) throw new Error(`${path} did not ${opts.listening && existsSync(path) ? 'accept connections' : 'appear'} within ${timeoutMs}ms`);
      await sleep(50);
    }
  } finally {
    child?.off('exit', onExit);
    child?.off('error', onError);
  }
}

/** Whether a unix socket accepts a connection now (closed again at once). */
export function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (ok: boolean) => { s.destroy(); resolve(ok); };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(1_000, () => done(false));
  });
}

/** SIGTERM, then SIGKILL after `graceMs`; only pids still matching `marker`. */
export async function stopPid(pid: number | null | undefined, marker: string, graceMs = 2_000): Promise<void> {
  if (!isOurs(pid, marker)) return;
  try { process.kill(pid!, 'SIGTERM'); } catch { return; }
  if (await exits(pid!, marker, graceMs)) return;
  try { process.kill(pid!, 'SIGKILL'); } catch { return; }
  await exits(pid!, marker, 2_000);
}

export async function exits(pid: number, marker: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isOurs(pid, marker)) return true;
    await sleep(50);
  }
  return !isOurs(pid, marker);
}

export function tailOf(path: string, bytes = 2_000): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text.slice(-bytes).trim();
  } catch {
    return '';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
