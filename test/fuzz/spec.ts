// The operations of openapi.yaml as the fuzzer needs them: method, path template, the JSON schemas of
// path params, query params and body, with `$ref`s resolved on demand.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

export type Schema = Record<string, unknown>;

export interface Param { name: string; schema: Schema; required: boolean }

export interface Operation {
  operationId: string;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  path: string;
  pathParams: Param[];
  query: Param[];
  body: { schema: Schema; required: boolean } | null;
  streaming: boolean;
}

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export interface Spec {
  operations: Operation[];
  /** The schema behind a `$ref` (or the schema itself). */
  resolve(schema: Schema): Schema;
}

export function loadSpec(file = join(ROOT, 'openapi.yaml')): Spec {
  const doc = parse(readFileSync(file, 'utf8')) as Record<string, any>;
  const resolve = (schema: Schema): Schema => {
    let s = schema;
    for (let guard = 0; typeof s?.$ref === 'string' && guard < 16; guard++) {
      s = (s.$ref as string).slice(2).split('/').reduce((o: any, k) => o[k], doc) as Schema;
    }
    return s;
  };
  const operations: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, any>)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) {
      const op = item[method];
      if (!op) continue;
      const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: Schema) => resolve(p) as any);
      const toParam = (p: any): Param => ({ name: p.name, schema: p.schema ?? {}, required: p.required === true });
      const body = op.requestBody ? resolve(op.requestBody) as any : null;
      operations.push({
        operationId: op.operationId,
        method: method.toUpperCase() as Operation['method'],
        path,
        pathParams: params.filter((p) => p.in === 'path').map(toParam),
        query: params.filter((p) => p.in === 'query').map(toParam),
        body: body ? { schema: body.content?.['application/json']?.schema ?? {}, required: body.required === true } : null,
        streaming: op['x-ring-streaming'] === true,
      });
    }
  }
  return { operations, resolve };
}
