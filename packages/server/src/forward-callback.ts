import type { ForwardLookup, ForwardRequest } from '@flvcast/relay';

export interface ForwardCallbackOptions {
  urls: readonly string[];
  timeoutMs: number;
  log?: { warn(obj: object, msg: string): void };
}

/** Answers are read up to this size: a callback server cannot make us buffer without bound. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * SRS's dynamic forward (`on_forward`) as a relay lookup: POSTs `{action: 'on_forward', vhost, app, stream,
 * param, ip, protocol, hops}` to every URL and takes the destinations from `{"urls": [...]}` (or SRS's
 * `{"code": 0, "data": {"urls": [...]}}`). An unreachable, slow or odd answer adds nothing (logged).
 */
export function httpCallbackLookup(opts: ForwardCallbackOptions): ForwardLookup {
  return async (req) => {
    const all: string[] = [];
    for (const url of opts.urls) {
      try {
        all.push(...(await askOne(url, req, opts.timeoutMs)));
      } catch (err) {
        opts.log?.warn({ url, event: 'on_forward', err: (err as Error).message }, 'http callback failed');
      }
    }
    return all;
  };
}

async function askOne(url: string, req: ForwardRequest, timeoutMs: number): Promise<string[]> {
  const query = new URLSearchParams(req.query as Record<string, string>).toString();
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ action: 'on_forward', vhost: req.vhost, app: req.app, stream: req.stream, param: query === '' ? '' : `?${query}`, ip: req.remoteAddress ?? '', protocol: req.protocol, hops: req.hops }),
    signal: AbortSignal.timeout(timeoutMs),
    redirect: 'error',
  });
  const body = await readBounded(res);
  if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
  const parsed = JSON.parse(body) as { urls?: unknown; code?: unknown; data?: { urls?: unknown } };
  const urls = parsed.urls ?? (parsed.code === 0 ? parsed.data?.urls : undefined);
  if (urls === undefined) return [];
  if (!Array.isArray(urls) || urls.some((u) => typeof u !== 'string')) throw new Error('expected {"urls": [strings]}');
  return urls as string[];
}

async function readBounded(res: Response): Promise<string> {
  const reader = res.body?.getReader();
  if (reader === undefined) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      await reader.cancel();
      throw new Error(`answer larger than ${MAX_BODY_BYTES} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
