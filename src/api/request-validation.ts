// Structural validation of params, query and bodies against the schemas of openapi.yaml (ajv, draft 2020-12).
// A body is first scanned on its raw bytes (depth, size: no recursive code ever meets a hostile
// nesting), then parsed, then checked by ajv. Wrong shapes are 400s; a body whose only faults are
// unknown fields or exceeded limits is a 422, like the domain rules the handlers check through src/domain.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { componentSchemas, type RouteDef } from '../../generated/routes.js';
import type { Violation } from '../domain/deployment.js';
import { MAX_JSON_DEPTH, MAX_JSON_NODES } from '../domain/limits.js';
import { Problem } from './problem.js';
import { applyDeploymentDefaults, validateDeployment, type DeploymentInput } from '../domain/validate-deployment.js';

const COMPONENTS_ID = 'components.json';

function rewriteRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (!node || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).map(([k, v]) =>
    [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? COMPONENTS_ID + v : rewriteRefs(v)]));
}

function makeAjv(coerce: boolean) {
  const ajv = new Ajv2020.default({ allErrors: true, strict: false, coerceTypes: coerce ? 'array' : false, useDefaults: coerce });
  addFormats.default(ajv);
  ajv.addSchema({ $id: COMPONENTS_ID, components: { schemas: rewriteRefs(componentSchemas) } });
  return ajv;
}

const bodyAjv = makeAjv(false);
const paramAjv = makeAjv(true);

export interface RouteValidators {
  params?: ValidateFunction;
  query?: ValidateFunction;
  body?: ValidateFunction;
}

/** Query parameters the operation does not declare are refused, not ignored: a typo never silently changes nothing. */
const NO_QUERY = { type: 'object', properties: {}, additionalProperties: false };

export function compileRoute(def: RouteDef): RouteValidators {
  return {
    params: def.params ? paramAjv.compile(rewriteRefs(def.params) as object) : undefined,
    query: paramAjv.compile(def.query ? { ...(rewriteRefs(def.query) as object), additionalProperties: false } : NO_QUERY),
    body: def.body ? bodyAjv.compile(rewriteRefs(def.body.schema) as object) : undefined,
  };
}

/** At most this many violations are listed in one problem (a 100,000-item array of wrong types would list them all). */
export const MAX_LISTED_VIOLATIONS = 100;

/** Keywords that mean "a limit or an unknown field" rather than "the wrong shape": those make a 422. */
const LIMIT_KEYWORDS = new Set(['additionalProperties', 'maxLength', 'maxItems', 'maxProperties', 'maximum', 'exclusiveMaximum', 'propertyNames']);

/** Ajv errors as our violation shape, paths written like `ports[0].published`. */
export function toViolations(where: 'body' | 'query' | 'path', errors: ErrorObject[] | null | undefined): Violation[] {
  // propertyNames reports the offending key in a nested error; the outer one only says "invalid".
  const list = (errors ?? []).filter((e) => !(e.keyword === 'propertyNames' && e.params && 'propertyName' in e.params));
  const out = list.slice(0, MAX_LISTED_VIOLATIONS).map((e) => {
    let path = e.instancePath.split('/').slice(1)
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`)).join('');
    if (e.keyword === 'required') path += `.${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') path += `.${(e.params as { additionalProperty: string }).additionalProperty}`;
    const name = (e as { propertyName?: string }).propertyName;
    if (name !== undefined) path += `.${name}`;
    path = path.replace(/^\./, '');
    if (e.keyword === 'additionalProperties') {
      const field = (e.params as { additionalProperty: string }).additionalProperty;
      return where === 'query'
        ? { property_path: path || where, message: `unknown query parameter '${clip(field)}' (not declared by this operation)`, code: 'request.query.unknown_parameter' }
        : { property_path: path || where, message: `unknown field '${clip(field)}' (not in the API schema)`, code: `request.${where}.unknown_field` };
    }
    const message = name !== undefined ? `key '${clip(name)}' ${e.message ?? 'is invalid'}` : e.message ?? 'is invalid';
    return { property_path: path || where, message, code: `request.${where}.${e.keyword}` };
  });
  if (list.length > out.length) {
    out.push({ property_path: where, message: `${list.length - out.length} more violations not listed`, code: `request.${where}.truncated` });
  }
  return out;
}

function clip(s: string): string {
  return s.length > 64 ? `${s.slice(0, 61)}…` : s;
}

/** Whether every schema error is an unknown field or an exceeded limit (a 422), not a wrong shape (a 400). */
export function onlyLimitErrors(errors: ErrorObject[] | null | undefined): boolean {
  return !!errors?.length && errors.every((e) => LIMIT_KEYWORDS.has(e.keyword));
}

/**
 * Checks nesting depth and value count on the raw bytes, before JSON.parse or any recursive code
 * (ajv, JSON.stringify, the domain) sees the body. Strings are skipped, so brackets inside them
 * do not count. Throws a 400 problem past MAX_JSON_DEPTH and a 413 past MAX_JSON_NODES.
 */
export function scanJson(raw: Buffer): void {
  let depth = 0;
  let nodes = 0;
  let inString = false;
  let escaped = false;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === 0x5c) escaped = true;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new Problem(400, `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`,
          [{ property_path: 'body', message: `nesting deeper than ${MAX_JSON_DEPTH} levels`, code: 'request.body.too_deep' }]);
      }
      nodes++;
    } else if (c === 0x7d || c === 0x5d) depth--;
    else if (c === 0x2c) nodes++;
    if (nodes > MAX_JSON_NODES) {
      throw new Problem(413, `the JSON body holds more than ${MAX_JSON_NODES} values`,
        [{ property_path: 'body', message: `more than ${MAX_JSON_NODES} values`, code: 'request.body.too_many_values' }]);
    }
  }
}

