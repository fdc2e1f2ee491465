// fast-check arbitraries for requests to every operation of openapi.yaml: schema-shaped values
// (with realistic names so requests also meet existing rows and conflicts), then one hostile mutation
// (wrong types, huge and unicode strings, NUL bytes, deep nesting, 1e21, path traversal, duplicate keys
// and query params, wrong content types, oversized and malformed bodies). A generated plan is small;
// `materialize` expands it into the bytes sent, so 10,000 plans never hold megabytes each.
import fc from 'fast-check';
import type { Operation, Schema, Spec } from './spec.js';

export const MUTATIONS = [
  'none', 'wrong_type', 'huge_string', 'unicode', 'null_byte', 'unknown_field', 'deep_nesting', 'big_number',
  'path_traversal', 'duplicate_keys', 'duplicate_query', 'content_type', 'oversized', 'malformed', 'empty_body',
] as const;
export type Mutation = (typeof MUTATIONS)[number];

/**
 * Mutations no write may accept: every input schema refuses unknown fields, every body is bounded
 * in depth, and no counted field takes 1e21. (A huge string or a traversal may be legal somewhere,
 * e.g. in a secret's value, so those are judged by the rows they leave, not by their status.)
 */
export const NEVER_ACCEPTED: readonly Mutation[] = ['unknown_field', 'deep_nesting'];
export const HUGE_NUMBERS = ['1e21', '-1e21', '1e400', '123456789012345678901234567890', '1E+308'];

export interface Plan {
  op: number;
  path: string[];
  query: [string, string][];
  body: unknown;
  mutation: Mutation;
  /** Drives the mutation's choices (which node, how big, which variant). */
  knob: number;
}

export interface WireRequest {
  operationId: string;
  method: string;
  /** Path and query string. */
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  mutation: Mutation;
}

const NAMES = ['web', 'api', 'fuzz', 'fuzz-b', 'default', 'db-pass', 'app', 'data', 'cfg'];
const NAMESPACES = ['fuzz', 'fuzz-b', 'default', 'team-a'];
const TRAVERSAL = ['../../etc/passwd', '..', '../', '/etc/shadow', 'a/../../b', '..%2f..%2fetc', '%2e%2e%2f', '....//', '\\..\\..\\windows', '/'];
const UNICODE = ['\u{1F600}', '\u202E', 'Ω', 'é', '\uFFFF', '\uD800', '\u0301', '𝕏', '\u200B', '中文'];
const BIG_NUMBERS = ['1e21', '-1e21', '1e400', '-0', '0.5', '123456789012345678901234567890', '9007199254740993', '1E+308', '-1'];
const CONTENT_TYPES = ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '', 'application/xml',
  'application/json; charset=utf-16', 'application/problem+json', 'application/octet-stream'];

/** A valid body per writing operation (n varies the names, so some collide and some do not). */
const EXAMPLES: Record<string, (n: number) => unknown> = {
  createDeployment: (n) => ({ name: `fz-${n % 10}`, namespace: 'fuzz', runtime: 'docker', image: 'ring-test/busybox:1', replicas: n % 3,
    labels: { n: String(n) }, ...(n % 2 ? { resources: { requests: { memory: '16Mi' } }, network: { mode: 'bridge' } } : {}) }),
  createUser: (n) => ({ username: `user-${n % 10}`, password: 'password-123' }),
  updateUser: (n) => ({ username: `user-${n % 10}` }),
  createNamespace: (n) => ({ name: `ns-${n % 10}` }),
  createSecret: (n) => ({ namespace: 'fuzz', name: `s-${n % 10}`, value: 'v' }),
  createConfig: (n) => ({ namespace: 'fuzz', name: `c-${n % 10}`, data: '{"k":"v"}' }),
  updateConfig: (n) => ({ name: `c-${n % 10}`, data: '{}' }),
  createVolume: (n) => ({ namespace: 'fuzz', name: `v-${n % 10}`, size: '1Gi' }),
  createToken: (n) => ({ name: `tok-${n % 10}`, scopes: ['deployments:read'] }),
  createWebhook: () => ({ url: 'https://hooks.example.com/ring', events: ['deployment.*'] }),
  login: () => ({ username: 'admin', password: 'changeme' }),
};

