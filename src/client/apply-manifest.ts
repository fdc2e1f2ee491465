// Sends a parsed manifest to the server: namespaces → configs → deployments, one request each
// (RING.md §4, §11.4). Shared by `ring apply`, `ring gitops` and CI scripts; it reports line by line
// through `io` and returns what happened, so each caller decides on summaries and exit codes.
import type { components, RingClient } from './index.js';
import { EXIT, exitCodeForStatus, failureOf, formatHttpFailure } from './errors.js';

type DeploymentInput = components['schemas']['DeploymentInput'];
export type AppliedOutcome = components['schemas']['ApplyOutcome'];
export type FieldChange = components['schemas']['FieldChange'];

/** The line `ring apply` prints for one applied deployment. */
export function outcomeLine(name: string, outcome: AppliedOutcome, opts: { dryRun?: boolean; from?: unknown; to?: unknown } = {}): string {
  if (opts.dryRun) {
    const what = { created: 'created', unchanged: 'unchanged', scaled: 'scaled in place', rolling: 'rolled (rolling update)', replaced: 'replaced' }[outcome];
    return `Deployment '${name}' would be ${what} (dry run)`;
  }
  switch (outcome) {
    case 'created': return `Deployment '${name}' created`;
    case 'unchanged': return `Deployment '${name}' unchanged`;
    case 'scaled': return `Deployment '${name}' scaled from ${String(opts.from)} to ${String(opts.to)} replicas`;
    case 'rolling': return `Deployment '${name}' created (rolling update)`;
    case 'replaced': return `Deployment '${name}' created (replaced the previous one)`;
  }
}

/** What applying needs: the typed client and the URL its errors name. */
export interface ApplyTarget {
  client: RingClient;
  baseUrl: string;
}

export interface ApplyIo {
  out(line?: string): void;
  err(line?: string): void;
}

/** Reports on the process's stdout / stderr. */
export const stdio: ApplyIo = {
  out: (line = '') => process.stdout.write(`${line}\n`),
  err: (line = '') => process.stderr.write(`${line}\n`),
};

/** The parts of a manifest an apply sends (what parseManifest returns; a CI script may build it by hand). */
export interface ConfigDef {
  name: string;
  namespace: string;
  /** One JSON object as a string. */
  data: string;
  /** JSON object text, as the configs API takes it. */
  labels?: string;
}

export interface ManifestParts {
  namespaces: readonly { name: string }[];
  configs: readonly ConfigDef[];
  /** `spec` is the POST /deployments body (DeploymentInput); `error` set = report it, send nothing. */
  deployments: readonly { key: string; spec: DeploymentInput; error?: string }[];
}

export interface ApplyManifestOptions {
  /** Replace running deployments immediately (no rolling update), even unchanged ones: an explicit redeploy. */
  force?: boolean;
  /**
   * Server-side dry run: each deployment is validated and planned by the server (`?dry_run=true`), which
   * writes nothing; namespaces and configs are not sent.
   */
  dryRunServer?: boolean;
  /** Print each deployment body before it is sent. */
  verbose?: boolean;
}

export interface DeploymentOutcome {
  key: string;
  name: string;
  namespace: string;
  /** The id of the deployment the apply left serving (new or kept); undefined when it failed or in a client dry run. */
  id?: string;
  /** What the server did (or, in a server dry run, would do). */
  outcome?: AppliedOutcome;
  /** Fields that differ from the deployment already serving that name. */
  changes?: FieldChange[];
  /** Ids the apply replaced or superseded. */
  replacedIds?: string[];
  /** Exit code this failure maps to; undefined on success. */
  failure?: number;
}

export interface ApplyResult {
  successful: number;
  failed: number;
  /** The exit code of the first failure, if any. */
  firstFailure?: number;
  deployments: DeploymentOutcome[];
}


/**
 * POST, and on 409 look the config up and PUT it: a re-applied manifest updates its configs
 * (RING §4.5, §15 prints `already exists` and then updates). Returns an exit code on failure.
 */
