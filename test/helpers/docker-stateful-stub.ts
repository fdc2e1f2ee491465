// A stand-in Docker Engine (API 1.43) on a unix socket that keeps state: images are "present",
// networks and containers can be created, started, inspected, listed, stopped and removed, and a
// started container stays running until it is stopped or removed (no process behind it). Enough
// for a ring server to converge N simple workers without a real daemon, so the reconciler's idle
// cost can be profiled alone (bench/support/profile-tick.ts). The refusing stub (docker-stub.ts)
// stays what the API tests use.
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface StatefulDockerStub {
  /** `unix:///…/docker.sock`, for DOCKER_HOST. */
  host: string;
  /** Requests seen, as `METHOD /path` (ids kept). */
  requests: string[];
  /** Containers that exist now, by state. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

interface Container {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  cmd: string[];
  env: string[];
  networkMode: string;
  created: number;
  state: 'created' | 'running' | 'exited';
  startedAt: string;
  finishedAt: string;
  ip: string;
  /** Creation order (0 = first). */
  index: number;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const IMAGE_ID = `sha256:${'b'.repeat(64)}`;

function send(res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    res.writeHead(status, { 'api-version': '1.43' });
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain' : 'application/json', 'api-version': '1.43' });
  res.end(text);
}

async function bodyOf(req: IncomingMessage): Promise<any> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? JSON.parse(text) : {};
}

/** `filters={"label":["k","k=v"]}` as Docker applies it to a container's labels. */
function matchesLabels(labels: Record<string, string>, filters: string[]): boolean {
  return filters.every((f) => {
    const eq = f.indexOf('=');
    return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
  });
}

