// Builds packages/client (the @ring/client package) from src/client and generated/: tsc into
// packages/client/dist, with eventsource-parser bundled so openapi-fetch stays the only runtime dependency.
// The package version is checked against openapi.yaml's info.version (the client is versioned with the API).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkgDir = join(root, 'packages', 'client');
const dist = join(pkgDir, 'dist');

const apiVersion = parse(readFileSync(join(root, 'openapi.yaml'), 'utf8')).info.version;
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
if (pkg.version !== apiVersion) {
  console.error(`packages/client/package.json version ${pkg.version} != openapi.yaml info.version ${apiVersion}`);
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', pkgDir], { stdio: 'inherit' });

const vendor = join(dist, 'vendor');
mkdirSync(vendor, { recursive: true });
copyFileSync(join(root, 'node_modules', 'eventsource-parser', 'dist', 'index.js'), join(vendor, 'eventsource-parser.js'));
const walk = (d) => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : [join(d, f)]));
for (const file of walk(dist).filter((f) => f.endsWith('.js') && !f.startsWith(vendor))) {
  const text = readFileSync(file, 'utf8');
  if (!text.includes("'eventsource-parser'")) continue;
  let rel = relative(dirname(file), join(vendor, 'eventsource-parser.js'));
  if (!rel.startsWith('.')) rel = `./${rel}`;
  writeFileSync(file, text.replaceAll("'eventsource-parser'", `'${rel}'`));
}
console.log(`packages/client/dist built (@ring/client ${pkg.version})`);
