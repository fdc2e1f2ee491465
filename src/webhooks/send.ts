// One signed POST to one subscriber (RING.md §7.2 "Request"). node:http rather than fetch: it
// never follows redirects (a 3xx is a failure, so a receiver cannot bounce us to an internal
// address), and its `lookup` hook lets us refuse a hostname that resolves to a blocked address
// (Ring only checks literal IPs, §14).
import { createHmac } from 'node:crypto';
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { blockedAddressReason, urlProblem, type UrlPolicy } from '../domain/webhooks.js';

export interface Delivery {
  url: string;
  secret: string;
  kind: string;
  /** The exact bytes that are signed and sent. */
  body: string;
}

export interface SendOptions {
  userAgent: string;
  timeoutMs: number;
  policy: UrlPolicy;
  /** Aborting (server shutdown) ends the request; the result then says `aborted`. */
  signal?: AbortSignal;
}

export type SendResult = { ok: true; status: number } | { ok: false; error: string; aborted?: boolean };

/** `sha256=<hex HMAC-SHA256(secret, body)>`. */
export function signature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

function guardedLookup(policy: UrlPolicy) {
  return (hostname: string, options: object, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options }, ((err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => {
      if (err) return callback(err, address, family);
      const all = Array.isArray(address) ? address : [{ address, family: family ?? 4 }];
      for (const a of all) {
        const why = blockedAddressReason(a.address, policy);
        if (why) {
          const e: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${a.address}, a ${why}; refusing to call it`);
          e.code = 'ERING_BLOCKED_ADDRESS';
          return callback(e, address, family);
        }
      }
      callback(null, address, family);
    }) as never);
  };
}

export function send(d: Delivery, opts: SendOptions): Promise<SendResult> {
  // Checked again at send time: the policy may have changed since the webhook was created.
  const problem = urlProblem(d.url, opts.policy);
  if (problem) return Promise.resolve({ ok: false, error: `refused: ${problem}` });
  const url = new URL(d.url);
  const body = Buffer.from(d.body, 'utf8');
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<SendResult>((resolve) => {
    let settled = false;
    const finish = (r: SendResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve(r);
    };
    const req = client.request(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'user-agent': opts.userAgent,
        'x-ring-event': d.kind,
        'x-ring-signature': signature(d.secret, d.body),
      },
      lookup: guardedLookup(opts.policy) as never,
      agent: false,
    }, (res) => {
      const status = res.statusCode ?? 0;
      // The body is not ours to read; drain it so the socket closes cleanly.
      res.resume();
      res.on('end', () => finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, error: `HTTP ${status}` }));
      res.on('error', (e) => finish({ ok: false, error: e.message }));
    });
    const timer = setTimeout(() => req.destroy(new Error(`no response within ${opts.timeoutMs / 1000} s`)), opts.timeoutMs);
    const onAbort = () => {
      req.destroy(new Error('delivery interrupted by shutdown'));
      finish({ ok: false, error: 'delivery interrupted by shutdown', aborted: true });
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (e: NodeJS.ErrnoException) => finish({ ok: false, error: e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message }));
    req.end(body);
  });
}
