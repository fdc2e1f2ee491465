// Reading a stored deployment spec back: a row the server cannot handle (unparseable JSON, a shape
// or size no accepted request could have, e.g. replicas 1e21 written by an older version or by hand)
// must not crash the process or the reconciler. Such a row decodes to a safe, inert spec (no
// replicas, nothing to mount or probe) with the reason, and the store marks the deployment `error`.
import type { DeploymentSpec, Violation } from './deployment.js';
import { validateDeployment } from './validate-deployment.js';

/** Violations that mean "cannot be handled" (types, sizes, unknown fields), not rules a newer version merely added. */
const UNLOADABLE_CODE = /(\.invalid|\.too_large|\.too_many|\.length|unknown_field|\.unsupported)$/;

export interface DecodedSpec { spec: DeploymentSpec; problem: string | null }

/** The spec of a stored row, or an inert stand-in with the reason it cannot be loaded. */
export function decodeStoredSpec(text: string, row: { name: string; namespace: string; runtime: string; kind: string; image: string }): DecodedSpec {
  const inert = (problem: string): DecodedSpec => ({
    problem,
    spec: {
      name: row.name, namespace: row.namespace, runtime: row.runtime as DeploymentSpec['runtime'], kind: row.kind as DeploymentSpec['kind'],
      image: row.image, replicas: 0, command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
    },
  });
  if (text.length > 8 * 1024 * 1024) return inert(`the stored spec is ${text.length} bytes, more than any request can carry`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return inert(`the stored spec is not valid JSON (${(e as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return inert('the stored spec is not a JSON object');
  let violations: Violation[];
  try {
    violations = validateDeployment(parsed as DeploymentSpec).filter((x) => UNLOADABLE_CODE.test(x.code));
  } catch (e) {
    return inert(`the stored spec cannot be checked (${(e as Error).message})`);
  }
  if (violations.length) {
    return inert(violations.slice(0, 5).map((x) => `${x.property_path}: ${x.message}`).join('; '));
  }
  return { spec: parsed as DeploymentSpec, problem: null };
}
