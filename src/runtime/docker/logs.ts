import type Docker from 'dockerode';
import { RuntimeError, type LogLine, type LogOptions } from '../runtime.js';
import { dockerMessage, isNotFound } from './errors.js';
import { FrameDecoder, LineSplitter, type StreamKind } from './multiplex.js';

/**
 * Below this, `sinceSeconds` cannot be a Unix time (it would be 1970s), so it is read as
 * "seconds ago"; callers may pass either.
 */
const EPOCH_FLOOR = 1_000_000_000;

/**
 * stdout+stderr of one instance, oldest first. `sinceSeconds` is Unix seconds (or seconds ago,
 * see EPOCH_FLOOR). With `follow`, the iterable stays open until the container stops or
 * `signal` aborts; without it, it ends after the backlog.
 */
export async function* readLogs(docker: Docker, instanceId: string, opts: LogOptions): AsyncGenerator<LogLine> {
  const container = docker.getContainer(instanceId);
  let name: string;
  let tty: boolean;
  try {
    const info = await container.inspect();
    name = info.Name.replace(/^\//, '');
    tty = info.Config.Tty;
  } catch (err) {
    const what = isNotFound(err) ? `instance ${instanceId} not found` : dockerMessage(err);
    throw new RuntimeError('runtime_error', `Failed to read logs: ${what}`, { cause: err });
  }

  const since = opts.sinceSeconds === undefined ? 0
    : opts.sinceSeconds < EPOCH_FLOOR ? Math.floor(Date.now() / 1000 - opts.sinceSeconds)
    : Math.floor(opts.sinceSeconds);
  // No tail means everything (the daemon's default is "all").
  const base = {
    stdout: true,
    stderr: true,
    timestamps: true,
    since,
    ...(opts.tail === undefined ? {} : { tail: Math.max(0, Math.floor(opts.tail)) }),
  };
  const parser = new LogParser(name, tty);

  if (!opts.follow) {
    let buf: Buffer;
    try {
      buf = await container.logs({ ...base, follow: false });
    } catch (err) {
      throw new RuntimeError('runtime_error', `Failed to read logs of ${name}: ${dockerMessage(err)}`, { cause: err });
    }
    yield* parser.push(buf);
    yield* parser.flush();
    return;
  }

  if (opts.signal?.aborted) return;
  let stream: NodeJS.ReadableStream & { destroy?: () => void };
  try {
    stream = await container.logs({ ...base, follow: true as const, abortSignal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) return;
    throw new RuntimeError('runtime_error', `Failed to follow logs of ${name}: ${dockerMessage(err)}`, { cause: err });
  }
  const onAbort = (): void => stream.destroy?.();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for await (const chunk of stream) {
      yield* parser.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    }
    yield* parser.flush();
  } catch (err) {
    if (!opts.signal?.aborted) {
      throw new RuntimeError('runtime_error', `Log stream of ${name} broke: ${dockerMessage(err)}`, { cause: err });
    }
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    stream.destroy?.();
  }
}

/** Frames → per-stream lines → LogLine; a TTY container has one raw stream with no frames. */
class LogParser {
  private readonly frames = new FrameDecoder();
  private readonly lines: Record<StreamKind, LineSplitter> = { stdout: new LineSplitter(), stderr: new LineSplitter() };

  constructor(private readonly instance: string, private readonly tty: boolean) {}

  *push(chunk: Buffer): Generator<LogLine> {
    const frames = this.tty ? [{ kind: 'stdout' as const, data: chunk }] : this.frames.push(chunk);
    for (const f of frames) {
      for (const line of this.lines[f.kind].push(f.data)) {
        const parsed = this.toLine(line, f.kind);
        if (parsed) yield parsed;
      }
    }
  }

  *flush(): Generator<LogLine> {
    for (const kind of ['stdout', 'stderr'] as const) {
      for (const line of this.lines[kind].flush()) {
        const parsed = this.toLine(line, kind);
        if (parsed) yield parsed;
      }
    }
  }

  private toLine(raw: string, kind: StreamKind): LogLine | null {
    // With timestamps=true every line starts with an RFC 3339 (nanosecond) time and one space.
    const m = /^(\d{4}-\d{2}-\d{2}T\S+) ?(.*)$/s.exec(raw);
    const timestamp = m ? m[1] : null;
    const message = m ? m[2] : raw;
    if (message.trim() === '') return null;
    return { instance: this.instance, message, level: kind === 'stderr' ? 'error' : 'info', timestamp };
  }
}
