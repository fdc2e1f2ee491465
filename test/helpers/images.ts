// Local test images built from the host's static busybox with `docker import`, so integration
// tests never touch a registry. Same tags, recipe label and contents as the acceptance suite's
// _acc_build_image, so either side can build them and both reuse them.
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';

export const BUSYBOX_IMAGE = 'ring-test/busybox:1';
export const HTTPD_IMAGE = 'ring-test/httpd:v1';
/** Same as v1 but / answers v2: the new version of a rolling update. */
export const HTTPD_V2_IMAGE = 'ring-test/httpd:v2';

const RECIPE = 'ring-acc-images-1';
const APPLETS = ['sh', 'ls', 'cat', 'echo', 'sleep', 'httpd', 'nc', 'wget', 'test', 'true', 'false', 'env', 'kill', 'mkdir', 'printf', 'date', 'id'];

const ready = new Map<string, Promise<{ busybox: string; httpd: string; httpdV2: string }>>();

/**
 * Builds the test images unless a current copy exists; safe to call from every test file.
 * `dockerHost` (unix://…) builds them on another daemon (the benchmark's private dockerd).
 */
export function ensureTestImages(docker: Docker = new Docker(), dockerHost?: string): Promise<{ busybox: string; httpd: string; httpdV2: string }> {
  const key = dockerHost ?? '';
  let done = ready.get(key);
  if (!done) {
    done = (async () => {
      await buildImage(docker, BUSYBOX_IMAGE, ['/bin/sleep', '3600'], undefined, dockerHost);
      await buildImage(docker, HTTPD_IMAGE, ['/bin/httpd', '-f', '-p', '80', '-h', '/www'], 'v1', dockerHost);
      await buildImage(docker, HTTPD_V2_IMAGE, ['/bin/httpd', '-f', '-p', '80', '-h', '/www'], 'v2', dockerHost);
      return { busybox: BUSYBOX_IMAGE, httpd: HTTPD_IMAGE, httpdV2: HTTPD_V2_IMAGE };
    })();
    ready.set(key, done);
  }
  return done;
}

async function isCurrent(docker: Docker, tag: string): Promise<boolean> {
  try {
    const info = await docker.getImage(tag).inspect();
    return info.Config?.Labels?.['ring-acc.recipe'] === RECIPE;
  } catch {
    return false;
  }
}

async function buildImage(docker: Docker, tag: string, cmd: string[], indexBody?: string, dockerHost?: string): Promise<void> {
  if (await isCurrent(docker, tag)) return;
  const root = await mkdtemp(join(tmpdir(), 'ring-test-rootfs.'));
  try {
    for (const d of ['bin', 'etc', 'tmp', 'www', 'root']) await mkdir(join(root, d), { recursive: true });
    await chmod(join(root, 'tmp'), 0o1777);
    await copyFile('/bin/busybox', join(root, 'bin/busybox'));
    for (const applet of APPLETS) await symlink('busybox', join(root, 'bin', applet));
    await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    await writeFile(join(root, 'etc/group'), 'root:x:0:\n');
    if (indexBody !== undefined) {
      await writeFile(join(root, 'www/index.html'), indexBody);
      await writeFile(join(root, 'www/health'), 'ok');
    }
    await pipeTarIntoImport(root, tag, cmd, dockerHost);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
  if (!(await isCurrent(docker, tag))) throw new Error(`image ${tag} missing after docker import`);
}

function pipeTarIntoImport(root: string, tag: string, cmd: string[], dockerHost?: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const tar = spawn('tar', ['--numeric-owner', '-C', root, '-c', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const imp = spawn('docker', [
      ...(dockerHost ? ['-H', dockerHost] : []),
      'import',
      '--change', `CMD ${JSON.stringify(cmd)}`,
      '--change', 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      '--change', `LABEL ring-acc.recipe=${RECIPE}`,
      '-', tag,
    ], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    imp.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    tar.stdout.pipe(imp.stdin);
    tar.on('error', reject);
    imp.on('error', reject);
    imp.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`docker import of ${tag} failed (${code}): ${stderr}`))));
  });
}
