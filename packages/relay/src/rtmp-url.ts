import { RelayError, RelayErrorCode } from './relay-error.js';

/** An `rtmp://` or `rtmps://` URL taken apart the way RTMP clients do (ffmpeg, OBS, nginx-rtmp's push). */
export interface RtmpUrl {
  readonly secure: boolean;
  /** Host name or address (IPv6 without brackets). */
  readonly host: string;
  /** 1935 for rtmp, 443 for rtmps unless given. */
  readonly port: number;
  /** The application: the first path segment. */
  readonly app: string;
  /** The stream name (rest of the path) with its `?query`, or undefined when the URL names none. */
  readonly stream: string | undefined;
  /** The query of a URL without a stream part: it goes with the stream name chosen later. */
  readonly query: string;
  /** What the connect command carries: `rtmp://host:port/app`. */
  readonly tcUrl: string;
}

/**
 * Parses `rtmp[s]://host[:port]/app[/stream[?query]]`. The app is the first path segment and the stream
 * the rest (it may hold `/`); without a stream part the caller supplies one (a forward uses the source's
 * name). Throws RelayError ERR_RELAY_BAD_URL.
 */
export function parseRtmpUrl(text: string): RtmpUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RelayError(RelayErrorCode.badUrl, `not a URL: ${JSON.stringify(text)}`);
  }
  const secure = url.protocol === 'rtmps:';
  if (!secure && url.protocol !== 'rtmp:') throw new RelayError(RelayErrorCode.badUrl, `expected an rtmp:// or rtmps:// URL, got ${url.protocol}`);
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw new RelayError(RelayErrorCode.badUrl, `no host in ${JSON.stringify(text)}`);
  const port = url.port === '' ? (secure ? 443 : 1935) : Number(url.port);
  const path = url.pathname.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  const app = decode(slash < 0 ? path : path.slice(0, slash), text);
  if (app === '') throw new RelayError(RelayErrorCode.badUrl, `no application in ${JSON.stringify(text)} (rtmp://host/app[/stream])`);
  const rest = slash < 0 ? '' : decode(path.slice(slash + 1), text);
  const query = url.search.replace(/^\?/, '');
  const stream = rest === '' ? undefined : query === '' ? rest : `${rest}?${query}`;
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return { secure, host, port, app, stream, query: rest === '' ? query : '', tcUrl: `${secure ? 'rtmps' : 'rtmp'}://${hostPart}:${port}/${app}` };
}

/** Percent-decoding that fails as a bad URL (`%zz`), not as an untyped URIError. */
function decode(part: string, text: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new RelayError(RelayErrorCode.badUrl, `malformed percent-encoding in ${JSON.stringify(text)}`);
  }
}

/** `name` with `key=value` appended to its query (`name?key=value`, or `&key=value` after an existing one). */
export function withQueryParam(name: string, key: string, value: string): string {
  return `${name}${name.includes('?') ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}
