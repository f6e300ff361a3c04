import type { StreamKey } from '@flvcast/hub';

/**
 * Where others pull `key` from an origin advertising `base`: `http://10.0.0.5:8080/live/cam1.flv` or
 * `rtmp://10.0.0.5:1935/live/cam1`. A vhost rides as `?vhost=` (how flvcast's RTMP side reads it, and how
 * an edge asks its static origins), or, for an HTTP base whose mounts are `[vhost]/[app]/[stream].flv`
 * (`vhostInPath`), as the first path part. The caller checked the base with @flvcast/relay's originProblem (an advertised base is what an edge's origin is).
 */
export function pullUrl(base: string, key: StreamKey, vhostInPath = false): string {
  const url = new URL(base);
  const http = url.protocol === 'http:' || url.protocol === 'https:';
  const inPath = http && vhostInPath && key.vhost !== '';
  const path = `${url.pathname.replace(/\/+$/, '')}/${inPath ? `${key.vhost}/` : ''}${key.app}/${key.stream}${http ? '.flv' : ''}`;
  return `${url.protocol}//${url.host}${path}${key.vhost === '' || inPath ? '' : `?vhost=${key.vhost}`}`;
}