async function applyConfig(s: ApplyTarget, c: ConfigDef, io: ApplyIo): Promise<number | undefined> {
  const body = { namespace: c.namespace, name: c.name, data: c.data, ...(c.labels !== undefined ? { labels: c.labels } : {}) };
  const created = await s.client.POST('/configs', { body });
  if (created.response.ok) {
    io.out(`Config '${c.name}' created in namespace '${c.namespace}'`);
    return undefined;
  }
  if (created.response.status !== 409) {
    const f = failureOf(created);
    io.err(formatHttpFailure(`Failed to create config '${c.name}'`, f));
    return exitCodeForStatus(f.status);
  }
  io.out(`Config '${c.name}' already exists`);
  const found = await s.client.GET('/configs', { params: { query: { namespace: c.namespace, name: c.name } } });
  const existing = found.data?.find((x) => x.namespace === c.namespace && x.name === c.name);
  if (!found.response.ok) {
    const f = failureOf(found);
    io.err(formatHttpFailure(`Failed to update config '${c.name}'`, f));
    return exitCodeForStatus(f.status);
  }
  if (!existing) {
    // Deleted between the 409 and the lookup.
    io.err(`Failed to update config '${c.name}': it disappeared from namespace '${c.namespace}' while being applied`);
    return EXIT.NOT_FOUND;
  }
  const updated = await s.client.PUT('/configs/{id}', {
    params: { path: { id: existing.id } },
    body: { name: c.name, data: c.data, ...(c.labels !== undefined ? { labels: c.labels } : {}) },
  });
  if (!updated.response.ok) {
    const f = failureOf(updated);
    io.err(formatHttpFailure(`Failed to update config '${c.name}'`, f));
    return exitCodeForStatus(f.status);
  }
  io.out(`Config '${c.name}' updated in namespace '${c.namespace}'`);
  return undefined;
}

/**
 * Applies a manifest; `target` undefined = dry run (nothing is sent). A connection failure throws
 * (the client's CliError); every HTTP failure is reported and counted, and the rest still goes out.
 */
export async function applyManifest(
  target: ApplyTarget | undefined,
  manifest: ManifestParts,
  opts: ApplyManifestOptions = {},
  io: ApplyIo = stdio,
): Promise<ApplyResult> {
  const result: ApplyResult = { successful: 0, failed: 0, deployments: [] };
  const fail = (code: number) => {
    result.failed++;
    result.firstFailure ??= code;
  };

  const sendsOnlyDeployments = opts.dryRunServer === true;
  for (const ns of manifest.namespaces) {
    if (!target || sendsOnlyDeployments) {
      io.out(`Namespace '${ns.name}' would be created (dry run)`);
      continue;
    }
    const r = await target.client.POST('/namespaces', { body: { name: ns.name } });
    if (r.response.ok) io.out(`Namespace '${ns.name}' created`);
    else if (r.response.status === 409) io.out(`Namespace '${ns.name}' already exists, skipping`);
    else {
      const f = failureOf(r);
      io.err(formatHttpFailure(`Failed to create namespace '${ns.name}'`, f));
      fail(exitCodeForStatus(f.status));
    }
  }

  for (const c of manifest.configs) {
    if (!target || sendsOnlyDeployments) {
      io.out(`Config '${c.name}' would be created or updated in namespace '${c.namespace}' (dry run)`);
      continue;
    }
    const code = await applyConfig(target, c, io);
    if (code !== undefined) fail(code);
  }

  for (const d of manifest.deployments) {
    io.out(`Processing deployment '${d.key}'`);
    const outcome: DeploymentOutcome = { key: d.key, name: d.spec.name, namespace: d.spec.namespace };
    result.deployments.push(outcome);
    if (d.error) {
      io.err(`Unable to apply deployment '${d.key}': ${d.error}`);
      outcome.failure = EXIT.GENERAL;
      fail(EXIT.GENERAL);
      continue;
    }
    const body = d.spec as unknown as DeploymentInput;
    if (opts.verbose) io.out(JSON.stringify(body, null, 2));
    if (!target) {
      io.out(`Deployment '${body.name}' would be created in namespace '${body.namespace}' (dry run)`);
      result.successful++;
      continue;
    }
    const query: { force?: boolean; dry_run?: boolean } = {};
    if (opts.force) query.force = true;
    if (opts.dryRunServer) query.dry_run = true;
    const r = await target.client.POST('/deployments', { params: { query }, body });
    if (r.response.ok && r.data) {
      const a = r.data;
      const scaled = a.changes.find((c) => c.path === 'replicas');
      io.out(`${outcomeLine(a.name, a.outcome, { dryRun: opts.dryRunServer, from: scaled?.from, to: scaled?.to })}${opts.verbose && a.id ? ` (id: ${a.id}, namespace: ${a.namespace})` : ''}`);
      if (a.id) outcome.id = a.id;
      outcome.outcome = a.outcome;
      outcome.changes = a.changes;
      if (a.replaced_ids?.length) outcome.replacedIds = a.replaced_ids;
      result.successful++;
    } else {
      const f = failureOf(r);
      io.err(formatHttpFailure(`Unable to apply deployment '${body.name}'`, f));
      outcome.failure = exitCodeForStatus(f.status);
      fail(outcome.failure);
    }
  }
  return result;
}
