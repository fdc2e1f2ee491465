// Validation of the namespaced objects deployments refer to by name: secrets, configs, volumes
// (RING.md §3.5). Every rule is checked independently so one request reports every violation,
// with the codes Ring's clients match on (`secret.name.format`, `config.data.length`, …).
import type { Violation } from './deployment.js';
import { parseMemory } from './quantities.js';
import { namespaceViolations } from './validate-deployment.js';

export const SECRET_NAME_RE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const CONFIG_NAME_RE = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
export const VOLUME_NAME_RE = /^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?$/;
export const MAX_VALUE_BYTES = 1024 * 1024;
export const MAX_CONFIG_LABELS_LENGTH = 1000;
export const VOLUME_BACKENDS = ['local', 'directory'] as const;

function v(property_path: string, message: string, code: string): Violation {
  return { property_path, message, code };
}

function lengthViolation(value: string, min: number, max: number, path: string, code: string): Violation[] {
  return value.length < min || value.length > max
    ? [v(path, `must be ${min} to ${max} characters long`, code)]
    : [];
}

/** Size limits are on the UTF-8 bytes, since that is what is stored and mounted. */
function bytesViolation(value: string, path: string, code: string): Violation[] {
  const n = Buffer.byteLength(value, 'utf8');
  return n < 1 || n > MAX_VALUE_BYTES ? [v(path, `must be 1 to ${MAX_VALUE_BYTES} bytes (1 MiB), got ${n}`, code)] : [];
}

export interface SecretInput { namespace: string; name: string; value: string }

export function validateSecret(body: SecretInput): Violation[] {
  return [
    ...namespaceViolations(body.namespace, 'namespace', 'secret.namespace'),
    ...lengthViolation(body.name, 2, 253, 'name', 'secret.name.length'),
    ...(SECRET_NAME_RE.test(body.name)
      ? []
      : [v('name', 'must contain only letters, digits, \'_\', \'.\' and \'-\', and start and end with an alphanumeric character', 'secret.name.format')]),
    ...bytesViolation(body.value, 'value', 'secret.value.length'),
  ];
}

export interface ConfigInput { namespace?: string; name: string; data: string; labels?: string | null }

/** POST /configs and (without `namespace`, with `requireJson`) PUT /configs/{id}. */
export function validateConfig(body: ConfigInput, opts: { requireJson: boolean }): Violation[] {
  const out: Violation[] = [];
  if (body.namespace !== undefined) out.push(...namespaceViolations(body.namespace, 'namespace', 'config.namespace'));
  out.push(...lengthViolation(body.name, 1, 253, 'name', 'config.name.length'));
  if (!CONFIG_NAME_RE.test(body.name)) {
    out.push(v('name', 'must contain only lowercase letters, digits, \'.\' and \'-\', and start and end with an alphanumeric character', 'config.name.format'));
  }
  out.push(...bytesViolation(body.data, 'data', 'config.data.length'));
  if (opts.requireJson && body.data !== '' && parseConfigData(body.data) === null) {
    out.push(v('data', 'must be a JSON object of keys to file contents', 'config.data.invalid_json'));
  }
  const labels = body.labels ?? '';
  if (labels.length > MAX_CONFIG_LABELS_LENGTH) {
    out.push(v('labels', `must be at most ${MAX_CONFIG_LABELS_LENGTH} characters`, 'config.labels.length'));
  }
  return out;
}

/**
 * A config's `data` as the files it provides: each key of the JSON object becomes one file, a
 * string value verbatim, anything else as its JSON text. null when `data` is not a JSON object.
 */
export function parseConfigData(data: string): Record<string, string> | null {
  let doc: unknown;
  try {
    doc = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return null;
  return Object.fromEntries(Object.entries(doc).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));
}

export interface VolumeInput {
  namespace: string;
  name: string;
  size?: string | null;
  backend_type?: string | null;
  labels?: Record<string, string> | null;
}

export function validateVolume(body: VolumeInput): Violation[] {
  const out: Violation[] = [
    ...namespaceViolations(body.namespace, 'namespace', 'volume.namespace'),
    ...lengthViolation(body.name, 2, 253, 'name', 'volume.name.length'),
  ];
  if (!VOLUME_NAME_RE.test(body.name)) {
    out.push(v('name', 'must contain only lowercase letters, digits, \'_\', \'.\' and \'-\', and start and end with an alphanumeric character', 'volume.name.format'));
  }
  if (body.backend_type != null && !(VOLUME_BACKENDS as readonly string[]).includes(body.backend_type)) {
    out.push(v('backend_type', `backend_type '${body.backend_type}' is not supported (supported: ${VOLUME_BACKENDS.join(', ')})`, 'volume.backend_type.unsupported'));
  }
  if (body.size != null && parseMemory(body.size) === null) {
    out.push(v('size', `size '${body.size}' is not a quantity like 512Mi or 10Gi`, 'volume.size.invalid'));
  }
  return out;
}