/** Realistic values where names matter, so requests collide with each other and with existing rows. */
function namedString(prop: string | undefined): fc.Arbitrary<string> | null {
  switch (prop) {
    case 'namespace': return fc.oneof(fc.constantFrom(...NAMESPACES), fc.string({ maxLength: 12 }));
    case 'name': return fc.oneof(fc.constantFrom(...NAMES), fc.stringMatching(/^[a-z][a-z0-9-]{0,12}$/));
    case 'username': return fc.oneof(fc.constantFrom('alice', 'bob', 'fuzzer'), fc.string({ maxLength: 12 }));
    case 'password': return fc.oneof(fc.constant('password-123'), fc.string({ maxLength: 20 }));
    case 'runtime': return fc.constantFrom('docker', 'cloud-hypervisor', 'containerd', 'nope');
    case 'image': return fc.constantFrom('ring-test/busybox:1', 'nginx', '/var/lib/disk.img', '');
    case 'url': return fc.constantFrom('https://hooks.example.com/x', 'http://127.0.0.1:1/', 'http://169.254.169.254/', 'ftp://x', 'http://[::1]/');
    case 'interval': case 'timeout': case 'min_healthy_time': case 'start_period':
      return fc.constantFrom('1s', '500ms', '1m30s', '0s', '2h', '25h', 'abc', '');
    case 'cpu': return fc.constantFrom('0.5', '250m', '5000', 'x');
    case 'memory': case 'size': return fc.constantFrom('128Mi', '1Gi', '20Ti', '1e3', 'lots');
    case 'data': return fc.constantFrom('{}', '{"a":"b"}', 'not json', '[1]');
    case 'expire_at': return fc.constantFrom('2030-01-01T00:00:00Z', 'tomorrow', '2020-01-01T00:00:00Z');
    case 'source': return fc.oneof(fc.constantFrom('data', '/srv', ...TRAVERSAL), fc.string({ maxLength: 8 }));
    case 'destination': return fc.constantFrom('/data', 'relative', '/etc/app.conf');
    default: return null;
  }
}

/** An arbitrary of values shaped like `schema` (valid more often than not; the mutations do the rest). */
export function valueOf(spec: Spec, schema: Schema, prop: string | undefined, depth = 0): fc.Arbitrary<unknown> {
  const s = spec.resolve(schema);
  if (Array.isArray(s.oneOf) || Array.isArray(s.anyOf)) {
    return fc.oneof(...((s.oneOf ?? s.anyOf) as Schema[]).map((x) => valueOf(spec, x, prop, depth)));
  }
  if (Array.isArray(s.enum)) return fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: fc.string({ maxLength: 6 }) });
  const types = Array.isArray(s.type) ? (s.type as string[]) : s.type ? [s.type as string] : ['object'];
  return fc.oneof(...types.map((t) => typed(spec, s, t, prop, depth)));
}

function typed(spec: Spec, s: Schema, type: string, prop: string | undefined, depth: number): fc.Arbitrary<unknown> {
  switch (type) {
    case 'null': return fc.constant(null);
    case 'boolean': return fc.boolean();
    case 'integer': return fc.oneof(fc.integer({ min: -2, max: 100 }), fc.constantFrom(0, 1, 2, 80, 65535, 65536, 1000, 1001, 2 ** 31));
    case 'number': return fc.oneof(fc.double({ min: -1, max: 200, noNaN: true }), fc.constantFrom(0, 50, 99.9, 100));
    case 'string': return namedString(prop) ?? fc.string({ maxLength: 16 });
    case 'array': {
      if (depth > 4) return fc.constant([]);
      return fc.array(valueOf(spec, (s.items as Schema) ?? {}, prop, depth + 1), { maxLength: 3 });
    }
    default: {
      if (depth > 4) return fc.constant({});
      const props = (s.properties ?? {}) as Record<string, Schema>;
      const required = (s.required ?? []) as string[];
      const record = fc.record(Object.fromEntries(Object.entries(props).map(([k, x]) => [k, valueOf(spec, x, k, depth + 1)])),
        { requiredKeys: required.filter((k) => k in props) });
      const extra = s.additionalProperties;
      if (extra && typeof extra === 'object') {
        return fc.tuple(record, fc.dictionary(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,8}$/), valueOf(spec, extra as Schema, undefined, depth + 1), { maxKeys: 3 }))
          .map(([a, b]) => ({ ...b, ...a }));
      }
      return record;
    }
  }
}

/** Path parameter values: known ids (so requests reach real rows) or hostile strings. */
function pathValue(knownIds: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: knownIds.length ? fc.constantFrom(...knownIds) : fc.uuid() },
    { weight: 2, arbitrary: fc.uuid() },
    { weight: 1, arbitrary: fc.constantFrom(...TRAVERSAL, ...NAMESPACES, 'me', '0', '-1', ' ') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );
}

function queryValues(spec: Spec, op: Operation): fc.Arbitrary<[string, string][]> {
  const params = op.query.map((q) => fc.option(valueOf(spec, q.schema, q.name).map((x): [string, string][] =>
    (Array.isArray(x) ? x : [x]).map((item) => [q.name, typeof item === 'string' ? item : JSON.stringify(item)])), { nil: undefined }));
  // Now and then a parameter the operation does not declare (refused: 400); mostly only declared ones, so requests get past the query.
  const extra = fc.option(fc.tuple(fc.constantFrom('zz_unknown', 'limit', 'namespace'), fc.string({ maxLength: 8 })), { nil: undefined, freq: 1 });
  return fc.tuple(...params, fc.oneof({ weight: 9, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: extra }))
    .map((parts) => parts.flatMap((p) => (p === undefined || p.length === 0 ? [] : Array.isArray(p[0]) ? (p as [string, string][]) : [p as [string, string]])));
}

