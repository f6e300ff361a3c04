import http, { type ClientRequest, type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { ConnectionOptions } from 'node:tls';
import { decodeScriptData, FlvDemuxer, type FlvTag } from '@flvcast/flv';
import { RelayError, RelayErrorCode } from './relay-error.js';
import type { Upstream, UpstreamHandlers } from './upstream.js';

export interface HttpFlvClientOptions {
  /** `http(s)://…/x.flv`. */
  url: string;
  /** Until the response headers (each redirect hop included). Default 10000 ms. */
  connectTimeoutMs?: number;
  /** From the response headers to the first audio/video tag. Default 10000 ms. */
  startTimeoutMs?: number;
  /** A body that brings nothing for this long is dropped. Default 20000 ms. */
  idleTimeoutMs?: number;
  /** Largest FLV tag accepted: the most the demuxer ever holds back. Default 8 MiB. */
  maxTagBytes?: number;
  /** Redirects followed (301, 302, 303, 307, 308). Default 3. */
  maxRedirects?: number;
  /** https: Node TLS options (`ca`, `rejectUnauthorized`). */
  tls?: ConnectionOptions;
}

/**
 * Reads a live HTTP-FLV stream (node's http/https, no agent): follows up to `maxRedirects` redirects,
 * streams the body through FlvDemuxer and hands each tag on as it completes. Nothing accumulates: tags go
 * out synchronously, and the demuxer holds back at most one tag (`maxTagBytes`). Timeouts on the response,
 * the first media tag and silence; failures are RelayErrors.
 */
export class HttpFlvClient implements Upstream {
  readonly #opts: HttpFlvClientOptions;
  readonly #handlers: UpstreamHandlers;
  #req: ClientRequest | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #done = false;
  #closing = false;
  #mediaSeen = false;
  #started: { resolve: () => void; reject: (err: RelayError) => void } | undefined;
  bytesReceived = 0;
  /** The URL answered at last, after redirects. */
  finalUrl: string;

  constructor(opts: HttpFlvClientOptions, handlers: UpstreamHandlers = {}) {
    this.#opts = opts;
    this.#handlers = handlers;
    this.finalUrl = opts.url;
    const protocol = safeProtocol(opts.url);
    if (protocol !== 'http:' && protocol !== 'https:') throw new RelayError(RelayErrorCode.badUrl, `expected an http:// or https:// URL, got ${JSON.stringify(opts.url)}`);
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#started = { resolve, reject };
      this.#get(this.#opts.url, 0);
    });
  }

  async close(): Promise<void> {
    if (this.#done) return;
    this.#closing = true;
    this.#req?.destroy();
    this.#finish(undefined);
  }

  #get(url: string, redirects: number): void {
    if (this.#done) return;
    this.finalUrl = url;
    const ms = this.#opts.connectTimeoutMs ?? 10_000;
    this.#arm(ms, RelayErrorCode.connectTimeout, `${url}: no response within ${ms} ms`);
    const isHttps = safeProtocol(url) === 'https:';
    const get = isHttps ? https.get : http.get;
    let req: ClientRequest;
    try {
      req = get(url, { agent: false, headers: { 'user-agent': 'flvcast-pull', accept: 'video/x-flv, */*' }, ...(isHttps ? this.#opts.tls : {}) }, (res) => this.#onResponse(url, res, redirects));
    } catch (err) {
      this.#finish(new RelayError(RelayErrorCode.badUrl, `${url}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    this.#req = req;
    req.on('error', (err) => this.#finish(this.#closing ? undefined : new RelayError(RelayErrorCode.socket, `${url}: ${err.message}`, { cause: err })));
  }

  #onResponse(url: string, res: IncomingMessage, redirects: number): void {
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location !== undefined) {
      res.resume();
      this.#req?.destroy();
      const max = this.#opts.maxRedirects ?? 3;
      if (redirects >= max) return this.#finish(new RelayError(RelayErrorCode.tooManyRedirects, `${url}: more than ${max} redirects`));
      let next: string;
      try {
        next = new URL(res.headers.location, url).href;
      } catch {
        return this.#finish(new RelayError(RelayErrorCode.protocol, `${url}: bad redirect location`));
      }
      const protocol = safeProtocol(next);
      if (protocol !== 'http:' && protocol !== 'https:') return this.#finish(new RelayError(RelayErrorCode.protocol, `${url}: redirect to ${protocol}`));
      this.#get(next, redirects + 1);
      return;
    }
    if (status !== 200) {
      res.resume();
      this.#req?.destroy();
      return this.#finish(new RelayError(RelayErrorCode.refused, `${url}: HTTP ${status}`));
    }
    const startMs = this.#opts.startTimeoutMs ?? 10_000;
    this.#arm(startMs, RelayErrorCode.startTimeout, `${url}: no media within ${startMs} ms`);
    const idleMs = this.#opts.idleTimeoutMs ?? 20_000;
    res.socket.setTimeout(idleMs, () => this.#finish(new RelayError(RelayErrorCode.idleTimeout, `${url}: nothing for ${idleMs} ms`)));
    const demuxer = new FlvDemuxer({ maxTagSize: this.#opts.maxTagBytes ?? 8 * 1024 * 1024 });
    this.#started?.resolve();
    this.#started = undefined;
    res.on('data', (chunk: Buffer) => {
      if (this.#done) return;
      this.bytesReceived += chunk.byteLength;
      let tags: FlvTag[];
      try {
        tags = demuxer.push(chunk);
      } catch (err) {
        this.#req?.destroy();
        return this.#finish(new RelayError(RelayErrorCode.protocol, `${url}: ${(err as Error).message}`, { cause: err }));
      }
      for (const tag of tags) {
        if (this.#done) return;
        this.#onTag(tag);
      }
    });
    res.on('end', () => this.#finish(new RelayError(RelayErrorCode.closed, `${url}: the response ended`)));
    res.on('error', (err) => this.#finish(this.#closing ? undefined : new RelayError(RelayErrorCode.socket, `${url}: ${err.message}`, { cause: err })));
    res.on('close', () => this.#finish(this.#closing ? undefined : new RelayError(RelayErrorCode.closed, `${url}: the connection closed`)));
  }

  #onTag(tag: FlvTag): void {
    if (tag.type === 8 || tag.type === 9) {
      if (!this.#mediaSeen) {
        this.#mediaSeen = true;
        this.#clearTimer();
      }
      this.#handlers.onMedia?.(tag.type, tag.timestamp, tag.payload);
    } else if (tag.type === 18) {
      try {
        const { name, value } = decodeScriptData(tag.payload);
        this.#handlers.onData?.(name, value, tag.timestamp);
      } catch {
        // unreadable script data: skipped
      }
    }
  }

  #arm(ms: number, code: RelayErrorCode, message: string): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#req?.destroy();
      this.#finish(new RelayError(code, message));
    }, ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #finish(err: RelayError | undefined): void {
    if (this.#done) return;
    this.#done = true;
    this.#clearTimer();
    this.#req?.destroy();
    const started = this.#started;
    this.#started = undefined;
    started?.reject(err ?? new RelayError(RelayErrorCode.closed, `${this.finalUrl}: closed before it started`));
    this.#handlers.onClose?.(err);
  }
}

function safeProtocol(url: string): string {
  try {
    return new URL(url).protocol;
  } catch {
    return '';
  }
}
