import type Docker from 'dockerode';
import { StringDecoder } from 'node:string_decoder';
import type { RuntimeEvent, RuntimeEventKind } from '../runtime.js';
import { DEPLOYMENT_LABEL } from './labels.js';
import { isVisibleTo } from './ownership.js';

const KINDS: readonly RuntimeEventKind[] = ['die', 'oom', 'kill', 'start'];

interface RawEvent {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
  timeNano?: number;
}

/**
 * Lifecycle events of this server's containers (see ownership.ts). The iterable ends (without throwing) when the daemon
 * closes or breaks the stream or `signal` aborts; resubscribing is the caller's job.
 */
export async function* watchEvents(docker: Docker, signal: AbortSignal, serverId?: string): AsyncGenerator<RuntimeEvent> {
  if (signal.aborted) return;
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = (await docker.getEvents({
      filters: { type: ['container'], event: [...KINDS], label: [DEPLOYMENT_LABEL] },
      abortSignal: signal,
    } as Docker.GetEventsOptions)) as NodeJS.ReadableStream & { destroy?: () => void };
  } catch {
    return;
  }
  const onAbort = (): void => stream.destroy?.();
  signal.addEventListener('abort', onAbort, { once: true });
  let partial = '';
  const decoder = new StringDecoder('utf8');
  try {
    for await (const chunk of stream) {
      // One JSON object per line, but a chunk may hold several or end mid-object.
      const lines = (partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        const event = parseEvent(line, serverId);
        if (event) yield event;
      }
    }
  } catch {
    // A broken or aborted stream just ends the iterable.
  } finally {
    signal.removeEventListener('abort', onAbort);
    stream.destroy?.();
  }
}

/** null for a line that is not one of our lifecycle events, including another server's container. */
export function parseEvent(line: string, serverId?: string): RuntimeEvent | null {
  if (line.trim() === '') return null;
  let raw: RawEvent;
  try {
    raw = JSON.parse(line) as RawEvent;
  } catch {
    return null;
  }
  // `Action` can carry a suffix for exec events ("exec_start: sh"); ours never do, but be strict.
  const action = (raw.Action ?? raw.status ?? '') as RuntimeEventKind;
  if (!KINDS.includes(action)) return null;
  // The event's attributes carry the container's labels.
  const attrs = raw.Actor?.Attributes ?? {};
  if (!isVisibleTo(attrs, serverId)) return null;
  const exit = attrs.exitCode;
  return {
    kind: action,
    instanceId: raw.Actor?.ID ?? raw.id ?? '',
    deploymentId: attrs[DEPLOYMENT_LABEL] ?? '',
    exitCode: exit !== undefined && /^-?\d+$/.test(exit) ? Number(exit) : null,
    at: raw.timeNano ? Math.floor(raw.timeNano / 1e6) : (raw.time ?? 0) * 1000,
  };
}
