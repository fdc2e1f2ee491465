// @ring/client as a user gets it (issue 12): build, `npm pack`, install the tarball into a fresh project,
// `tsc --noEmit` the README's TypeScript CI example against it, compile and run it against a real server;
// and the README's shell CI example, run as written with the CLI on PATH.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { BUSYBOX_IMAGE, ensureTestImages } from '../../helpers/images.js';
import { BIN, ROOT, cliEnv, run } from '../../helpers/processes.js';
import { startServerProcess, type ServerProcess } from '../../helpers/server-process.js';
import { removeNamespaceArtifacts, uniqueNamespace } from '../../helpers/namespaces.js';

const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const npm = (args: string[], cwd: string) => run('npm', args, { cwd, timeoutMs: 180_000, env: { ...process.env, npm_config_update_notifier: 'false' } });

describe('@ring/client package and the README CI examples', () => {
  const ns = uniqueNamespace('cipkg');
  const nsShell = uniqueNamespace('cish');
  const work = mkdtempSync(join(tmpdir(), 'ring-client-pkg.'));
  const project = join(work, 'project');
  let server: ServerProcess;
  let token = '';

  before(async () => {
    await ensureTestImages();
    server = await startServerProcess();
    const login = await fetch(`${server.url}/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'changeme' }),
    });
    token = ((await login.json()) as { token: string }).token;
  });

  after(async () => {
    await server?.stop();
    await removeNamespaceArtifacts([ns, nsShell]);
    server?.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('the README shows the CI examples exactly as they are tested', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    for (const f of ['deploy.sh', 'deploy.ts']) {
      const text = readFileSync(join(ROOT, 'examples', 'ci', f), 'utf8').trimEnd();
      assert.ok(readme.includes(text), `README.md does not contain examples/ci/${f} verbatim`);
    }
  });

  it('npm pack → install the tarball → tsc --noEmit → run the TypeScript example against a server', async () => {
    const built = await run(process.execPath, [join(ROOT, 'scripts', 'build-client-package.mjs')], { timeoutMs: 180_000 });
    assert.equal(built.code, 0, built.stdout + built.stderr);
    const packed = await npm(['pack', '--pack-destination', work, join(ROOT, 'packages', 'client')], ROOT);
    assert.equal(packed.code, 0, packed.stderr);
    const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'));
    assert.ok(tarball, `no tarball in ${work}`);
    const listing = await run('tar', ['-tzf', join(work, tarball)]);
    assert.match(listing.stdout, /package\/dist\/src\/client\/package-entry\.d\.ts/);
    assert.doesNotMatch(listing.stdout, /package\/dist\/src\/(cli|domain|api)\//, 'the package carries more than the client');

    await run('mkdir', ['-p', project]);
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'ci-script', private: true, type: 'module' }));
    // The registry is reachable, but the npm cache usually has openapi-fetch: try offline first.
    let installed = await npm(['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball)], project);
    if (installed.code !== 0) installed = await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', join(work, tarball)], project);
    assert.equal(installed.code, 0, installed.stderr);
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', '@ring', 'client', 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    assert.deepEqual(Object.keys(manifest.dependencies), ['openapi-fetch']);

    copyFileSync(join(ROOT, 'examples', 'ci', 'deploy.ts'), join(project, 'deploy.ts'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, outDir: 'out', skipLibCheck: false,
        types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['deploy.ts'],
    }));
    const check = await run(process.execPath, [TSC, '--noEmit', '-p', project], { cwd: project, timeoutMs: 180_000 });
    assert.equal(check.code, 0, check.stdout + check.stderr);
    // A mistyped call must not type-check: the types really come from openapi.yaml.
    writeFileSync(join(project, 'bad.ts'), "import { createClient } from '@ring/client';\nawait createClient({ baseUrl: 'x' }).GET('/no-such-path');\n");
    const bad = await run(process.execPath, [TSC, '--noEmit', '--module', 'NodeNext', '--moduleResolution', 'NodeNext', '--target', 'ES2022', '--skipLibCheck', 'bad.ts'], { cwd: project, timeoutMs: 180_000 });
    assert.notEqual(bad.code, 0, 'a call to an undeclared path type-checked');

    const emitted = await run(process.execPath, [TSC, '-p', project], { cwd: project, timeoutMs: 180_000 });
    assert.equal(emitted.code, 0, emitted.stdout + emitted.stderr);
    const env = { ...process.env, RING_URL: server.url, RING_TOKEN: token, NAMESPACE: ns, IMAGE: BUSYBOX_IMAGE };
    const first = await run(process.execPath, [join(project, 'out', 'deploy.js')], { cwd: project, env, timeoutMs: 120_000 });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /outcomes: app=created/);
    assert.match(first.stdout, /running in .*: app/);
    const again = await run(process.execPath, [join(project, 'out', 'deploy.js')], { cwd: project, env, timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /outcomes: app=unchanged/);
  });

  it('the shell CI example deploys, then has nothing to do', async () => {
    const manifest = join(work, 'ring.yaml');
    writeFileSync(manifest, `deployments:
  app:
    name: "app"
    namespace: "${nsShell}"
    runtime: docker
    kind: worker
    image: "${BUSYBOX_IMAGE}"
    replicas: 1
    config:
      image_pull_policy: IfNotPresent
`);
    const env = cliEnv(mkdtempSync(join(work, 'cfg.')), {
      RING_URL: server.url, RING_TOKEN: token, PATH: `${dirname(BIN)}:${process.env.PATH ?? ''}`,
    });
    const script = join(ROOT, 'examples', 'ci', 'deploy.sh');
    const first = await run('bash', [script, manifest], { env, timeoutMs: 180_000 });
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.match(first.stdout, /Deployment 'app' created/);
    assert.match(first.stderr, /Rollout complete/);
    const again = await run('bash', [script, manifest], { env, timeoutMs: 120_000 });
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /nothing to deploy/);
  });
});
