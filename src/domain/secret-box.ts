// Secret values at rest (RING.md §9): AES-256-GCM under RING_SECRET_KEY, a fresh random 12-byte
// nonce per value, stored as one BLOB = nonce ‖ ciphertext ‖ 16-byte tag.
//
// Each value is bound to its `<namespace>/<name>` as additional authenticated data, so a blob
// copied onto another row (by hand, or by a bug) fails to open instead of silently becoming
// that secret's value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const ALGORITHM = 'aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export class SecretDecryptionError extends Error {
  override name = 'SecretDecryptionError';
}

export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error(`an AES-256 key is 32 bytes, got ${key.length}`);
    // A private copy: the caller's buffer may be reused or zeroed.
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, namespace: string, name: string): Buffer {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.#key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(aad(namespace, name));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([nonce, body, cipher.getAuthTag()]);
  }

  /** Throws SecretDecryptionError for a blob sealed under another key, for another row, or tampered with. */
  open(blob: Buffer, namespace: string, name: string): string {
    if (blob.length < NONCE_BYTES + TAG_BYTES) throw new SecretDecryptionError(`secret '${name}' in namespace '${namespace}' is truncated`);
    const nonce = blob.subarray(0, NONCE_BYTES);
    const tag = blob.subarray(blob.length - TAG_BYTES);
    const body = blob.subarray(NONCE_BYTES, blob.length - TAG_BYTES);
    try {
      const decipher = createDecipheriv(ALGORITHM, this.#key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(aad(namespace, name));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretDecryptionError(
        `secret '${name}' in namespace '${namespace}' cannot be decrypted (sealed under another RING_SECRET_KEY, or altered)`,
      );
    }
  }
}

function aad(namespace: string, name: string): Buffer {
  return Buffer.from(`${namespace}/${name}`, 'utf8');
}
