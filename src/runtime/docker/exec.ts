import type Docker from 'dockerode';
import type { Duplex } from 'node:stream';
import { RuntimeError } from '../runtime.js';
import { ExecTimeoutError, dockerMessage } from './errors.js';
import { FrameDecoder } from './multiplex.js';

/** Probe output is for humans; a chatty command must not grow the server's memory. */
const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs argv in the container and returns its exit code with stdout+stderr interleaved.
 * Throws ExecTimeoutError after timeoutMs (the process may keep running: Docker cannot kill an exec).
 */
export async function execInInstance(
  docker: Docker,
  instanceId: string,
  argv: string[],
  timeoutMs: number,
): Promise<{ exitCode: number; output: string }> {
  const deadline = Date.now() + timeoutMs;
  let stream: Duplex | undefined;
  let timedOut = false;

  const run = async (): Promise<{ exitCode: number; output: string }> => {
    let exec: Docker.Exec;
    try {
      exec = await docker.getContainer(instanceId).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true });
      stream = (await exec.start({ hijack: true, stdin: false })) as Duplex;
    } catch (err) {
      throw new RuntimeError('runtime_error', `exec in ${instanceId} failed: ${dockerMessage(err)}`, { cause: err });
    }
    if (timedOut) stream.destroy();
    const output = await drain(stream);
    // The stream can end a moment before the daemon records the exit code.
    for (;;) {
      const info = await exec.inspect();
      if (!info.Running && info.ExitCode !== null) return { exitCode: info.ExitCode, output };
      if (timedOut || Date.now() >= deadline) throw new ExecTimeoutError(timeoutMs);
      await sleep(20);
    }
  };

  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      stream?.destroy();
      reject(new ExecTimeoutError(timeoutMs));
    }, Math.max(0, timeoutMs));
  });
  const running = run();
  // Whichever loses the race must not surface as an unhandled rejection.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function drain(stream: Duplex): Promise<string> {
  return new Promise((resolve) => {
    const decoder = new FrameDecoder();
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      resolve(Buffer.concat(chunks).toString('utf8'));
    };
    stream.on('data', (chunk: Buffer) => {
      for (const frame of decoder.push(chunk)) {
        if (size >= MAX_OUTPUT_BYTES) continue;
        const part = frame.data.subarray(0, MAX_OUTPUT_BYTES - size);
        chunks.push(part);
        size += part.length;
      }
    });
    stream.on('end', finish);
    stream.on('close', finish);
    stream.on('error', finish);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
