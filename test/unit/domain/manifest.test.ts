import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  envFileUnreadableWarning, interpolate, makeLookup, parseEnvFile, parseManifest, type ParseManifestOptions,
} from '../../../src/domain/manifest.js';

const NO_ENV: ParseManifestOptions = { env: {} };

function one(yaml: string, options: ParseManifestOptions = NO_ENV) {
  const m = parseManifest(yaml, options);
  assert.deepEqual(m.errors, []);
  assert.equal(m.deployments.length, 1);
  return m.deployments[0]!;
}

// ---- interpolation ---------------------------------------------------------------------------

const lookup = makeLookup({ TAG: '1.2', EMPTY: '', BOTH: 'from-env' }, { BOTH: 'from-file', ONLY_FILE: 'f', TAG_X: 'tx' });

const interpolationCases: [string, string, string][] = [
  ['a bare $VAR is replaced', 'nginx:$TAG', 'nginx:1.2'],
  ['a braced ${VAR} is replaced', 'nginx:${TAG}-alpine', 'nginx:1.2-alpine'],
  ['the process env wins over the env file', '$BOTH', 'from-env'],
  ['the env file is used when the process env lacks the name', '$ONLY_FILE', 'f'],
  ['an unresolved $VAR stays literal', 'x-$MISSING-y', 'x-$MISSING-y'],
  ['an unresolved ${VAR} stays literal', 'x-${MISSING}-y', 'x-${MISSING}-y'],
  ['an empty value counts as resolved', 'a${EMPTY}b', 'ab'],
  ['the bare name is greedy over letters, digits and underscores', '$TAG_X', 'tx'],
  ['a bare name stops at other characters', '$TAG.0', '1.2.0'],
  ['a name must start with a letter', '$1TAG ${_TAG}', '$1TAG ${_TAG}'],
  ['default syntax is not supported', '${TAG:-x}', '${TAG:-x}'],
  ['several references are replaced', '$TAG/${TAG}/$TAG', '1.2/1.2/1.2'],
  ['a lone dollar stays', 'cost $ 5', 'cost $ 5'],
];

for (const [sentence, input, expected] of interpolationCases) {
  test(`interpolation: ${sentence}`, () => {
    assert.equal(interpolate(input, lookup), expected);
  });
}

test('interpolation applies to name, namespace, image, plain env values, config credentials and command', () => {
  const d = one(`
deployments:
  app:
    name: web-$SUFFIX
    namespace: \${NS}
    image: registry/app:$TAG
    command: ["echo", "$MSG"]
    environment:
      PLAIN: "v=$TAG"
      SECRET: { secretRef: "$TAG" }
    labels: { version: "$TAG" }
    config:
      image_pull_policy: $POLICY
      server: $REG
      username: $USER_NAME
      password: \${PASS}
    volumes:
      - { type: bind, source: "/srv/$TAG", destination: "/data" }
    health_checks:
      - { type: command, command: "echo $TAG", interval: 5s, timeout: 1s }
`, { env: { SUFFIX: 'a', NS: 'prod', TAG: '7', MSG: 'hi', POLICY: 'Never', REG: 'r.io', USER_NAME: 'bob', PASS: 'pw' } });
  assert.equal(d.spec.name, 'web-a');
  assert.equal(d.spec.namespace, 'prod');
  assert.equal(d.spec.image, 'registry/app:7');
  assert.deepEqual(d.spec.command, ['echo', 'hi']);
  assert.deepEqual(d.spec.environment, { PLAIN: 'v=7', SECRET: { secretRef: '$TAG' } });
  assert.deepEqual(d.spec.config, { image_pull_policy: 'Never', server: 'r.io', username: 'bob', password: 'pw' });
  // not interpolated elsewhere
  assert.deepEqual(d.spec.labels, { version: '$TAG' });
  assert.equal(d.spec.volumes[0]!.source, '/srv/$TAG');
  assert.equal(d.spec.health_checks[0]!.command, 'echo $TAG');
});

test('interpolation uses the env file after the process env', () => {
  const d = one('deployments:\n  a:\n    name: $N\n    image: $I\n', { env: { N: 'from-env' }, envFile: { N: 'from-file', I: 'img' } });
  assert.equal(d.spec.name, 'from-env');
  assert.equal(d.spec.image, 'img');
});

