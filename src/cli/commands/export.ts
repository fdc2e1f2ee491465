// `ring export kubernetes -f FILE | --from-server [-n NS]`: the same manifests as Kubernetes YAML,
// for when one host is not enough. Objects on stdout; lossy rules and `kubectl create secret` lines on
// stderr (secret values never leave the server); any untranslatable field exits 1 with nothing printed.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { DeploymentSpec } from '../../domain/deployment.js';
import { parseManifest } from '../../domain/manifest.js';
import { exportKubernetes, toYamlStream, type ExportInput } from '../../export/kubernetes/index.js';
import { CliError, EXIT, httpError } from '../../client/errors.js';
import { globalsOf } from '../kit.js';
import { openSession } from '../../client/session.js';
import { err, out } from '../output.js';

interface ExportOptions { file?: string; fromServer?: boolean; namespace?: string; rolloutDeadline?: number; volumeSize?: string }

function fromFile(file: string): ExportInput {
  let text: string;
  try {
    text = file === '-' ? readFileSync(0, 'utf8') : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`Error: cannot read manifest '${file}': ${(e as Error).message}`, EXIT.GENERAL);
  }
  const m = parseManifest(text, {
    manifestDir: file === '-' ? process.cwd() : dirname(resolve(file)),
    readFile: (p) => readFileSync(p, 'utf8'),
    env: process.env,
  });
  const problems = [...m.errors, ...m.deployments.flatMap((d) => (d.error ? [`deployment '${d.key}': ${d.error}`] : []))];
  if (problems.length > 0) throw new CliError(problems.map((e) => `Error: ${e}`).join('\n'), EXIT.GENERAL);
  return {
    namespaces: m.namespaces.map((n) => n.name),
    configs: m.configs.map((c) => ({ namespace: c.namespace, name: c.name, data: c.data })),
    deployments: m.deployments.map((d) => d.spec),
  };
}

type ServerDeployment = DeploymentSpec & { id: string; status: string; created_at: string };

async function fromServer(cmd: Command, namespace: string | undefined): Promise<ExportInput> {
  const s = openSession(globalsOf(cmd));
  const query = namespace ? { namespace: [namespace] } : {};
  const deps = await s.client.GET('/deployments', { params: { query } });
  if (!deps.response.ok || !deps.data) throw httpError('Failed to list deployments', deps);
  const configs = await s.client.GET('/configs', { params: { query: namespace ? { namespace } : {} } });
  if (!configs.response.ok || !configs.data) throw httpError('Failed to list configs', configs);
  // During a rolling update parent and child share a name: the newest non-deleted row is what was applied.
  const latest = new Map<string, ServerDeployment>();
  for (const d of deps.data as unknown as ServerDeployment[]) {
    if (d.status === 'deleted') continue;
    const key = `${d.namespace}/${d.name}`;
    const seen = latest.get(key);
    if (!seen || seen.created_at < d.created_at) latest.set(key, d);
  }
  // The wire shape omits empty members (health_checks, …): give the exporter the full spec.
  const specs = [...latest.values()].map((d): DeploymentSpec => ({
    ...d,
    command: d.command ?? [], environment: d.environment ?? {}, labels: d.labels ?? {}, ports: d.ports ?? [],
    volumes: d.volumes ?? [], config: d.config ?? {}, health_checks: d.health_checks ?? [],
  }));
  return {
    namespaces: [],
    configs: (configs.data as { namespace: string; name: string; data: string }[]).map((c) => ({ namespace: c.namespace, name: c.name, data: c.data })),
    deployments: specs,
  };
}

function positiveSeconds(raw: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of seconds ≥ 1.');
  return n;
}

export function registerExport(program: Command): void {
  const exp = program.command('export').description('translate ring manifests for another orchestrator');
  exp
    .command('kubernetes')
    .description('print Kubernetes YAML (Namespace, Deployment, Job, Service, ConfigMap, PVC, HPA) for a manifest or the server\'s deployments')
    .option('-f, --file <file>', 'manifest to translate (YAML or JSON; - for stdin)')
    .option('--from-server', 'translate the deployments stored on the server instead of a file')
    .option('-n, --namespace <ns>', 'with --from-server: only this namespace')
    .option('--rollout-deadline <seconds>', 'progressDeadlineSeconds (ring: RING_ROLLOUT_DEADLINE)', positiveSeconds, 600)
    .option('--volume-size <quantity>', 'storage each named volume\'s PersistentVolumeClaim requests', '1Gi')
    .action(async (opts: ExportOptions, cmd: Command) => {
      if (!opts.file === !opts.fromServer) throw new CliError('error: give exactly one of -f FILE or --from-server', EXIT.AUTH);
      const input = opts.fromServer ? await fromServer(cmd, opts.namespace) : fromFile(opts.file!);
      const result = exportKubernetes(input, { rolloutDeadlineSeconds: opts.rolloutDeadline, volumeSize: opts.volumeSize });
      if (result.errors.length > 0) {
        throw new CliError(result.errors.map((e) => `Error: ${e}`).join('\n'), EXIT.GENERAL);
      }
      for (const w of result.warnings) err(`Warning: ${w}`);
      for (const c of result.secretCommands) err(`Secret (create it before applying): ${c}`);
      process.stdout.write(toYamlStream(result.objects));
      if (result.objects.length === 0) out('# nothing to export');
    });
}