/** Docker's units.HumanDuration, as `docker ps` shows it after "Up ". */
function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.floor(h / 24)} days`;
}

export interface StatefulStubOptions {
  /**
   * Added to each container's uptime in the list's Status, plus 1 s per container created before
   * it: containers that look minutes old and started over minutes, as after a bench convergence
   * (their "Up N minutes" move at different times). Default 0 (their real uptime).
   */
  pretendUptimeMs?: number;
}
export async function startStatefulDockerStub(opts: StatefulStubOptions = {}): Promise<StatefulDockerStub> {
  const dir = mkdtempSync(join(tmpdir(), 'ring-docker-sstub-'));
  const socket = join(dir, 'docker.sock');
  const requests: string[] = [];
  const streams = new Set<ServerResponse>();
  const containers = new Map<string, Container>();
  const networks = new Map<string, { Id: string; Name: string; Created: string; Labels: Record<string, string> }>();
  let nextIp = 2;
  let created = 0;
  const humanStatus = (c: Container, now: number): string => {
    if (c.state === 'created') return 'Created';
    if (c.state === 'exited') return 'Exited (137) 1 second ago';
    const pretend = opts.pretendUptimeMs ? opts.pretendUptimeMs + c.index * 1000 : 0;
    return `Up ${humanDuration(now - Date.parse(c.startedAt) + pretend)}`;
  };

  const find = (ref: string): Container | undefined => {
    const byId = containers.get(ref);
    if (byId) return byId;
    for (const c of containers.values()) if (c.name === ref || c.id.startsWith(ref)) return c;
    return undefined;
  };
  const emit = (c: Container, action: string): void => {
    const line = JSON.stringify({ Type: 'container', Action: action, status: action, id: c.id, from: c.image,
      Actor: { ID: c.id, Attributes: { ...c.labels, image: c.image, name: c.name } }, scope: 'local',
      time: Math.floor(Date.now() / 1000), timeNano: Date.now() * 1e6 });
    for (const s of streams) s.write(line + '\n');
  };
  const networksOf = (c: Container) => (c.networkMode === 'host' ? {} : {
    [c.networkMode]: {
      IPAMConfig: null, Links: null, Aliases: null, NetworkID: networks.get(c.networkMode)?.Id ?? '',
      EndpointID: c.state === 'running' ? c.id.slice(0, 64) : '', Gateway: c.state === 'running' ? '172.30.0.1' : '',
      IPAddress: c.state === 'running' ? c.ip : '', IPPrefixLen: c.state === 'running' ? 16 : 0, IPv6Gateway: '',
      GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, MacAddress: c.state === 'running' ? '02:42:ac:1e:00:02' : '', DriverOpts: null,
    },
  });
  const listEntry = (c: Container, now: number) => ({
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.image,
    ImageID: IMAGE_ID,
    Command: c.cmd.join(' '),
    Created: Math.floor(c.created / 1000),
    Ports: [],
    Labels: c.labels,
    State: c.state,
    Status: humanStatus(c, now),
    HostConfig: { NetworkMode: c.networkMode },
    NetworkSettings: { Networks: networksOf(c) },
    Mounts: [],
  });
  const inspectOf = (c: Container) => ({
    Id: c.id,
    Created: new Date(c.created).toISOString(),
    Path: c.cmd[0] ?? '',
    Args: c.cmd.slice(1),
    State: {
      Status: c.state, Running: c.state === 'running', Paused: false, Restarting: false, OOMKilled: false, Dead: false,
      Pid: c.state === 'running' ? 4242 : 0, ExitCode: c.state === 'exited' ? 137 : 0, Error: '',
      StartedAt: c.startedAt, FinishedAt: c.finishedAt,
    },
    Image: IMAGE_ID,
    Name: `/${c.name}`,
    RestartCount: 0,
    HostConfig: { NetworkMode: c.networkMode, RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
    Config: { Image: c.image, Cmd: c.cmd, Env: c.env, Labels: c.labels },
    NetworkSettings: { Networks: networksOf(c) },
    Mounts: [],
  });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL((req.url ?? '/').replace(/^\/v[0-9.]+/, ''), 'http://stub');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    requests.push(`${method} ${path}`);
    if (path === '/_ping') return send(res, 200, 'OK');
    if (path === '/version') return send(res, 200, { Version: '24.0.0-stub', ApiVersion: '1.43', Os: 'linux', Arch: 'amd64' });
    if (path === '/info') return send(res, 200, { NCPU: 2, MemTotal: 64 * 1024 ** 3, OperatingSystem: 'stub' });
    if (method === 'GET' && path === '/events') {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json', 'api-version': '1.43' });
      res.flushHeaders();
      streams.add(res);
      res.on('close', () => streams.delete(res));
      return;
    }
    let m: RegExpExecArray | null;
    if (method === 'GET' && (m = /^\/images\/(.+)\/json$/.exec(path))) {
      req.resume();
      const ref = decodeURIComponent(m[1]!);
      const repo = ref.replace(/[:@].*$/, '');
      return send(res, 200, { Id: IMAGE_ID, RepoTags: [ref], RepoDigests: [`${repo}@sha256:${'c'.repeat(64)}`], Created: '2024-01-01T00:00:00Z', Size: 4_000_000 });
    }
    if (method === 'POST' && path === '/images/create') {
      req.resume();
      return send(res, 200, '{"status":"Status: Image is up to date"}\n');
    }
    if (method === 'GET' && path === '/networks') {
      req.resume();
      const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { name?: string[] };
      return send(res, 200, [...networks.values()].filter((n) => !filters.name || filters.name.some((f) => n.Name.includes(f))));
    }
    if (method === 'POST' && path === '/networks/create') {
      const body = await bodyOf(req);
      if (networks.has(body.Name)) return send(res, 409, { message: `network with name ${body.Name} already exists` });
      const n = { Id: randomBytes(32).toString('hex'), Name: body.Name, Created: new Date().toISOString(), Labels: body.Labels ?? {} };
      networks.set(n.Name, n);
      return send(res, 201, { Id: n.Id, Warning: '' });
    }
    if (method === 'GET' && (m = /^\/networks\/([^/]+)$/.exec(path))) {
      req.resume();
      const ref = decodeURIComponent(m[1]!);
      const n = networks.get(ref) ?? [...networks.values()].find((x) => x.Id === ref);
      return n ? send(res, 200, { ...n, Driver: 'bridge', Scope: 'local' }) : send(res, 404, { message: `network ${ref} not found` });
    }
    if (method === 'POST' && path === '/volumes/create') {
      const body = await bodyOf(req);
      return send(res, 201, { Name: body.Name, Driver: 'local', Labels: body.Labels ?? {} });
    }
    if (method === 'GET' && path === '/containers/json') {
      req.resume();
      const filters = JSON.parse(url.searchParams.get('filters') ?? '{}') as { label?: string[] };
      const all = url.searchParams.get('all') === '1' || url.searchParams.get('all') === 'true';
      const now = Date.now();
      const out = [];
      for (const c of containers.values()) {
        if (!all && c.state !== 'running') continue;
        if (filters.label && !matchesLabels(c.labels, filters.label)) continue;
        out.push(listEntry(c, now));
      }
      // Docker lists newest first.
      out.reverse();
      return send(res, 200, out);
    }
    if (method === 'POST' && path === '/containers/create') {
      const body = await bodyOf(req);
      const name = url.searchParams.get('name') ?? `stub_${randomBytes(4).toString('hex')}`;
      for (const c of containers.values()) if (c.name === name) return send(res, 409, { message: `Conflict. The container name "/${name}" is already in use` });
      const n = nextIp++;
      const c: Container = {
        id: randomBytes(32).toString('hex'), name, image: body.Image ?? '', labels: body.Labels ?? {}, cmd: body.Cmd ?? [], env: body.Env ?? [],
        networkMode: body.HostConfig?.NetworkMode ?? 'bridge', created: Date.now(), state: 'created', startedAt: ZERO_TIME, finishedAt: ZERO_TIME,
        ip: `172.30.${(n >> 8) & 255}.${n & 255}`, index: created++,
      };
      containers.set(c.id, c);
      emit(c, 'create');
      return send(res, 201, { Id: c.id, Warnings: [] });
    }
    if ((m = /^\/containers\/([^/]+)(?:\/(json|start|stop|kill|wait))?$/.exec(path))) {
      req.resume();
      const c = find(decodeURIComponent(m[1]!));
      if (!c) return send(res, 404, { message: `No such container: ${m[1]}` });
      const op = m[2];
      if (method === 'GET' && op === 'json') return send(res, 200, inspectOf(c));
      if (method === 'POST' && op === 'start') {
        if (c.state === 'running') return send(res, 304);
        c.state = 'running';
        c.startedAt = new Date().toISOString();
        emit(c, 'start');
        return send(res, 204);
      }
      if (method === 'POST' && (op === 'stop' || op === 'kill')) {
        if (c.state !== 'running') return send(res, 304);
        c.state = 'exited';
        c.finishedAt = new Date().toISOString();
        emit(c, op === 'kill' ? 'kill' : 'die');
        return send(res, 204);
      }
      if (method === 'DELETE' && op === undefined) {
        if (c.state === 'running' && url.searchParams.get('force') !== 'true' && url.searchParams.get('force') !== '1') {
          return send(res, 409, { message: 'You cannot remove a running container' });
        }
        if (c.state === 'running') {
          c.state = 'exited';
          emit(c, 'die');
        }
        containers.delete(c.id);
        emit(c, 'destroy');
        return send(res, 204);
      }
    }
    req.resume();
    return send(res, 404, { message: `docker stateful stub: ${method} ${path} is not implemented` });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(socket, () => resolve());
  });
  return {
    host: `unix://${socket}`,
    requests,
    counts() {
      const out: Record<string, number> = {};
      for (const c of containers.values()) out[c.state] = (out[c.state] ?? 0) + 1;
      return out;
    },
    async close() {
      for (const s of streams) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