test('interpolation defaults to process.env when no env is given', () => {
  process.env.RING_MANIFEST_TEST_IMAGE = 'alpine:3';
  try {
    const d = one('deployments:\n  a:\n    name: a\n    image: $RING_MANIFEST_TEST_IMAGE\n', {});
    assert.equal(d.spec.image, 'alpine:3');
  } finally {
    delete process.env.RING_MANIFEST_TEST_IMAGE;
  }
});

// ---- env file --------------------------------------------------------------------------------

test('parseEnvFile reads pairs, skips comments and blanks, strips quotes and warns on bad lines', () => {
  const { vars, warnings } = parseEnvFile([
    '# comment',
    '',
    'A=1',
    '  B = two words  ',
    'C="quoted value"',
    "D='single'",
    'E="mismatched\'',
    'F=a=b',
    'export G=g',
    'not a pair',
    '=nokey',
    'H=',
    'A=override',
  ].join('\n'), '.env');
  assert.deepEqual(vars, { A: 'override', B: 'two words', C: 'quoted value', D: 'single', E: '"mismatched\'', F: 'a=b', G: 'g', H: '' });
  assert.deepEqual(warnings, [
    "Warning: Invalid env line 10 in '.env': not a pair",
    "Warning: Invalid env line 11 in '.env': =nokey",
  ]);
});

test('parseEnvFile handles CRLF line endings', () => {
  assert.deepEqual(parseEnvFile('A=1\r\nB=2\r\n', 'x').vars, { A: '1', B: '2' });
});

test('envFileUnreadableWarning names the file and the error', () => {
  assert.equal(envFileUnreadableWarning('.env', new Error('ENOENT')), "Warning: Could not read env file '.env': ENOENT");
});

// ---- deployments -----------------------------------------------------------------------------

test('CLI defaults: runtime docker, kind worker, replicas 1, empty namespace, maps and lists', () => {
  const d = one('deployments:\n  web:\n    name: web\n    image: nginx\n');
  assert.equal(d.key, 'web');
  assert.equal(d.error, undefined);
  assert.deepEqual(d.spec, {
    name: 'web', namespace: '', runtime: 'docker', kind: 'worker', image: 'nginx', replicas: 1,
    command: [], environment: {}, labels: {}, ports: [], volumes: [], config: {}, health_checks: [],
  });
});

test('explicit values are kept', () => {
  const d = one(`
deployments:
  j:
    name: job-ok
    namespace: batch
    runtime: podman
    kind: job
    replicas: 0
    ports: [{ published: "8080", target: 80, protocol: udp }]
    network: { mode: host }
    resources: { limits: { cpu: 0.5, memory: 128Mi }, requests: { memory: 1024 } }
    autoscale: { min: 1, max: "3", target_cpu: 60 }
    unknown_field: ignored
`);
  assert.equal(d.spec.runtime, 'podman');
  assert.equal(d.spec.kind, 'job');
  assert.equal(d.spec.replicas, 0);
  assert.deepEqual(d.spec.ports, [{ published: 8080, target: 80, protocol: 'udp' }]);
  assert.deepEqual(d.spec.network, { mode: 'host' });
  assert.deepEqual(d.spec.resources, { limits: { cpu: '0.5', memory: '128Mi' }, requests: { memory: '1024' } });
  assert.deepEqual(d.spec.autoscale, { min: 1, max: 3, target_cpu: 60 });
  assert.equal('unknown_field' in d.spec, false);
});

test('labels may be a map or a list of single-key maps', () => {
  const asMap = one('deployments:\n  a:\n    name: a\n    image: i\n    labels: { tier: web, port: 80 }\n');
  const asList = one('deployments:\n  a:\n    name: a\n    image: i\n    labels:\n      - tier: web\n      - port: 80\n');
  assert.deepEqual(asMap.spec.labels, { tier: 'web', port: '80' });
  assert.deepEqual(asList.spec.labels, { tier: 'web', port: '80' });
});

test('volumes get driver local and permission rw, forced ro for config and secret', () => {
  const d = one(`
deployments:
  a:
    name: a
    image: i
    volumes:
      - { type: bind, source: /srv, destination: /data }
      - { type: volume, source: v, destination: /v, driver: nfs, permission: ro }
      - { type: config, source: c, key: k, destination: /etc/k, permission: rw }
      - { type: secret, source: s, destination: /run/s }
`);
  assert.deepEqual(d.spec.volumes, [
    { type: 'bind', source: '/srv', destination: '/data', driver: 'local', permission: 'rw' },
    { type: 'volume', source: 'v', destination: '/v', driver: 'nfs', permission: 'ro' },
    { type: 'config', source: 'c', key: 'k', destination: '/etc/k', driver: 'local', permission: 'ro' },
    { type: 'secret', source: 's', destination: '/run/s', driver: 'local', permission: 'ro' },
  ]);
});

