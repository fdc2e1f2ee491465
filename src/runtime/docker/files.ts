import { randomBytes } from 'node:crypto';
import { chown, mkdir, rm, rmdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, isAbsolute } from 'node:path';
import { RuntimeError, type FileMountSpec } from '../runtime.js';

/** Config/secret contents live here, one directory per instance, until the instance is removed. */
export function filesRoot(): string {
  return join(tmpdir(), 'ring_files');
}

export interface WrittenFiles { dir: string; mounts: { source: string; destination: string }[] }

/**
 * Writes each file under a fresh per-instance directory (0700, files 0400) for a read-only bind
 * mount. When the instance runs as a numeric uid, the files are handed to it, or it could not
 * read a 0400 file owned by the server's user.
 */
export async function writeInstanceFiles(deploymentId: string, files: FileMountSpec[], user?: string): Promise<WrittenFiles | null> {
  if (files.length === 0) return null;
  const dir = join(filesRoot(), safeSegment(deploymentId), randomBytes(8).toString('hex'));
  const owner = numericOwner(user);
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const mounts = [];
    for (const [i, file] of files.entries()) {
      const source = join(dir, `f${i}`);
      await writeFile(source, file.content, { mode: 0o400 });
      if (owner) await chown(source, owner.uid, owner.gid).catch(() => undefined);
      mounts.push({ source, destination: file.destination });
    }
    return { dir, mounts };
  } catch (err) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    const message = err instanceof Error ? err.message : String(err);
    throw new RuntimeError('file_system_error', `Failed to write config/secret files for deployment ${deploymentId}: ${message}`, { cause: err });
  }
}

/**
 * Removes a files directory named by a container label. The label is data read back from Docker,
 * so anything outside our root is ignored rather than deleted.
 */
export async function removeFilesDir(dir: string | undefined): Promise<void> {
  if (!dir) return;
  const root = filesRoot();
  const rel = relative(root, dir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return;
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
  // Drop the per-deployment parent once its last instance is gone; ENOTEMPTY just means it isn't.
  await rmdir(join(dir, '..')).catch(() => undefined);
}

function safeSegment(id: string): string {
  // No dots: `..` as a deployment id must not climb out of the root.
  return id.replace(/[^A-Za-z0-9_-]/g, '_') || '_';
}

function numericOwner(user?: string): { uid: number; gid: number } | null {
  const m = user ? /^(\d+)(?::(\d+))?$/.exec(user) : null;
  if (!m) return null;
  const uid = Number(m[1]);
  return { uid, gid: m[2] === undefined ? uid : Number(m[2]) };
}
