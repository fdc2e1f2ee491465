// Structural validation of params, query and bodies against the schemas of openapi.yaml (ajv, draft 2020-12).
// Violations found here are 400s; domain rules (422) are checked by the handlers through src/domain.
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { componentSchemas, type RouteDef } from '../../generated/routes.js';
import type { Violation } from '../domain/deployment.js';

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

export function compileRoute(def: RouteDef): RouteValidators {
  return {
    params: def.params ? paramAjv.compile(rewriteRefs(def.params) as object) : undefined,
    query: def.query ? paramAjv.compile(rewriteRefs(def.query) as object) : undefined,
    body: def.body ? bodyAjv.compile(rewriteRefs(def.body.schema) as object) : undefined,
  };
}

/** Ajv errors as our violation shape, paths written like `ports[0].published`. */
export function toViolations(where: 'body' | 'query' | 'path', errors: ErrorObject[] | null | undefined): Violation[] {
  return (errors ?? []).map((e) => {
    let path = e.instancePath.split('/').slice(1)
      .map((seg) => (/^\d+$/.test(seg) ? `[${seg}]` : `.${seg.replace(/~1/g, '/').replace(/~0/g, '~')}`)).join('');
    if (e.keyword === 'required') path += `.${(e.params as { missingProperty: string }).missingProperty}`;
    if (e.keyword === 'additionalProperties') path += `.${(e.params as { additionalProperty: string }).additionalProperty}`;
    path = path.replace(/^\./, '');
    return { property_path: path || where, message: e.message ?? 'is invalid', code: `request.${where}.${e.keyword}` };
  });
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
