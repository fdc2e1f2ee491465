// `ring apply` manifests (RING.md §4): YAML or JSON text → namespaces, configs and deployment
// bodies ready for the API, with client-side $VAR / ${VAR} interpolation (§4.3, §15).
// Pure: the only file access goes through the `readFile` callback supplied by the caller.
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type {
  DeploymentConfig, DeploymentSpec, EnvValue, HealthCheckSpec, PortSpec, ResourceSpec, VolumeSpec,
} from './deployment.js';
import { RUNTIMES, type Kind, type RuntimeName } from './status.js';

// ---------------------------------------------------------------------------------------------
// Types

/** One entry of the `configs:` block, resolved into what POST /configs takes. */
export interface ConfigDef {
  /** The manifest key (used only in messages). */
  key: string;
  namespace: string;
  name: string;
  /** One JSON string: inline `data` merged with `files` (§4.5). */
  data: string;
  labels?: string;
}

/** One entry of the `deployments:` block. */
export interface ManifestDeployment {
  /** The manifest key (used only in messages: `Processing deployment '<key>'`). */
  key: string;
  /** The body for POST /deployments, CLI defaults filled in. Best effort when `error` is set. */
  spec: DeploymentSpec;
  /**
   * Set when the CLI must not send this deployment (blank name or image, unsupported runtime,
   * malformed field): print it, count the deployment as failed, carry on with the next one.
   */
  error?: string;
}

export interface ParsedManifest {
  namespaces: { name: string }[];
  configs: ConfigDef[];
  deployments: ManifestDeployment[];
  /** Fatal problems (unparseable text, no `deployments`, a bad `configs:` entry): apply nothing. */
  errors: string[];
}

export interface ParseManifestOptions {
  /** Directory of the manifest file; `configs.<k>.files` paths are relative to it. Default: cwd. */
  manifestDir?: string;
  /** Reads a config file (absolute path) as UTF-8 text; throws on failure. Required only if a config uses `files`. */
  readFile?: (absolutePath: string) => string;
  /** Process environment, looked up first. Default: `process.env`. */
  env?: Record<string, string | undefined>;
  /** Variables from `--env-file` (see parseEnvFile), looked up second. */
  envFile?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Interpolation

/** Looks a variable up; undefined = unresolved. */
export type VarLookup = (name: string) => string | undefined;

/** Process env first, then the env-file map (§4.3). An empty value counts as resolved. */
export function makeLookup(env: Record<string, string | undefined> = {}, envFile: Record<string, string> = {}): VarLookup {
  return (name) => {
    if (Object.prototype.hasOwnProperty.call(env, name) && env[name] !== undefined) return env[name];
    if (Object.prototype.hasOwnProperty.call(envFile, name)) return envFile[name];
    return undefined;
  };
}

// `${NAME}` or `$NAME`, NAME = [a-zA-Z][0-9a-zA-Z_]* (greedy). No defaults (`${A:-b}`), no escapes.
const VAR_RE = /\$(?:\{([a-zA-Z][0-9a-zA-Z_]*)\}|([a-zA-Z][0-9a-zA-Z_]*))/g;

/** Replaces `$VAR` and `${VAR}` with their values; unresolved references stay literally as written. */
export function interpolate(text: string, lookup: VarLookup): string {
  return text.replace(VAR_RE, (whole: string, braced: string | undefined, bare: string | undefined) => {
    const value = lookup((braced ?? bare)!);
    return value === undefined ? whole : value;
  });
}

// ---------------------------------------------------------------------------------------------
// --env-file

const ENV_FILE_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * `KEY=VALUE` lines (§4.3). Blank lines and lines starting with `#` are skipped; an optional
 * leading `export ` is allowed; key and value are trimmed; one pair of matching outer quotes
 * (`"…"` or `'…'`) is stripped from the value. Anything else (no `=`, empty or invalid key) gives
 * `Warning: Invalid env line <n> in '<file>': <line>` (n is 1-based). Later keys win.
 */
export function parseEnvFile(text: string, fileName: string): { vars: Record<string, string>; warnings: string[] } {
  const vars: Record<string, string> = {};
  const warnings: string[] = [];
  text.split(/\r?\n/).forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.startsWith('export ') ? line.slice('export '.length).trimStart() : line;
    const eq = body.indexOf('=');
    const key = eq < 0 ? '' : body.slice(0, eq).trim();
    if (eq < 0 || !ENV_FILE_KEY_RE.test(key)) {
      warnings.push(`Warning: Invalid env line ${i + 1} in '${fileName}': ${line}`);
      return;
    }
    let value = body.slice(eq + 1).trim();
    if (value.length >= 2 && (value[0] === '"' || value[0] === "'") && value[value.length - 1] === value[0]) {
      value = value.slice(1, -1);
    }
    vars[key] = value;
  });
  return { vars, warnings };
}

