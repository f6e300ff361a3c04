import type { StreamKey } from '@flvcast/hub';
import { RelayError, RelayErrorCode } from './relay-error.js';

/**
 * An origin's problem as an edge takes it (`http(s)://host[:port][/prefix]` pulls HTTP-FLV,
 * `rtmp(s)://host[:port]` plays RTMP), undefined when fine.
 */
export function originProblem(base: string): string | undefined {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `not a URL: ${JSON.stringify(base)}`;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return `an origin is a base URL without query, fragment or credentials, got ${JSON.stringify(base)}`;
  if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  if (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') {
    return url.pathname.replace(/\/+$/, '') === '' ? undefined : `an rtmp origin is rtmp://host[:port] (the app comes from the stream), got ${JSON.stringify(base)}`;
  }
  return `expected an http(s):// or rtmp(s):// origin, got ${JSON.stringify(base)}`;
}

/**
 * The URL an edge pulls `key` from at `base`, with the viewer's query (token traversal) and the vhost, when
 * there is one, as `vhost=` (how flvcast's RTMP side and SRS read it): `http://o:8080/live/cam1.flv?token=…`
 * or `rtmp://o:1935/live/cam1?token=…`. Throws ERR_RELAY_BAD_URL for a base that originProblem refuses.
 */
export function originStreamUrl(base: string, key: StreamKey, query: string): string {
  const problem = originProblem(base);
  if (problem !== undefined) throw new RelayError(RelayErrorCode.badUrl, problem);
  const url = new URL(base);
  const params = new URLSearchParams(query);
  if (key.vhost !== '' && !params.has('vhost')) params.set('vhost', key.vhost);
  const search = params.toString();
  const path = `${url.pathname.replace(/\/+$/, '')}/${encodeURIComponent(key.app)}/${encodeURIComponent(key.stream)}`;
  const http = url.protocol === 'http:' || url.protocol === 'https:';
  return `${url.protocol}//${url.host}${path}${http ? '.flv' : ''}${search === '' ? '' : `?${search}`}`;
}