export function planArbitrary(spec: Spec, knownIds: readonly string[]): fc.Arbitrary<Plan> {
  const ops = spec.operations;
  // Operations that write the most state (and met the worst of the findings) get more of the run.
  const weight = (o: Operation) => (o.operationId === 'createDeployment' ? 12 : o.body ? 3 : 1);
  const pickOp = fc.oneof(...ops.map((o, i) => ({ weight: weight(o), arbitrary: fc.constant(i) })));
  return pickOp.chain((i) => {
    const op = ops[i]!;
    return fc.record({
      op: fc.constant(i),
      path: fc.tuple(...op.pathParams.map(() => pathValue(knownIds))),
      query: queryValues(spec, op),
      // Half the bodies start from a valid example, so mutations reach the code behind validation.
      body: op.body ? (EXAMPLES[op.operationId]
        ? fc.oneof(valueOf(spec, op.body.schema, undefined), fc.nat({ max: 50 }).map(EXAMPLES[op.operationId]!))
        : valueOf(spec, op.body.schema, undefined)) : fc.constant(undefined),
      mutation: fc.oneof({ weight: 4, arbitrary: fc.constant('none' as Mutation) }, { weight: 14, arbitrary: fc.constantFrom(...MUTATIONS.slice(1)) }),
      knob: fc.nat({ max: 1_000_000 }),
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Materializing a plan into the bytes sent

/** Paths to every node of a JSON value (iteratively; bodies here are small). */
function nodes(value: unknown): (string | number)[][] {
  const out: (string | number)[][] = [[]];
  const stack: [unknown, (string | number)[]][] = [[value, []]];
  while (stack.length) {
    const [node, at] = stack.pop()!;
    if (!node || typeof node !== 'object') continue;
    for (const [k, child] of Object.entries(node)) {
      const p = [...at, Array.isArray(node) ? Number(k) : k];
      out.push(p);
      stack.push([child, p]);
    }
  }
  return out;
}

function setAt(root: unknown, at: (string | number)[], value: unknown): unknown {
  if (at.length === 0) return value;
  let node = root as Record<string | number, unknown>;
  for (const k of at.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  node[at[at.length - 1]!] = value;
  return root;
}

function getAt(root: unknown, at: (string | number)[]): unknown {
  return at.reduce((n: any, k) => (n == null ? undefined : n[k]), root);
}

const PLACEHOLDER = '"__FUZZ_PLACEHOLDER__"';

function deepText(levels: number, style: number): string {
  switch (style % 3) {
    case 0: return '['.repeat(levels) + '1' + ']'.repeat(levels);
    case 1: return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
    default: return '[{"a":'.repeat(Math.ceil(levels / 2)) + 'null' + '}]'.repeat(Math.ceil(levels / 2));
  }
}

/** Percent-encoding that also takes lone surrogates (sent as the UTF-8 of U+FFFD, as a browser would). */
function enc(s: string): string {
  try {
    return encodeURIComponent(s);
  } catch {
    return [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
  }
}

export interface MaterializeOptions { token: string; maxBodyBytes: number }

export function materialize(spec: Spec, plan: Plan, opts: MaterializeOptions): WireRequest {
  const op = spec.operations[plan.op]!;
  const k = plan.knob;
  let path = op.path;
  const pathValues = [...plan.path];
  if (plan.mutation === 'path_traversal' && pathValues.length) pathValues[k % pathValues.length] = TRAVERSAL[k % TRAVERSAL.length]!;
  if (plan.mutation === 'unicode' && pathValues.length) pathValues[0] = UNICODE[k % UNICODE.length]!.repeat(1 + (k % 50));
  op.pathParams.forEach((p, i) => {
    path = path.replace(`{${p.name}}`, enc(pathValues[i] ?? '').slice(0, 4000).replace(/%[0-9a-fA-F]?$/, ''));
  });
  const query = [...plan.query];
  if (plan.mutation === 'duplicate_query') {
    const name = op.query[k % Math.max(1, op.query.length)]?.name ?? 'namespace';
    query.push([name, 'a'], [name, 'b'], [`${name}[]`, 'c']);
  }
  if (plan.mutation === 'huge_string' && !op.body && query.length) query[0] = [query[0]![0], 'q'.repeat(3000)];
  const qs = query.map(([a, b]) => `${enc(a)}=${enc(b)}`).join('&');
  const headers: Record<string, string> = { authorization: `Bearer ${opts.token}` };
  const req: WireRequest = { operationId: op.operationId, method: op.method, url: qs ? `${path}?${qs}` : path, headers, mutation: plan.mutation };
  if (op.method === 'GET' && plan.mutation !== 'content_type' && plan.mutation !== 'oversized') return req;

  let value = structuredClone(plan.body);
  const all = nodes(value);
  const pick = all[k % all.length]!;
  const leafStrings = all.filter((p) => typeof getAt(value, p) === 'string');
  const pickString = leafStrings.length ? leafStrings[k % leafStrings.length]! : null;
  let text: string | Buffer | undefined;
  switch (plan.mutation) {
    case 'wrong_type': {
      const wrong = [null, 42, 'str', [], {}, true, -1, [[]], { a: {} }][k % 9];
      value = setAt(value, pick, wrong);
      break;
    }
    case 'huge_string': {
      const size = [10_000, 100_000, 1_000_000, 3_000_000][k % 4]!;
      if (pickString) value = setAt(value, pickString, 'x'.repeat(size));
      else value = setAt(value, pick, 'x'.repeat(size));
      break;
    }
    case 'unicode': {
      const u = UNICODE[k % UNICODE.length]!.repeat(1 + (k % 300));
      value = pickString ? setAt(value, pickString, u) : setAt(value, pick, u);
      break;
    }
    case 'null_byte':
      if (pickString) value = setAt(value, pickString, `${String(getAt(value, pickString))}\u0000x`);
      break;
    case 'path_traversal':
      if (pickString) value = setAt(value, pickString, TRAVERSAL[k % TRAVERSAL.length]);
      break;
    case 'unknown_field': {
      const objects = all.filter((p) => { const x = getAt(value, p); return x && typeof x === 'object' && !Array.isArray(x); });
      const at = objects.length ? objects[k % objects.length]! : [];
      const target = getAt(value, at);
      if (target && typeof target === 'object') (target as Record<string, unknown>)[k % 2 ? 'zz_extra' : '__proto__x'] = { nested: [1, 2, { deep: true }] };
      else value = { zz_extra: 1 };
      break;
    }
    case 'deep_nesting': {
      const levels = [100, 5_000, 10_000, 100_000, 500_000][k % 5]!;
      const nested = deepText(levels, k);
      // Under an unknown field (network.zz_extra), under a known one (resources.requests), or the whole body.
      const where = k % 3;
      if (where === 2 || !value || typeof value !== 'object') text = nested;
      else {
        if (where === 0) (value as Record<string, unknown>).zz_extra = '__FUZZ_PLACEHOLDER__';
        else (value as Record<string, unknown>).resources = { requests: '__FUZZ_PLACEHOLDER__' };
        text = JSON.stringify(value).replace(PLACEHOLDER, nested);
      }
      break;
    }
    case 'big_number': {
      const nums = all.filter((p) => typeof getAt(value, p) === 'number');
      const n = BIG_NUMBERS[k % BIG_NUMBERS.length]!;
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        const at = nums.length ? nums[k % nums.length]! : ['replicas'];
        value = setAt(value, at, '__FUZZ_PLACEHOLDER__');
        text = JSON.stringify(value).replace(PLACEHOLDER, n);
      } else text = n;
      break;
    }
    case 'duplicate_keys': {
      const json = JSON.stringify(value ?? {});
      if (json.startsWith('{') && json.length > 2) {
        const firstKey = Object.keys(value as object)[0] ?? 'name';
        text = `{"${firstKey}":${JSON.stringify(['dup', 1][k % 2])},${json.slice(1)}`;
      } else text = '{"a":1,"a":2}';
      break;
    }
    case 'content_type':
      headers['content-type'] = CONTENT_TYPES[k % CONTENT_TYPES.length]!;
      text = k % 2 ? 'name=x&namespace=y' : JSON.stringify(value ?? {});
      if (headers['content-type'] === '') delete headers['content-type'];
      return { ...req, body: text };
    case 'oversized':
      headers['content-type'] = 'application/json';
      return { ...req, body: `{"name":"${'x'.repeat(opts.maxBodyBytes + 1024)}"}` };
    case 'malformed': {
      const json = JSON.stringify(value ?? {});
      text = [json.slice(0, Math.max(1, json.length - 1 - (k % 5))), `${json}}`, `\uFEFF${json}`, `${json} trailing`, "{'a': 1}", '{"a": NaN}', '\u0000'][k % 7];
      break;
    }
    case 'empty_body':
      text = ['', ' ', 'null', '[]', '""', '0'][k % 6];
      break;
    default:
      break;
  }
  if (text === undefined) text = value === undefined ? undefined : JSON.stringify(value);
  if (text !== undefined) {
    headers['content-type'] = 'application/json';
    req.body = text;
  }
  return req;
}