const deploymentErrors: [string, string, string][] = [
  ['a blank name', 'name: ""\n    image: i', 'Deployment name cannot be empty'],
  ['a missing image', 'name: a', 'Deployment image cannot be empty'],
  ['an unsupported runtime', 'name: a\n    image: i\n    runtime: lxc',
    "Runtime 'lxc' not supported. Supported runtimes: docker, podman, containerd, cloud-hypervisor, firecracker, swarm."],
  ['a command that is not a list', 'name: a\n    image: i\n    command: echo hi', 'command must be a list of strings'],
  ['labels that are a scalar', 'name: a\n    image: i\n    labels: x', 'labels must be a mapping or a list of single-key mappings'],
  ['environment as a list', 'name: a\n    image: i\n    environment: [A=1]', 'environment must be a mapping of names to values'],
  ['ports that are not mappings', 'name: a\n    image: i\n    ports: ["80:80"]', 'ports must be a list of mappings'],
];

for (const [sentence, fields, message] of deploymentErrors) {
  test(`a deployment with ${sentence} is reported and not fatal`, () => {
    const m = parseManifest(`deployments:\n  bad:\n    ${fields}\n  good:\n    name: g\n    image: i\n`, NO_ENV);
    assert.deepEqual(m.errors, []);
    assert.equal(m.deployments[0]!.key, 'bad');
    assert.equal(m.deployments[0]!.error, message);
    assert.equal(m.deployments[1]!.error, undefined);
  });
}

test('JSON manifests are accepted', () => {
  const m = parseManifest(JSON.stringify({ namespaces: { p: { name: 'prod' } }, deployments: { a: { name: 'a', image: 'i', replicas: 2 } } }), NO_ENV);
  assert.deepEqual(m.errors, []);
  assert.deepEqual(m.namespaces, [{ name: 'prod' }]);
  assert.equal(m.deployments[0]!.spec.replicas, 2);
});

test('namespaces keep manifest order and default the name to the key', () => {
  const m = parseManifest('namespaces:\n  b: { name: beta }\n  alpha:\ndeployments: {}\n', NO_ENV);
  assert.deepEqual(m.errors, []);
  assert.deepEqual(m.namespaces, [{ name: 'beta' }, { name: 'alpha' }]);
  assert.deepEqual(m.deployments, []);
});

const fatal: [string, string, RegExp][] = [
  ['unparseable YAML', 'deployments: [\n', /^invalid manifest: /],
  ['a scalar document', 'hello', /expected a mapping/],
  ['no deployments section', 'namespaces: {}\n', /missing required 'deployments' section/],
  ['deployments as a list', 'deployments:\n  - name: a\n', /'deployments' must be a mapping/],
];
for (const [sentence, text, re] of fatal) {
  test(`a manifest with ${sentence} is a fatal error`, () => {
    const m = parseManifest(text, NO_ENV);
    assert.equal(m.errors.length, 1);
    assert.match(m.errors[0]!, re);
  });
}

// ---- configs ---------------------------------------------------------------------------------

function files(map: Record<string, string>) {
  const read: string[] = [];
  return {
    read,
    readFile: (p: string) => {
      read.push(p);
      if (!(p in map)) throw new Error(`ENOENT: no such file or directory, open '${p}'`);
      return map[p]!;
    },
  };
}

function configs(yaml: string, options: ParseManifestOptions) {
  return parseManifest(`${yaml}deployments: {}\n`, options);
}

test('a config with inline data only is interpolated and sent as is', () => {
  const m = configs(`configs:
  app:
    namespace: $NS
    name: app-\${NAME}
    data: '{"url": "http://$HOST"}'
    labels: team=a
`, { env: { NS: 'prod', NAME: 'cfg', HOST: 'db' } });
  assert.deepEqual(m.errors, []);
  assert.deepEqual(m.configs, [{ key: 'app', namespace: 'prod', name: 'app-cfg', data: '{"url": "http://db"}', labels: 'team=a' }]);
});