/**
 * A body sent to an operation that takes none: refused rather than ignored. Nothing, whitespace,
 * `{}` and `null` (what some clients send by habit) count as no body.
 */
export function assertNoBody(raw: unknown): void {
  if (raw === null || raw === undefined) return;
  const text = Buffer.isBuffer(raw) ? raw.toString('utf8').trim() : typeof raw === 'string' ? raw.trim() : JSON.stringify(raw);
  if (text === '' || text === '{}' || text === 'null') return;
  throw new Problem(400, 'this operation takes no request body',
    [{ property_path: 'body', message: 'this operation takes no request body', code: 'request.body.unexpected' }]);
}

/**
 * The JSON value of a request body, or undefined for an empty one. Malformed JSON and the
 * `__proto__` keys that would poison an object merged from it are 400s. The value has passed
 * scanJson, so the iterative key walk below is bounded.
 */
export function parseJsonBody(raw: Buffer | string | null | undefined): unknown {
  if (raw === null || raw === undefined) return undefined;
  const buf = typeof raw === 'string' ? Buffer.from(raw) : raw;
  if (buf.length === 0 || buf.toString('utf8').trim() === '') return undefined;
  scanJson(buf);
  let value: unknown;
  try {
    value = JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new Problem(400, `invalid JSON body: ${(e as Error).message}`,
      [{ property_path: 'body', message: 'is not valid JSON', code: 'request.body.invalid_json' }]);
  }
  const stack: unknown[] = [value];
  while (stack.length) {
    const node = stack.pop();
    if (!node || typeof node !== 'object') continue;
    if (Object.prototype.hasOwnProperty.call(node, '__proto__')) {
      throw new Problem(400, 'the JSON body contains a forbidden "__proto__" key',
        [{ property_path: 'body', message: 'contains a "__proto__" key', code: 'request.body.forbidden_key' }]);
    }
    for (const child of Object.values(node)) if (child && typeof child === 'object') stack.push(child);
  }
  return value;
}

/** hapi gives `?a=1` as a string and `?a=1&a=2` as an array; Ring clients also send `a[]=1`. */
export function normalizeQuery(query: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [rawKey, value] of Object.entries(query)) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const list = Array.isArray(value) ? value : [value];
    out[key] = key in out ? [...(Array.isArray(out[key]) ? (out[key] as unknown[]) : [out[key]]), ...list] : (list.length === 1 ? list[0] : list);
  }
  return out;
}

/**
 * Domain rules of an operation, run on a body that failed the schema only on limits or unknown
 * fields, so that one 422 lists every violation (the handler would otherwise never see the body).
 */
const DOMAIN_RULES: Record<string, (body: unknown) => Violation[]> = {
  // Defaults filled in, unknown top-level keys kept (applyDeploymentDefaults drops them) so the domain names them too.
  createDeployment: (body) => validateDeployment({ ...(body as object), ...applyDeploymentDefaults(body as DeploymentInput) }),
};

/** The problem for a body the schema refused: 422 for limits and unknown fields (with the domain's own findings), else 400. */
export function bodyProblem(operationId: string, body: unknown, errors: ErrorObject[] | null | undefined): Problem {
  const schema = toViolations('body', errors);
  if (!onlyLimitErrors(errors)) return new Problem(400, 'the request body does not match the API schema', schema);
  const domain = DOMAIN_RULES[operationId]?.(body) ?? [];
  // A field both flag (replicas 5000: `maximum` and deployment.replicas.too_large) is listed once, with the domain's code.
  const covered = new Set(domain.map((x) => x.property_path));
  const merged = [...domain, ...schema.filter((x) => !covered.has(x.property_path))].slice(0, MAX_LISTED_VIOLATIONS + 1);
  return Problem.validation(merged);
}
