// `ring apply -f ring.yaml`: namespaces → configs → deployments, one request each (RING.md §4, §11.4);
// with --wait, follows every deployment it touched until the rollout succeeded or failed (issue 12).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import { envFileUnreadableWarning, parseEnvFile, parseManifest, type ParsedManifest } from '../../domain/manifest.js';
import { applyManifest, type ApplyIo } from '../../client/apply-manifest.js';
import { CliError, EXIT, NO_ACCOUNT } from '../../client/errors.js';
import { globalsOf, outputOption, quietOption } from '../kit.js';
import { openSession, tokenFor, resolveConfig } from '../../client/session.js';
import { emit, machineOutput } from '../emit.js';
import { err, out } from '../output.js';
import { parseTimeout } from '../rollout-view.js';
import { DEFAULT_WAIT_MS, waitAndReport } from './deployment.js';

interface ApplyOptions {
  file: string;
  envFile?: string;
  dryRun?: boolean | string;
  force?: boolean;
  verbose?: boolean;
  wait?: boolean;
  timeout?: number;
}

export const EXIT_CODES_HELP = `
Exit codes:
  0  success (with --wait: every deployment rolled out)
  1  invalid manifest, validation or other request failure
  2  not logged in / not authorized, or a usage error
  3  cannot reach the server, or it timed out
  4  not found
  5  conflict
  6  --wait: a rollout failed (failed, crash loop, readiness deadline, image pull past its budget…)
  7  --wait: --timeout passed first`;

export function readManifest(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new CliError(`Error: cannot read manifest '${file}': ${why}`, EXIT.GENERAL);
  }
}

/** Reads and parses a manifest (and its env file); fatal manifest errors throw exit 1. */
export function loadManifest(file: string, envFilePath?: string): ParsedManifest {
  const text = readManifest(file);
  let envFile: Record<string, string> = {};
  if (envFilePath) {
    try {
      const parsed = parseEnvFile(readFileSync(envFilePath, 'utf8'), envFilePath);
      for (const w of parsed.warnings) err(w);
      envFile = parsed.vars;
    } catch (e) {
      err(envFileUnreadableWarning(envFilePath, e));
    }
  }
  const manifest = parseManifest(text, {
    manifestDir: file === '-' ? process.cwd() : dirname(resolve(file)),
    readFile: (p) => readFileSync(p, 'utf8'),
    env: process.env,
    envFile,
  });
  if (manifest.errors.length > 0) {
    throw new CliError(manifest.errors.map((e) => `Error: ${e}`).join('\n'), EXIT.GENERAL);
  }
  return manifest;
}

function dryRunMode(v: boolean | string | undefined): 'client' | 'server' | undefined {
  if (v === undefined || v === false) return undefined;
  if (v === true || v === 'client') return 'client';
  if (v === 'server') return 'server';
  throw new InvalidArgumentError(`--dry-run must be client or server (got '${v}')`);
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create or update the namespaces, configs and deployments of a manifest')
    .option('-f, --file <file>', 'manifest (YAML or JSON; - for stdin)', 'ring.yaml')
    .option('-e, --env-file <file>', 'KEY=VALUE file for $VAR interpolation (after the process environment)')
    .addOption(new Option('-d, --dry-run [mode]', 'client: show what would be sent, send nothing; server: the server validates and plans each deployment, writes nothing'))
    .option('--force', 'redeploy: replace the running deployments at once, even when unchanged (no rolling update)')
    .option('--wait', 'wait until every deployment applied has rolled out (running and ready, parent gone; jobs completed)')
    .option('--timeout <duration>', 'with --wait: give up after this long (exit 7; default 5m)', parseTimeout)
    .option('--verbose', 'print each request body')
    .addOption(outputOption())
    .addOption(quietOption())
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (opts: ApplyOptions, cmd: Command) => {
      const g = globalsOf(cmd);
      const mode = dryRunMode(opts.dryRun);
      const config = resolveConfig(g);
      if (mode !== 'client' && !tokenFor(config.current.name)) throw new CliError(NO_ACCOUNT, EXIT.AUTH);
      if (opts.wait && mode) throw new CliError('error: --wait and --dry-run cannot be combined', EXIT.AUTH);
      const manifest = loadManifest(opts.file, opts.envFile);

      // With -o/-q stdout carries only the data; the progress lines go to stderr.
      const machine = machineOutput(cmd);
      const io: ApplyIo = machine ? { out: (l = '') => err(l), err: (l = '') => err(l) } : { out, err };
      const s = mode === 'client' ? undefined : openSession(g, { timeoutMs: opts.wait ? null : undefined });
      const result = await applyManifest(s, manifest, { force: opts.force, verbose: opts.verbose, dryRunServer: mode === 'server' }, io);

      io.out();
      io.out('Summary:');
      io.out(`  Successful: ${result.successful}`);
      if (result.failed > 0) io.out(`  Failed: ${result.failed}`);
      if (mode) {
        io.out();
        io.out(mode === 'client' ? 'DRY RUN COMPLETE — nothing was sent to the server.' : 'DRY RUN COMPLETE (server) — nothing was written.');
      }
      const data = { deployments: result.deployments, successful: result.successful, failed: result.failed };
      if (machine) emit(cmd, cmd.opts().quiet ? result.deployments.filter((d) => d.id) : data, () => {});
      if (result.firstFailure !== undefined) throw new CliError('', result.firstFailure);
      if (opts.wait && s) {
        const ids = result.deployments.flatMap((d) => (d.id ? [d.id] : []));
        if (ids.length) await waitAndReport(s, ids, { timeoutMs: opts.timeout ?? DEFAULT_WAIT_MS });
      }
    });
}