test('a config with files only reads them relative to the manifest dir, verbatim by default', () => {
  const fs = files({ '/m/conf/nginx.conf': 'listen $PORT;' });
  const m = configs('configs:\n  c:\n    namespace: p\n    name: c\n    files:\n      nginx.conf: conf/nginx.conf\n',
    { env: { PORT: '80' }, manifestDir: '/m', readFile: fs.readFile });
  assert.deepEqual(m.errors, []);
  assert.deepEqual(fs.read, ['/m/conf/nginx.conf']);
  assert.deepEqual(JSON.parse(m.configs[0]!.data), { 'nginx.conf': 'listen $PORT;' });
});

test('absolute file paths are used as they are', () => {
  const fs = files({ '/abs/x': 'x' });
  const m = configs('configs:\n  c:\n    name: c\n    files: { x: /abs/x }\n', { env: {}, manifestDir: '/m', readFile: fs.readFile });
  assert.deepEqual(m.errors, []);
  assert.equal(m.configs[0]!.namespace, '');
  assert.deepEqual(fs.read, ['/abs/x']);
});

const interpolateModes: [string, string, { a: string; f: string }][] = [
  ['unset interpolates inline data but not files', '', { a: '1', f: '$V' }],
  ['true interpolates both', '    interpolate: true\n', { a: '1', f: '1' }],
  ['false interpolates neither', '    interpolate: false\n', { a: '$V', f: '$V' }],
];
for (const [sentence, flag, expected] of interpolateModes) {
  test(`config interpolate ${sentence}`, () => {
    const fs = files({ '/m/f.txt': '$V' });
    const m = configs(`configs:\n  c:\n    name: c\n    data: '{"a": "$V"}'\n    files: { f: f.txt }\n${flag}`,
      { env: { V: '1' }, manifestDir: '/m', readFile: fs.readFile });
    assert.deepEqual(m.errors, []);
    assert.deepEqual(JSON.parse(m.configs[0]!.data), expected);
  });
}

test('config data may be a YAML mapping; its string leaves are interpolated', () => {
  const m = configs('configs:\n  c:\n    name: c\n    data: { a: "$V", n: 1, nested: { b: "${V}" } }\n', { env: { V: 'x"y' } });
  assert.deepEqual(m.errors, []);
  assert.deepEqual(JSON.parse(m.configs[0]!.data), { a: 'x"y', n: 1, nested: { b: 'x"y' } });
});

test('config data and files are merged data first', () => {
  const fs = files({ '/m/b': 'B' });
  const m = configs('configs:\n  c:\n    name: c\n    data: \'{"a": "A"}\'\n    files: { b: b }\n', { env: {}, manifestDir: '/m', readFile: fs.readFile });
  assert.equal(m.configs[0]!.data, '{"a":"A","b":"B"}');
});

const configErrors: [string, string, string][] = [
  ['neither data nor files', 'name: c', "config 'c': either 'data' or 'files' must be set"],
  ['empty files and no data', 'name: c\n    files: {}', "config 'c': either 'data' or 'files' must be set"],
  ['data that is not a JSON object with files', 'name: c\n    data: "[1]"\n    files: { f: f.txt }',
    "config 'c': 'data' must be a JSON object to merge with 'files'"],
  ['data that is not JSON with files', 'name: c\n    data: "nope"\n    files: { f: f.txt }',
    "config 'c': 'data' must be a JSON object to merge with 'files'"],
  ['a key in both data and files', 'name: c\n    data: \'{"f": 1}\'\n    files: { f: f.txt }',
    "config 'c': key 'f' is defined in both 'data' and 'files'"],
  ['an unreadable file', 'name: c\n    files: { k: missing.txt }',
    "config 'c': failed to read file '/m/missing.txt' for key 'k': ENOENT: no such file or directory, open '/m/missing.txt'"],
  ['no name', 'data: "{}"', "config 'c': 'name' must be set"],
  ['a non-boolean interpolate', 'name: c\n    data: "{}"\n    interpolate: "yes"', "config 'c': 'interpolate' must be true or false"],
];
for (const [sentence, fields, message] of configErrors) {
  test(`a config with ${sentence} is a fatal error`, () => {
    const fs = files({ '/m/f.txt': 'F' });
    const m = configs(`configs:\n  c:\n    ${fields}\n`, { env: {}, manifestDir: '/m', readFile: fs.readFile });
    assert.deepEqual(m.errors, [message]);
    assert.deepEqual(m.configs, []);
  });
}
