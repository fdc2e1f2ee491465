// Sends a parsed manifest to the server: namespaces → configs → deployments, one request each
// (RING.md §4, §11.4). Shared by `ring apply`, `ring gitops` and CI scripts; it reports line by line
// through `io` and returns what happened, so each caller decides on summaries and exit codes.
import type { components, RingClient } from './index.js';
import { EXIT, exitCodeForStatus, failureOf, formatHttpFailure } from './errors.js';

type DeploymentInput = components['schemas']['DeploymentInput'];

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
  deployments: readonly { key: string; spec: { name: string; namespace: string }; error?: string }[];
}

export interface ApplyManifestOptions {
  /** Replace running deployments immediately (no rolling update). */
  force?: boolean;
  /** Print each deployment body before it is sent. */
  verbose?: boolean;
}

export interface DeploymentOutcome {
  key: string;
  name: string;
  namespace: string;
  /** The id of the created deployment; undefined when it failed or in a dry run. */
  id?: string;
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

  for (const ns of manifest.namespaces) {
    if (!target) {
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
    if (!target) {
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
    const r = await target.client.POST('/deployments', {
      params: { query: opts.force ? { force: true } : {} },
      body,
    });
    if (r.response.ok && r.data) {
      io.out(`Deployment '${r.data.name}' created${opts.verbose ? ` (id: ${r.data.id}, namespace: ${r.data.namespace})` : ''}`);
      outcome.id = r.data.id;
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
