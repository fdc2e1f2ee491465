// `ring diff -f FILE [--exit-code]`: what `ring apply` would do, per deployment and field, decided by the
// server (a dry run: POST /deployments?dry_run=true writes nothing). Exit codes as `kubectl diff`.
import { Command } from 'commander';
import type { components } from '../../client/index.js';
import { CliError, EXIT, exitCodeForStatus, formatHttpFailure, NO_ACCOUNT } from '../../client/errors.js';
import { openSession, resolveConfig, tokenFor } from '../../client/session.js';
import { globalsOf, outputOption } from '../kit.js';
import { emit } from '../emit.js';
import { err, out, paint } from '../output.js';
import { loadManifest } from './apply.js';

type Applied = components['schemas']['AppliedDeployment'];
type FieldChange = components['schemas']['FieldChange'];

const show = (v: unknown) => (v === undefined ? '(unset)' : JSON.stringify(v));

/** `ring diff`'s text for one deployment: a header and `- old` / `+ new` per changed field. */
export function renderDiff(ns: string, name: string, a: Pick<Applied, 'outcome' | 'changes'>): string[] {
  const head = `${ns}/${name}`;
  switch (a.outcome) {
    case 'unchanged': return [`${head}: unchanged`];
    case 'created': return [paint(`${head}: created (new deployment)`, 'green')];
    default: {
      const how = a.outcome === 'scaled' ? 'scaled in place' : a.outcome === 'rolling' ? 'changed (rolling update)' : 'changed (replaced)';
      const lines = [paint(`${head}: ${how}`, 'yellow')];
      for (const c of a.changes as FieldChange[]) {
        lines.push(`  ${c.path}:`);
        lines.push(paint(`    - ${show(c.from)}`, 'red'));
        lines.push(paint(`    + ${show(c.to)}`, 'green'));
      }
      return lines;
    }
  }
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('show what `ring apply` would change, per deployment and field (the server plans, nothing is written)')
    .option('-f, --file <file>', 'manifest (YAML or JSON; - for stdin)', 'ring.yaml')
    .option('-e, --env-file <file>', 'KEY=VALUE file for $VAR interpolation')
    .option('--exit-code', 'exit 1 when something would change (0 when nothing would)')
    .addOption(outputOption())
    .addHelpText('after', '\nExit codes: 0 no change (or changes without --exit-code), 1 changes with --exit-code, >1 an error (2 auth/usage, 3 connection, …).')
    .action(async (opts: { file: string; envFile?: string; exitCode?: boolean }, cmd: Command) => {
      const g = globalsOf(cmd);
      const config = resolveConfig(g);
      if (!tokenFor(config.current.name)) throw new CliError(NO_ACCOUNT, EXIT.AUTH);
      let manifest;
      try {
        manifest = loadManifest(opts.file, opts.envFile);
      } catch (e) {
        // 1 means "changes" here: a manifest that cannot be read is an error, >1.
        if (e instanceof CliError && e.exitCode === EXIT.GENERAL) throw new CliError(e.message, EXIT.AUTH);
        throw e;
      }
      const s = openSession(g);
      const results: { key: string; namespace: string; name: string; outcome: Applied['outcome']; changes: FieldChange[] }[] = [];
      let failure: number | undefined;
      for (const d of manifest.deployments) {
        if (d.error) {
          err(`Unable to diff deployment '${d.key}': ${d.error}`);
          failure ??= EXIT.AUTH;
          continue;
        }
        const body = d.spec as unknown as components['schemas']['DeploymentInput'];
        const r = await s.client.POST('/deployments', { params: { query: { dry_run: true } }, body });
        if (!r.response.ok || !r.data) {
          err(formatHttpFailure(`Unable to diff deployment '${body.name}'`, r));
          // Never 1: that code means "there are changes".
          failure ??= Math.max(2, exitCodeForStatus(r.response.status));
          continue;
        }
        results.push({ key: d.key, namespace: body.namespace, name: body.name, outcome: r.data.outcome, changes: r.data.changes });
      }
      emit(cmd, results, () => {
        for (const x of results) for (const l of renderDiff(x.namespace, x.name, x)) out(l);
      });
      if (failure !== undefined) throw new CliError('', failure);
      const changed = results.some((x) => x.outcome !== 'unchanged');
      if (changed && opts.exitCode) throw new CliError('', 1);
    });
}
