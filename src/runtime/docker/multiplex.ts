import { StringDecoder } from 'node:string_decoder';

/**
 * Decoder for Docker's multiplexed attach/log stream (8-byte header: stream type, 3 zero bytes,
 * big-endian length). Used instead of modem.demuxStream because it keeps stdout and stderr in
 * their original order, works on the Buffer a non-follow logs call returns as well as on a live
 * stream, and tolerates frames split across chunks.
 */
export type StreamKind = 'stdout' | 'stderr';

export class FrameDecoder {
  private pending: Buffer = Buffer.alloc(0);

  /** Feeds one chunk; returns every complete frame it finishes. */
  push(chunk: Buffer): { kind: StreamKind; data: Buffer }[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const frames: { kind: StreamKind; data: Buffer }[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      const type = this.pending[offset];
      const size = this.pending.readUInt32BE(offset + 4);
      if (this.pending.length - offset - 8 < size) break;
      const data = this.pending.subarray(offset + 8, offset + 8 + size);
      // Type 0 (stdin) never carries output; treat anything but 2 as stdout.
      frames.push({ kind: type === 2 ? 'stderr' : 'stdout', data });
      offset += 8 + size;
    }
    this.pending = this.pending.subarray(offset);
    return frames;
  }
}

/**
 * Splits a byte stream into lines, holding a trailing partial line (and a split UTF-8 sequence)
 * until more arrives.
 */
export class LineSplitter {
  private partial = '';
  private readonly decoder = new StringDecoder('utf8');

  push(bytes: Buffer): string[] {
    const parts = (this.partial + this.decoder.write(bytes)).split('\n');
    this.partial = parts.pop() ?? '';
    return parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  }

  flush(): string[] {
    const rest = this.partial + this.decoder.end();
    this.partial = '';
    return rest === '' ? [] : [rest];
  }
}
