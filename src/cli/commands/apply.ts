// `ring apply -f ring.yaml`: namespaces → configs → deployments, one request each (RING.md §4, §11.4).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command } from 'commander';
import type { components } from '../../client/index.js';
import { envFileUnreadableWarning, parseEnvFile, parseManifest, type ConfigDef } from '../../domain/manifest.js';
import { CliError, EXIT, NO_ACCOUNT, exitCodeForStatus, formatHttpFailure } from '../errors.js';
import { globalsOf } from '../kit.js';
import { failureOf, openSession, send, tokenFor, resolveConfig, type Session } from '../context.js';
import { err, out } from '../output.js';

type DeploymentInput = components['schemas']['DeploymentInput'];

interface ApplyOptions {
  file: string;
  envFile?: string;
  dryRun?: boolean;
  force?: boolean;
  verbose?: boolean;
}

/**
 * POST, and on 409 look the config up and PUT it: a re-applied manifest updates its configs
 * (RING §4.5, §15 prints `already exists` and then updates). Returns an exit code on failure.
 */
async function applyConfig(s: Session, c: ConfigDef): Promise<number | undefined> {
  const body = { namespace: c.namespace, name: c.name, data: c.data, ...(c.labels !== undefined ? { labels: c.labels } : {}) };
  const created = await send(s, s.client.POST('/configs', { body }));
  if (created.response.ok) {
    out(`Config '${c.name}' created in namespace '${c.namespace}'`);
    return undefined;
  }
  if (created.response.status !== 409) {
    const f = failureOf(created);
    err(formatHttpFailure(`Failed to create config '${c.name}'`, f));
    return exitCodeForStatus(f.status);
  }
  out(`Config '${c.name}' already exists`);
  const found = await send(s, s.client.GET('/configs', { params: { query: { namespace: c.namespace, name: c.name } } }));
  const existing = found.data?.find((x) => x.namespace === c.namespace && x.name === c.name);
  if (!found.response.ok) {
    const f = failureOf(found);
    err(formatHttpFailure(`Failed to update config '${c.name}'`, f));
    return exitCodeForStatus(f.status);
  }
  if (!existing) {
    // Deleted between the 409 and the lookup.
    err(`Failed to update config '${c.name}': it disappeared from namespace '${c.namespace}' while being applied`);
    return EXIT.NOT_FOUND;
  }
  const updated = await send(s, s.client.PUT('/configs/{id}', {
    params: { path: { id: existing.id } },
    body: { name: c.name, data: c.data, ...(c.labels !== undefined ? { labels: c.labels } : {}) },
  }));
  if (!updated.response.ok) {
    const f = failureOf(updated);
    err(formatHttpFailure(`Failed to update config '${c.name}'`, f));
    return exitCodeForStatus(f.status);
  }
  out(`Config '${c.name}' updated in namespace '${c.namespace}'`);
  return undefined;
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
      let successful = 0;
      let failed = 0;
      let firstFailure: number | undefined;
      const fail = (code: number) => {
        failed++;
        firstFailure ??= code;
      };

      for (const ns of manifest.namespaces) {
        if (!s) {
          out(`Namespace '${ns.name}' would be created (dry run)`);
          continue;
        }
        const r = await send(s, s.client.POST('/namespaces', { body: { name: ns.name } }));
        if (r.response.ok) out(`Namespace '${ns.name}' created`);
        else if (r.response.status === 409) out(`Namespace '${ns.name}' already exists, skipping`);
        else {
          const f = failureOf(r);
          err(formatHttpFailure(`Failed to create namespace '${ns.name}'`, f));
          fail(exitCodeForStatus(f.status));
        }
      }

      for (const c of manifest.configs) {
        if (!s) {
          out(`Config '${c.name}' would be created or updated in namespace '${c.namespace}' (dry run)`);
          continue;
        }
        const code = await applyConfig(s, c);
        if (code !== undefined) fail(code);
      }

      for (const d of manifest.deployments) {
        out(`Processing deployment '${d.key}'`);
        if (d.error) {
          err(`Unable to apply deployment '${d.key}': ${d.error}`);
          fail(EXIT.GENERAL);
          continue;
        }
        const body = d.spec as unknown as DeploymentInput;
        if (opts.verbose) out(JSON.stringify(body, null, 2));
        if (!s) {
          out(`Deployment '${body.name}' would be created in namespace '${body.namespace}' (dry run)`);
          successful++;
          continue;
        }
        const r = await send(s, s.client.POST('/deployments', {
          params: { query: opts.force ? { force: true } : {} },
          body,
        }));
        if (r.response.ok && r.data) {
          out(`Deployment '${r.data.name}' created${opts.verbose ? ` (id: ${r.data.id}, namespace: ${r.data.namespace})` : ''}`);
          successful++;
        } else {
          const f = failureOf(r);
          err(formatHttpFailure(`Unable to apply deployment '${body.name}'`, f));
          fail(exitCodeForStatus(f.status));
        }
      }

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
