// `ring apply -f ring.yaml`: namespaces → configs → deployments, one request each (RING.md §4, §11.4).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import { envFileUnreadableWarning, parseEnvFile, parseManifest } from '../../domain/manifest.js';
import { applyManifest } from '../../client/apply-manifest.js';
import { CliError, EXIT, NO_ACCOUNT } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { openSession, tokenFor, resolveConfig } from '../../client/session.js';
import { err, out } from '../output.js';

interface ApplyOptions {
  file: string;
  envFile?: string;
  dryRun?: boolean;
  force?: boolean;
  verbose?: boolean;
}

function readManifest(file: string): string {
  try {
    return file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
    throw new CliError(`Error: cannot read manifest '${file}': ${why}`, EXIT.GENERAL);
  }
}

export function registerApply(program: Command): void {
  program
    .command('apply')
    .description('create or update the namespaces, configs and deployments of a manifest')
    .option('-f, --file <file>', 'manifest (YAML or JSON; - for stdin)', 'ring.yaml')
    .option('-e, --env-file <file>', 'KEY=VALUE file for $VAR interpolation (after the process environment)')
    .option('-d, --dry-run', 'show what would be applied without sending anything')
    .option('--force', 'replace running deployments immediately (no rolling update)')
    .option('--verbose', 'print each request body')
    .action(async (opts: ApplyOptions, cmd: Command) => {
      const g = globalsOf(cmd);
      const config = resolveConfig(g);
      if (!opts.dryRun && !tokenFor(config.current.name)) throw new CliError(NO_ACCOUNT, EXIT.AUTH);

      const text = readManifest(opts.file);
      let envFile: Record<string, string> = {};
      if (opts.envFile) {
        try {
          const parsed = parseEnvFile(readFileSync(opts.envFile, 'utf8'), opts.envFile);
          for (const w of parsed.warnings) err(w);
          envFile = parsed.vars;
        } catch (e) {
          err(envFileUnreadableWarning(opts.envFile, e));
        }
      }
      const manifest = parseManifest(text, {
        manifestDir: opts.file === '-' ? process.cwd() : dirname(resolve(opts.file)),
        readFile: (p) => readFileSync(p, 'utf8'),
        env: process.env,
        envFile,
      });
      if (manifest.errors.length > 0) {
        throw new CliError(manifest.errors.map((e) => `Error: ${e}`).join('\n'), EXIT.GENERAL);
      }

      const s = opts.dryRun ? undefined : openSession(g);
      const { successful, failed, firstFailure } = await applyManifest(s, manifest, { force: opts.force, verbose: opts.verbose });

      out();
      out('Summary:');
      out(`  Successful: ${successful}`);
      if (failed > 0) out(`  Failed: ${failed}`);
      if (opts.dryRun) {
        out();
        out('DRY RUN COMPLETE — nothing was sent to the server.');
      }
      if (firstFailure !== undefined) throw new CliError('', firstFailure);
    });
}