/** The warning the CLI prints when the env file cannot be read (§4.3); apply goes on without it. */
export function envFileUnreadableWarning(fileName: string, err: unknown): string {
  return `Warning: Could not read env file '${fileName}': ${errorText(err)}`;
}

// ---------------------------------------------------------------------------------------------
// Manifest

/**
 * Parses a manifest. Top level: `namespaces` (key → {name}), `configs` (key → def), `deployments`
 * (required, key → deployment). Unknown keys are ignored at every level. See ParsedManifest for
 * how errors are reported.
 */
export function parseManifest(text: string, options: ParseManifestOptions = {}): ParsedManifest {
  const result: ParsedManifest = { namespaces: [], configs: [], deployments: [], errors: [] };
  const lookup = makeLookup(options.env ?? process.env, options.envFile ?? {});

  let doc: unknown;
  try {
    doc = parseYaml(text, { merge: true, prettyErrors: false });
  } catch (err) {
    result.errors.push(`invalid manifest: ${errorText(err)}`);
    return result;
  }
  if (!isMap(doc)) {
    result.errors.push('invalid manifest: expected a mapping with a \'deployments\' section');
    return result;
  }

  // namespaces
  if (doc.namespaces != null) {
    if (!isMap(doc.namespaces)) {
      result.errors.push('invalid manifest: \'namespaces\' must be a mapping of keys to {name}');
    } else {
      for (const [key, def] of Object.entries(doc.namespaces)) {
        if (def != null && !isMap(def)) {
          result.errors.push(`namespace '${key}': must be a mapping with a 'name'`);
          continue;
        }
        const name = def == null || def.name == null ? key : scalarText(def.name);
        result.namespaces.push({ name });
      }
    }
  }

  // configs
  if (doc.configs != null) {
    if (!isMap(doc.configs)) {
      result.errors.push('invalid manifest: \'configs\' must be a mapping of keys to config definitions');
    } else {
      for (const [key, def] of Object.entries(doc.configs)) {
        const r = parseConfigDef(key, def, lookup, options);
        if (typeof r === 'string') result.errors.push(r);
        else result.configs.push(r);
      }
    }
  }

  // deployments
  if (doc.deployments == null) {
    result.errors.push('invalid manifest: missing required \'deployments\' section');
  } else if (!isMap(doc.deployments)) {
    result.errors.push('invalid manifest: \'deployments\' must be a mapping of keys to deployments');
  } else {
    for (const [key, def] of Object.entries(doc.deployments)) {
      result.deployments.push(parseDeployment(key, def, lookup));
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// configs: block (§4.5)

function parseConfigDef(key: string, def: unknown, lookup: VarLookup, options: ParseManifestOptions): ConfigDef | string {
  const prefix = `config '${key}':`;
  if (!isMap(def)) return `${prefix} must be a mapping`;
  if (def.name == null || scalarText(def.name).trim() === '') return `${prefix} 'name' must be set`;
  if (def.interpolate != null && typeof def.interpolate !== 'boolean') return `${prefix} 'interpolate' must be true or false`;
  if (def.files != null && !isMap(def.files)) return `${prefix} 'files' must be a mapping of keys to file paths`;

  const files = isMap(def.files) ? def.files : {};
  const hasFiles = Object.keys(files).length > 0;
  const hasData = def.data != null;
  if (!hasData && !hasFiles) return `${prefix} either 'data' or 'files' must be set`;

  // unset → inline data only; true → data and files; false → neither
  const interpolateData = def.interpolate !== false;
  const interpolateFiles = def.interpolate === true;
  const sub = (s: string) => (interpolateData ? interpolate(s, lookup) : s);

  let data: string;
  if (!hasFiles) {
    data = typeof def.data === 'string' ? sub(def.data) : JSON.stringify(interpolateLeaves(def.data, interpolateData ? lookup : null));
  } else {
    let merged: Record<string, unknown> = {};
    if (hasData) {
      let parsed: unknown = def.data;
      if (typeof def.data === 'string') {
        try { parsed = JSON.parse(sub(def.data)); } catch { parsed = undefined; }
      } else {
        parsed = interpolateLeaves(def.data, interpolateData ? lookup : null);
      }
      if (!isMap(parsed)) return `${prefix} 'data' must be a JSON object to merge with 'files'`;
      merged = { ...parsed };
    }
    for (const [fileKey, rawPath] of Object.entries(files)) {
      if (Object.prototype.hasOwnProperty.call(merged, fileKey)) {
        return `${prefix} key '${fileKey}' is defined in both 'data' and 'files'`;
      }
      const rel = rawPath == null ? '' : scalarText(rawPath);
      const full = path.resolve(options.manifestDir ?? '.', rel);
      let content: string;
      try {
        if (!options.readFile) throw new Error('no file reader available');
        if (rel === '') throw new Error('empty path');
        content = options.readFile(full);
      } catch (err) {
        return `${prefix} failed to read file '${full}' for key '${fileKey}': ${errorText(err)}`;
      }
      merged[fileKey] = interpolateFiles ? interpolate(content, lookup) : content;
    }
    data = JSON.stringify(merged);
  }

  const out: ConfigDef = {
    key,
    namespace: def.namespace == null ? '' : interpolate(scalarText(def.namespace), lookup),
    name: interpolate(scalarText(def.name), lookup),
    data,
  };
  if (def.labels != null) out.labels = typeof def.labels === 'string' ? def.labels : JSON.stringify(def.labels);
  return out;
}

/** Interpolates every string leaf of a YAML-given data object (null lookup = copy only). */
function interpolateLeaves(x: unknown, lookup: VarLookup | null): unknown {
  if (typeof x === 'string') return lookup ? interpolate(x, lookup) : x;
  if (Array.isArray(x)) return x.map((e) => interpolateLeaves(e, lookup));
  if (isMap(x)) return Object.fromEntries(Object.entries(x).map(([k, e]) => [k, interpolateLeaves(e, lookup)]));
  return x;
}

// ---------------------------------------------------------------------------------------------
// deployments: block (§4.2)

class FieldError extends Error {}

function parseDeployment(key: string, def: unknown, lookup: VarLookup): ManifestDeployment {
  const spec: DeploymentSpec = {
    name: '', namespace: '', runtime: 'docker', kind: 'worker', image: '', replicas: 1,
    command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
  };
  if (!isMap(def)) return { key, spec, error: `Deployment '${key}' must be a mapping` };

  const errors: string[] = [];
  const field = <T>(fn: () => T, fallback: T): T => {
    try { return fn(); } catch (err) {
      if (!(err instanceof FieldError)) throw err;
      errors.push(err.message);
      return fallback;
    }
  };

  spec.name = def.name == null ? '' : interpolate(scalarText(def.name), lookup);
  spec.namespace = def.namespace == null ? '' : interpolate(scalarText(def.namespace), lookup);
  spec.image = def.image == null ? '' : interpolate(scalarText(def.image), lookup);
  if (spec.name.trim() === '') errors.push('Deployment name cannot be empty');
  if (spec.image.trim() === '') errors.push('Deployment image cannot be empty');

  const runtime = def.runtime == null ? 'docker' : scalarText(def.runtime);
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    errors.push(`Runtime '${runtime}' not supported. Supported runtimes: ${RUNTIMES.join(', ')}.`);
  }
  spec.runtime = runtime as RuntimeName;
  // kind and replicas go to the server as written; it validates them (422 problem).
  spec.kind = (def.kind == null ? 'worker' : scalarText(def.kind)) as Kind;
  spec.replicas = def.replicas == null ? 1 : (numeric(def.replicas) as number);

  spec.command = field(() => parseCommand(def.command, lookup), []);
  spec.environment = field(() => parseEnvironment(def.environment, lookup), {});
  spec.labels = field(() => parseLabels(def.labels), {});
  spec.ports = field(() => parsePorts(def.ports), []);
  spec.volumes = field(() => parseVolumes(def.volumes), []);
  spec.config = field(() => parseConfig(def.config, lookup), {});
  spec.health_checks = field(() => listOfMaps(def.health_checks, 'health_checks') as unknown as HealthCheckSpec[], []);
  const resources = field(() => parseResources(def.resources), undefined);
  if (resources !== undefined) spec.resources = resources;
  if (def.network != null) {
    const network = field(() => mapOrThrow(def.network, 'network'), undefined);
    if (network !== undefined) spec.network = network as unknown as DeploymentSpec['network'];
  }
  if (def.autoscale != null) {
    const autoscale = field(() => mapOrThrow(def.autoscale, 'autoscale'), undefined);
    if (autoscale !== undefined) {
      spec.autoscale = Object.fromEntries(Object.entries(autoscale).map(([k, x]) => [k, numeric(x)])) as unknown as DeploymentSpec['autoscale'];
    }
  }

  const out: ManifestDeployment = { key, spec };
  if (errors.length > 0) out.error = errors[0];
  return out;
}

function parseCommand(x: unknown, lookup: VarLookup): string[] {
  if (x == null) return [];
  if (!Array.isArray(x)) throw new FieldError('command must be a list of strings');
  return x.map((arg) => {
    if (arg != null && typeof arg === 'object') throw new FieldError('command must be a list of strings');
    return interpolate(arg == null ? '' : scalarText(arg), lookup);
  });
}

function parseEnvironment(x: unknown, lookup: VarLookup): Record<string, EnvValue> {
  if (x == null) return {};
  if (!isMap(x)) throw new FieldError('environment must be a mapping of names to values');
  const out: Record<string, EnvValue> = {};
  for (const [k, value] of Object.entries(x)) {
    if (isMap(value)) {
      // {secretRef: name} is passed through untouched (never interpolated).
      out[k] = value as unknown as EnvValue;
    } else if (Array.isArray(value)) {
      throw new FieldError(`environment.${k} must be a string or {secretRef: <name>}`);
    } else {
      out[k] = interpolate(value == null ? '' : scalarText(value), lookup);
    }
  }
  return out;
}

/** A map, or a list of (single-key) maps merged in order; values become strings. */
function parseLabels(x: unknown): Record<string, string> {
  if (x == null) return {};
  const bad = () => new FieldError('labels must be a mapping or a list of single-key mappings');
  const entries: [string, unknown][] = [];
  if (isMap(x)) entries.push(...Object.entries(x));
  else if (Array.isArray(x)) {
    for (const item of x) {
      if (!isMap(item)) throw bad();
      entries.push(...Object.entries(item));
    }
  } else throw bad();
  const out: Record<string, string> = {};
  for (const [k, value] of entries) {
    if (value != null && typeof value === 'object') throw bad();
    out[k] = value == null ? '' : scalarText(value);
  }
  return out;
}

/** Ports as written (host_ip / protocol defaults are the server's business); numeric strings → numbers. */
function parsePorts(x: unknown): PortSpec[] {
  return listOfMaps(x, 'ports').map((p) => {
    const out: Record<string, unknown> = { ...p };
    if (p.published !== undefined) out.published = numeric(p.published);
    if (p.target !== undefined) out.target = numeric(p.target);
    return out as unknown as PortSpec;
  });
}

/** CLI volume defaults (§4.4): driver `local`, permission `rw`, forced `ro` for config/secret. */
function parseVolumes(x: unknown): VolumeSpec[] {
  return listOfMaps(x, 'volumes').map((vol) => {
    const out: Record<string, unknown> = { ...vol };
    if (out.driver == null) out.driver = 'local';
    if (out.permission == null) out.permission = 'rw';
    if (out.type === 'config' || out.type === 'secret') out.permission = 'ro';
    return out as unknown as VolumeSpec;
  });
}

const INTERPOLATED_CONFIG_FIELDS = ['image_pull_policy', 'server', 'username', 'password'] as const;

function parseConfig(x: unknown, lookup: VarLookup): DeploymentConfig {
  if (x == null) return {};
  const out: Record<string, unknown> = { ...mapOrThrow(x, 'config') };
  for (const k of INTERPOLATED_CONFIG_FIELDS) {
    const value = out[k];
    if (value != null && typeof value !== 'object') out[k] = interpolate(scalarText(value), lookup);
  }
  return out as DeploymentConfig;
}

/** Resource quantities may be written as YAML numbers (`cpu: 0.5`); they are sent as strings. */
function parseResources(x: unknown): ResourceSpec | undefined {
  if (x == null) return undefined;
  const out: Record<string, unknown> = { ...mapOrThrow(x, 'resources') };
  for (const block of ['limits', 'requests'] as const) {
    const value = out[block];
    if (value == null) continue;
    const copy: Record<string, unknown> = { ...mapOrThrow(value, `resources.${block}`) };
    for (const res of ['cpu', 'memory'] as const) {
      if (typeof copy[res] === 'number') copy[res] = String(copy[res]);
    }
    out[block] = copy;
  }
  return out as ResourceSpec;
}

// ---------------------------------------------------------------------------------------------
// helpers

function isMap(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && !(x instanceof Date);
}

function mapOrThrow(x: unknown, name: string): Record<string, unknown> {
  if (!isMap(x)) throw new FieldError(`${name} must be a mapping`);
  return x;
}

function listOfMaps(x: unknown, name: string): Record<string, unknown>[] {
  if (x == null) return [];
  if (!Array.isArray(x) || !x.every(isMap)) throw new FieldError(`${name} must be a list of mappings`);
  return x.map((e) => ({ ...e }));
}

/** A YAML scalar as text (numbers and booleans as written by String()). */
function scalarText(x: unknown): string {
  if (typeof x === 'string') return x;
  if (x instanceof Date) return x.toISOString();
  if (x != null && typeof x === 'object') return JSON.stringify(x);
  return String(x);
}

/** "8080" → 8080; anything else unchanged (the server validates). */
function numeric(x: unknown): unknown {
  if (typeof x === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(x)) return Number(x);
  return x;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
