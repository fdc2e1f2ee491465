// Cloud Hypervisor's REST API over its unix socket (node:http with socketPath). A fresh connection
// per call (Node's keep-alive agent against a server that closes gives ECONNRESET), a timeout per
// call, and CH's error bodies (a JSON array of the error chain since v47, plain text before) turned
// into one readable line.
import { request } from 'node:http';
import type { components } from '../../../generated/cloud-hypervisor.js';

export type VmConfig = components['schemas']['VmConfig'];
export type VmInfo = components['schemas']['VmInfo'];
export type VmCounters = components['schemas']['VmCounters'];
export type VmmPingResponse = components['schemas']['VmmPingResponse'];

export const INFO_TIMEOUT_MS = 2_000;
export const BOOT_TIMEOUT_MS = 10_000;

export class ChApiError extends Error {
  override name = 'ChApiError';
  constructor(readonly status: number, readonly chain: string[]) {
    super(`API error (${status}): ${chain.join(': ') || '(empty body)'}`);
  }
}

/** The socket did not answer at all: refused (a crashed VMM's stale socket), missing, or too slow. */
export class ChUnreachableError extends Error {
  override name = 'ChUnreachableError';
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** CH's error body → the chain of messages: a JSON array (≥ v47), else the text itself. */
export function errorChain(body: string): string[] {
  const text = body.trim();
  if (text === '') return [];
  try {
    const parsed: unknown = JSON.parse(text);
    if (Array.isArray(parsed)) return parsed.map(String);
    if (typeof parsed === 'string') return [parsed];
  } catch { /* plain text */ }
  return [text];
}

export class ChClient {
  constructor(readonly socketPath: string) {}

  call(method: 'GET' | 'PUT', endpoint: string, body?: unknown, timeoutMs = INFO_TIMEOUT_MS): Promise<unknown> {
    const payload = body === undefined ? '' : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request({
        socketPath: this.socketPath, path: `/api/v1/${endpoint}`, method, agent: false,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(payload), Accept: 'application/json' },
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => { text += c; });
        res.on('end', () => {
          clearTimeout(timer);
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) return reject(new ChApiError(status, errorChain(text)));
          if (text.trim() === '') return resolve(undefined);
          try { resolve(JSON.parse(text)); } catch { resolve(text); }
        });
        res.on('error', reject);
      });
      const timer = setTimeout(() => {
        req.destroy(new ChUnreachableError('ETIMEDOUT', `${endpoint} did not answer within ${timeoutMs}ms`));
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(err instanceof ChUnreachableError ? err : new ChUnreachableError(err.code ?? 'EIO', `cannot reach ${this.socketPath}: ${err.message}`));
      });
      req.end(payload);
    });
  }

  ping(): Promise<VmmPingResponse> { return this.call('GET', 'vmm.ping') as Promise<VmmPingResponse>; }
  info(timeoutMs = INFO_TIMEOUT_MS): Promise<VmInfo> { return this.call('GET', 'vm.info', undefined, timeoutMs) as Promise<VmInfo>; }
  counters(): Promise<VmCounters> { return this.call('GET', 'vm.counters') as Promise<VmCounters>; }
  async create(config: VmConfig): Promise<void> { await this.call('PUT', 'vm.create', config, BOOT_TIMEOUT_MS); }
  async boot(): Promise<void> { await this.call('PUT', 'vm.boot', undefined, BOOT_TIMEOUT_MS); }
  async shutdown(): Promise<void> { await this.call('PUT', 'vm.shutdown', undefined, BOOT_TIMEOUT_MS); }
  async delete(): Promise<void> { await this.call('PUT', 'vm.delete', undefined, BOOT_TIMEOUT_MS); }
  async shutdownVmm(): Promise<void> { await this.call('PUT', 'vmm.shutdown', undefined, BOOT_TIMEOUT_MS); }
}
