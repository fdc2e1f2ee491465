// RING_SECRET_KEY: base64 of exactly 32 bytes (AES-256). The server refuses to start without it.
export type SecretKeyResult = { ok: true; key: Buffer } | { ok: false; reason: string };

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export function parseSecretKey(raw: string | undefined): SecretKeyResult {
  if (raw === undefined || raw.trim() === '') {
    return { ok: false, reason: 'RING_SECRET_KEY environment variable is not set. Generate one with: openssl rand -base64 32' };
  }
  const text = raw.trim();
  if (!BASE64.test(text)) {
    return { ok: false, reason: 'RING_SECRET_KEY is not valid base64: expected the output of `openssl rand -base64 32`' };
  }
  const key = Buffer.from(text, 'base64');
  if (key.length !== 32) {
    return { ok: false, reason: `RING_SECRET_KEY must decode to exactly 32 bytes (256 bits), got ${key.length}` };
  }
  return { ok: true, key };
}
