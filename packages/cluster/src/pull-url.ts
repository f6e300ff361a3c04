import type { StreamKey } from '@flvcast/hub';

/**
 * An advertised base's problem, undefined when fine: `http(s)://host:port[/prefix]` (others pull
 * `/app/stream.flv` under it) or `rtmp(s)://host:port` (others play `app/stream`).
 */
export function advertiseProblem(base: string): string | undefined {
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    return `not a URL: ${JSON.stringify(base)}`;
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return `expected a base URL without query, fragment or credentials, got ${JSON.stringify(base)}`;
  if (url.protocol === 'http:' || url.protocol === 'https:') return undefined;
  if (url.protocol === 'rtmp:' || url.protocol === 'rtmps:') {
    return url.pathname.replace(/\/+$/, '') === '' ? undefined : `an rtmp base is rtmp://host[:port] (the app comes from the stream), got ${JSON.stringify(base)}`;
  }
  return `expected an http(s):// or rtmp(s):// base URL, got ${JSON.stringify(base)}`;
}

/**
 * Where others pull `key` from an origin advertising `base`: `http://10.0.0.5:8080/live/cam1.flv` or
 * `rtmp://10.0.0.5:1935/live/cam1`. A vhost rides as `?vhost=` (how flvcast's RTMP side reads it, and how
 * an edge asks its static origins), or, for an HTTP base whose mounts are `[vhost]/[app]/[stream].flv`
 * (`vhostInPath`), as the first path part. The caller checked the base with advertiseProblem.
 */
export function pullUrl(base: string, key: StreamKey, vhostInPath = false): string {
  const url = new URL(base);
  const http = url.protocol === 'http:' || url.protocol === 'https:';
  const inPath = http && vhostInPath && key.vhost !== '';
  const path = `${url.pathname.replace(/\/+$/, '')}/${inPath ? `${key.vhost}/` : ''}${key.app}/${key.stream}${http ? '.flv' : ''}`;
  return `${url.protocol}//${url.host}${path}${key.vhost === '' || inPath ? '' : `?vhost=${key.vhost}`}`;
}
