// Semantic validation of a POST /deployments body (RING.md §3.4 "Validation" table), plus the
// checks Ring lacks (§14): name, namespace, image, replicas, health-check fields, unknown fields and
// the size limits of src/domain/limits.ts. The rules live one section per function in
// validate-deployment-sections.ts and validate-health-checks.ts; this module composes them and
// holds the defaults and problem-detail helpers. Pure: no I/O. Every violation is accumulated; the
// order is stable (see validateDeployment).
import type { DeploymentSpec, Violation } from './deployment.js';
import {
  autoscaleViolations, bodyOf, cloudHypervisorViolations, commandViolations, configViolations, environmentViolations,
  identityViolations, jobViolations, labelsViolations, namespaceViolations, networkViolations, portsViolations,
  replicaSharingViolations, resourcesViolations, runtimeViolations, topLevelViolations, volumesViolations,
} from './validate-deployment-sections.js';
import { healthChecksViolations } from './validate-health-checks.js';

export {
  ENV_KEY_RE, NAMESPACE_RE, NAMESPACE_MIN_LENGTH, NAMESPACE_MAX_LENGTH, DEPLOYMENT_NAME_RE, DEPLOYMENT_NAME_MAX_LENGTH,
  IMAGE_PULL_POLICIES, DEFAULT_IMAGE_PULL_POLICY, ON_FAILURE_ACTIONS, HEALTH_CHECK_TYPES, VOLUME_TYPES, VOLUME_DRIVERS,
  VOLUME_PERMISSIONS, PORT_PROTOCOLS, NETWORK_MODES, HOST_NETWORK_RUNTIMES,
} from './deployment-vocabulary.js';
export { namespaceViolations } from './validate-deployment-sections.js';

/** POST /namespaces: `validateNamespaceName(name, 'namespace')` → codes `namespace.name.length` / `namespace.name.format` at path `name`. */
export function validateNamespaceName(name: string, prefix: string): Violation[] {
  return namespaceViolations(name, 'name', `${prefix}.name`);
}

// ---------------------------------------------------------------------------------------------
// Problem details

/** The `detail` string of a validation problem: one `<path>: <message>` line per violation. */
export function toProblemDetail(violations: readonly Violation[]): string {
  return violations.map((x) => `${x.property_path}: ${x.message}`).join('\n');
}

export interface ProblemDetails {
  type: string;
  title: string;
  status: number;
  detail: string;
  violations: Violation[];
}

/** The full 422 `application/problem+json` body (§3.1) for a list of violations. */
export function validationProblem(violations: readonly Violation[]): ProblemDetails {
  return {
    type: 'about:blank',
    title: 'Validation failed',
    status: 422,
    detail: toProblemDetail(violations),
    violations: violations.map((x) => ({ ...x })),
  };
}

// ---------------------------------------------------------------------------------------------
// Defaults

/** What a client may send: the four required fields plus any of the rest (null counts as absent). */
export type DeploymentInput =
  Pick<DeploymentSpec, 'name' | 'namespace' | 'runtime' | 'image'>
  & { [K in Exclude<keyof DeploymentSpec, 'name' | 'namespace' | 'runtime' | 'image'>]?: DeploymentSpec[K] | null };

/**
 * Fills the API defaults of §3.4 at the top level only: kind `worker`, replicas 1, command [],
 * environment {}, labels {}, ports [], volumes [], config {}, health_checks []. Optional blocks
 * (resources, network, autoscale) sent as null are dropped.
 *
 * Decision: the stored body stays faithful to what the client sent below the top level —
 * `config.image_pull_policy`, `ports[i].protocol` and `ports[i].host_ip` are NOT written in;
 * the instance spec (src/reconciler/instance-spec.ts) applies those defaults where it reads them.
 * Volume `driver`/`permission` are required by the API and are not defaulted here (the CLI
 * fills them, §4.4). Unknown extra keys are dropped. The input is not mutated.
 */
export function applyDeploymentDefaults(body: DeploymentInput): DeploymentSpec {
  const spec: DeploymentSpec = {
    name: body.name,
    namespace: body.namespace,
    runtime: body.runtime,
    kind: body.kind ?? 'worker',
    image: body.image,
    replicas: body.replicas ?? 1,
    command: body.command ?? [],
    environment: body.environment ?? {},
    labels: body.labels ?? {},
    ports: body.ports ?? [],
    volumes: body.volumes ?? [],
    config: body.config ?? {},
    health_checks: body.health_checks ?? [],
  };
  if (body.resources != null) spec.resources = body.resources;
  if (body.network != null) spec.network = body.network;
  if (body.autoscale != null) spec.autoscale = body.autoscale;
  return spec;
}

// ---------------------------------------------------------------------------------------------
// Deployment validation

/**
 * All violations of a deployment body, one section at a time, in this order:
 *  1. fields outside the manifest's vocabulary (top level; each section reports its own);
 *  2. beyond Ring: `name` (length, format), `namespace` (length, format), `image` (required, length),
 *     `replicas` (integer 0…LIMITS.deployment.replicas), `kind` (worker|job);
 *  3. the §3.4 Validation table, row by row (volume rules per volume, port rules per port);
 *  4. beyond Ring: labels, command, health-check fields, per check.
 * The body is treated as untrusted JSON: wrong types produce violations, never exceptions.
 */
export function validateDeployment(body: DeploymentSpec): Violation[] {
  const b = bodyOf(body);
  return [
    ...topLevelViolations(b),
    ...identityViolations(b),
    ...runtimeViolations(b),
    ...volumesViolations(b),
    ...cloudHypervisorViolations(b),
    ...networkViolations(b),
    ...portsViolations(b),
    ...environmentViolations(b),
    ...resourcesViolations(b),
    ...autoscaleViolations(b),
    ...configViolations(b),
    ...replicaSharingViolations(b),
    ...jobViolations(b),
    ...labelsViolations(b),
    ...commandViolations(b),
    ...healthChecksViolations(b.healthChecks),
  ];
}
