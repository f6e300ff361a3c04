import type { AccessContext, AccessEndContext, AccessEndHook, AccessHook, AccessVerdict } from './access-context.js';

/** SRS's HTTP hook names (the `action` field of the JSON body). */
export type HttpCallbackEvent = 'on_publish' | 'on_play' | 'on_unpublish' | 'on_stop';

/** The least of a pino/Fastify logger a callback needs. */
export interface CallbackLogger {
  warn(obj: object, msg: string): void;
}

export interface HttpCallbackOptions {
  /** Every URL is asked in order; all must allow. */
  urls: readonly string[];
  /** Per request. */
  timeoutMs: number;
  /** What an unreachable, timed-out or erroring (not 200/401/403) callback means. Default 'deny'. */
  onFailure?: 'deny' | 'allow';
  log?: CallbackLogger;
}

/** Answers are read up to this size: a callback server can't make us buffer without bound. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * An access hook that asks HTTP services, as SRS's `http_hooks` do: POST JSON {action, client_id, ip,
 * vhost, app, stream, param, tcUrl}. Allowed only on HTTP 200 whose body is `0` or `{"code": 0}`; any other
 * 200 answer refuses (403), 401/403 refuse with that status, and anything else is a failure handled by
 * `onFailure`.
 */
export function httpCallbackHook(event: 'on_publish' | 'on_play', opts: HttpCallbackOptions): AccessHook {
  return async (ctx) => {
    for (const url of opts.urls) {
      const verdict = await askOne(url, event, ctx, opts);
      if (verdict !== undefined) return verdict;
    }
    return undefined;
  };
}

/** A notification hook that POSTs the same JSON (plus bytes and reason) to every URL; answers are ignored. */
export function httpCallbackNotifier(event: 'on_unpublish' | 'on_stop', opts: HttpCallbackOptions): AccessEndHook {
  return async (ctx) => {
    await Promise.all(
      opts.urls.map(async (url) => {
        try {
          const res = await post(url, callbackBody(event, ctx), opts.timeoutMs);
          if (res.status !== 200) opts.log?.warn({ url, event, status: res.status }, 'http callback answered with an error');
        } catch (err) {
          opts.log?.warn({ url, event, err: (err as Error).message }, 'http callback failed');
        }
      }),
    );
  };
}

async function askOne(url: string, event: HttpCallbackEvent, ctx: AccessContext, opts: HttpCallbackOptions): Promise<AccessVerdict> {
  let res: { status: number; body: string };
  try {
    res = await post(url, callbackBody(event, ctx), opts.timeoutMs);
  } catch (err) {
    return failure(url, event, (err as Error).message, opts);
  }
  if (res.status === 401 || res.status === 403) return { status: res.status, reason: `refused by ${event} callback` };
  if (res.status !== 200) return failure(url, event, `HTTP ${res.status}`, opts);
  if (codeOf(res.body) === 0) return undefined;
  return { status: 403, reason: `refused by ${event} callback` };
}

function failure(url: string, event: HttpCallbackEvent, why: string, opts: HttpCallbackOptions): AccessVerdict {
  const allow = opts.onFailure === 'allow';
  opts.log?.warn({ url, event, err: why, onFailure: allow ? 'allow' : 'deny' }, 'http callback failed');
  return allow ? undefined : { status: 403, reason: `${event} callback failed` };
}

/** `0`, or a JSON object whose `code` is 0; anything else is not an approval. */
function codeOf(body: string): unknown {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'number') return parsed;
    if (parsed !== null && typeof parsed === 'object') return (parsed as { code?: unknown }).code;
  } catch {
    // not JSON: not an approval
  }
  return undefined;
}

function callbackBody(event: HttpCallbackEvent, ctx: AccessContext | AccessEndContext): Record<string, unknown> {
  const param = new URLSearchParams(ctx.query as Record<string, string>).toString();
  const body: Record<string, unknown> = {
    action: event,
    client_id: ctx.clientId,
    ip: ctx.ip,
    // SRS's name for "no vhost", which SRS-compatible callback services expect.
    vhost: ctx.vhost === '' ? '__defaultVhost__' : ctx.vhost,
    app: ctx.app,
    stream: ctx.stream,
    param: param === '' ? '' : `?${param}`,
    protocol: ctx.protocol,
  };
  if (ctx.tcUrl !== undefined) body.tcUrl = ctx.tcUrl;
  if ('bytes' in ctx) {
    body.bytes = ctx.bytes;
    body.reason = ctx.reason;
  }
  return body;
}

async function post(url: string, body: Record<string, unknown>, timeoutMs: number): Promise<{ status: number; body: string }> {
  const signal = AbortSignal.timeout(timeoutMs);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    redirect: 'manual',
    signal,
  });
  let text = '';
  if (res.body !== null) {
    const decoder = new TextDecoder();
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
      if (text.length > MAX_BODY_BYTES) {
        await reader.cancel();
        break;
      }
    }
  }
  return { status: res.status, body: text };
}
