// Command checks inside the guest (CLOUD-HYPERVISOR.md §1.10): CH's vsock is userspace "hybrid"
// vsock, so the host dials the unix socket `<id>.vsock`, writes `CONNECT 2375\n`, reads
// `OK <port>\n`, then speaks ring-agent's protocol: one u32-BE-length JSON frame each way. (Ring's
// CH path dials kernel AF_VSOCK, which never reaches a CH guest.)
import { existsSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

export const AGENT_PORT = 2375;
const CONNECT_TIMEOUT_MS = 5_000;
const READ_TIMEOUT_MS = 60_000;
const MAX_REPLY = 1024 * 1024;
/** The agent's own ceiling; the host allows 60 s for the read. */
export const MAX_AGENT_TIMEOUT_MS = 55_000;

export interface AgentExecReply { type: 'exec'; exit_code: number; stdout: string; stderr: string; timed_out: boolean }
export interface AgentErrorReply { type: 'error'; message: string }

export class AgentUnreachableError extends Error {
  override name = 'AgentUnreachableError';
}

/** The timeout the probe sees: the message `timeout` is what every runtime's exec timeout says. */
export class AgentTimeoutError extends Error {
  override name = 'ExecTimeoutError';
  constructor() { super('timeout'); }
}

/** Ring's wording (t17 greps `ring-agent`), told apart by whether the vsock device exists at all. */
export function unreachableMessage(cid: number, vsockPath: string, cause: string): string {
  const hint = existsSync(vsockPath)
    ? 'is ring-agent installed and running in the guest image (listening on vsock port 2375)?'
    : `the VM has no vsock device (${vsockPath} does not exist)`;
  return `cannot reach ring-agent in the guest (CID ${cid}): ${cause}. Command health checks need ring-agent: ${hint}`;
}

export function encodeFrame(obj: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(obj));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  return Buffer.concat([head, body]);
}

export async function agentExec(vsockPath: string, cid: number, command: string, timeoutMs: number): Promise<{ exitCode: number; output: string }> {
  const agentTimeout = Math.max(1, Math.min(timeoutMs, MAX_AGENT_TIMEOUT_MS));
  let sock: Socket;
  try {
    sock = await dial(vsockPath);
  } catch (err) {
    throw new AgentUnreachableError(unreachableMessage(cid, vsockPath, (err as Error).message));
  }
  try {
    await handshake(sock);
  } catch (err) {
    sock.destroy();
    throw new AgentUnreachableError(unreachableMessage(cid, vsockPath, (err as Error).message));
  }
  sock.write(encodeFrame({ type: 'exec', argv: ['/bin/sh', '-c', command], env: [], timeout_ms: agentTimeout }));
  const reply = await readFrame(sock) as AgentExecReply | AgentErrorReply;
  if (reply.type === 'error') throw new Error(`ring-agent: ${reply.message}`);
  if (reply.timed_out) throw new AgentTimeoutError();
  const output = [reply.stdout, reply.stderr].filter((s) => s && s.trim() !== '').join('\n');
  return { exitCode: reply.exit_code, output };
}

function dial(path: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const timer = setTimeout(() => { s.destroy(); reject(new Error(`connect timed out after ${CONNECT_TIMEOUT_MS}ms`)); }, CONNECT_TIMEOUT_MS);
    s.once('connect', () => { clearTimeout(timer); s.off('error', reject); resolve(s); });
    s.once('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

/** `CONNECT 2375\n` → `OK <port>\n`, read byte by byte (at most 64) so no agent bytes are swallowed. */
function handshake(sock: Socket): Promise<void> {
  return new Promise((resolve, reject) => {
    let line = '';
    const timer = setTimeout(() => finish(new Error('no answer to CONNECT within 5000ms')), CONNECT_TIMEOUT_MS);
    const finish = (err?: Error) => {
      clearTimeout(timer);
      sock.off('readable', onReadable);
      sock.off('close', onClose);
      sock.off('error', finish);
      if (err) reject(err); else resolve();
    };
    const onClose = () => finish(new Error('connection closed before OK (nothing listens on vsock port 2375 in the guest)'));
    const onReadable = () => {
      let b: Buffer | null;
      while ((b = sock.read(1) as Buffer | null) !== null) {
        const ch = b.toString('latin1');
        if (ch === '\n') {
          if (line.startsWith('OK ')) return finish();
          return finish(new Error(`unexpected handshake reply '${line}'`));
        }
        line += ch;
        if (line.length > 64) return finish(new Error('handshake reply too long'));
      }
    };
    sock.on('readable', onReadable);
    sock.once('close', onClose);
    sock.once('error', finish);
    sock.write(`CONNECT ${AGENT_PORT}\n`);
  });
}

function readFrame(sock: Socket): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => { sock.destroy(); reject(new AgentTimeoutError()); }, READ_TIMEOUT_MS);
    const done = (err: Error | null, value?: unknown) => {
      clearTimeout(timer);
      sock.removeAllListeners('data');
      sock.destroy();
      if (err) reject(err); else resolve(value);
    };
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readUInt32BE(0);
      if (len > MAX_REPLY) return done(new Error(`ring-agent reply of ${len} bytes exceeds ${MAX_REPLY}`));
      if (buf.length < 4 + len) return;
      try { done(null, JSON.parse(buf.subarray(4, 4 + len).toString('utf8'))); } catch (e) { done(new Error(`ring-agent sent a malformed reply: ${(e as Error).message}`)); }
    });
    sock.once('end', () => done(new Error('ring-agent closed the connection without a reply')));
    sock.once('error', (e) => done(e));
    // Bytes that arrived together with the OK line are still buffered in the stream.
    sock.resume();
  });
}
