import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { HttpAppOptions } from '../http-app.js';

/** What a request with the wrong secret is routed to: no route, so a plain 404. */
const NOWHERE = '/-/not-found';

/**
 * The primary's HTTP-FLV listener for its workers: loopback only, on a port the system picks, and every
 * path starts with a secret made at startup (`/<secret>/live/cam1.flv`), so other local users and
 * processes cannot watch through it, uncounted and unchecked. The workers get it in their environment
 * (readable by the same user only). The secret is compared in constant time before routing.
 */
export class WorkerFeed {
  readonly #secret = Buffer.from(randomBytes(24).toString('base64url'));
  /** Workers pull FLV only; an edge names a vhost as `?vhost=`, which the rewrite turns into the path. */
  readonly mounts = ['[app]/[stream].flv', '[vhost]/[app]/[stream].flv'];

  /** The options of the primary's HTTP app that make it this feed. */
  appOptions(): Required<Pick<HttpAppOptions, 'listen' | 'rewriteUrl' | 'listenText'>> {
    return {
      listen: [{ host: '127.0.0.1', port: 0 }],
      rewriteUrl: (url) => this.rewrite(url),
      listenText: (address) => `workers' feed listening at ${address} (loopback, secret path)`,
    };
  }

  /** The origin a worker pulls from, once the feed listens. */
  originUrl(address: AddressInfo): string {
    return `http://127.0.0.1:${address.port}/${this.#secret.toString()}`;
  }

  /** `/<secret>/app/stream.flv?vhost=v&q` → `/v/app/stream.flv?q`; anything else → a path with no route. */
  rewrite(url: string): string {
    const at = url.indexOf('?');
    const path = at < 0 ? url : url.slice(0, at);
    const slash = path.indexOf('/', 1);
    const given = Buffer.from(slash < 0 ? path.slice(1) : path.slice(1, slash));
    if (slash < 0 || given.length !== this.#secret.length || !timingSafeEqual(given, this.#secret)) return NOWHERE;
    const params = new URLSearchParams(at < 0 ? '' : url.slice(at + 1));
    const vhost = params.get('vhost');
    params.delete('vhost');
    const query = params.toString();
    return `${vhost === null || vhost === '' ? '' : `/${encodeURIComponent(vhost)}`}${path.slice(slash)}${query === '' ? '' : `?${query}`}`;
  }
}
