import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import type { FlvcastConfig } from './config.js';
import { urlHost } from './listen-address.js';

/** How the ready banner names the formats beside FLV, and when they apply. */
const FORMAT_LABELS: Readonly<Record<string, readonly [string, string]>> = {
  ts: ['MPEG-TS', ''],
  aac: ['AAC', '  (audio only, AAC streams)'],
  mp3: ['MP3', '  (audio only, MP3 streams)'],
};

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export interface BannerAddresses {
  /** The public HTTP base URLs. */
  http: string[];
  rtmp: ReadonlyArray<{ address: string; port: number; tls?: boolean }>;
  api: readonly AddressInfo[];
}

/** The public HTTP base URLs of bound addresses (`https://` with a certificate). */
export function publicUrls(config: Pick<FlvcastConfig, 'httpsCert'>, bound: ReadonlyArray<{ address: string; port: number }>): string[] {
  const scheme = config.httpsCert === '' ? 'http' : 'https';
  return bound.map((a) => `${scheme}://${urlHost(a.address)}:${a.port}`);
}

/** The lines the server logs when it is ready: where to open, publish and play, and the API. */
export function readyBanner(config: FlvcastConfig, { http, rtmp: rtmpAddresses, api: apiAddresses }: BannerAddresses): string[] {
  const rtmp = rtmpAddresses.filter((a) => a.tls !== true).map((a) => `rtmp://${urlHost(a.address)}:${a.port}`);
  const rtmps = rtmpAddresses.filter((a) => a.tls === true).map((a) => `rtmps://${urlHost(a.address)}:${a.port}`);
  const lines = [`flvcast ${pkg.version} ready`];
  if (config.dashboard) lines.push(`  open:     ${http[0]}/  (web player and live stream list)`);
  lines.push(`  publish:  ffmpeg -re -i input.mp4 -c copy -f flv ${rtmp[0]}/live/cam1`, `            (OBS: server ${rtmp[0]}/live, stream key cam1)`);
  if (rtmps.length > 0) lines.push(`  RTMPS:    ${rtmps[0]}/live (OBS server URL; same stream keys)`);
  lines.push(`  play:     ffplay ${http[0]}/live/cam1.flv`);
  // The other formats the mount list serves, each on the same name (the audio ones where the codec fits).
  const extensions = new Set(config.mount.map((m) => /\.([a-z0-9]+)$/.exec(m)?.[1]).filter((e): e is string => e !== undefined && e !== 'flv'));
  for (const ext of extensions) {
    const [label, note] = FORMAT_LABELS[ext] ?? [`.${ext}`, ''];
    lines.push(`            ${label.padEnd(8)} ${http[0]}/live/cam1.${ext}${note}`);
  }
  if (http.length > 1) lines.push(`            (HTTP also on ${http.slice(1).join(', ')})`);
  if (config.websocket) lines.push(`            WS-FLV ${http[0]!.replace(/^http/, 'ws')}/live/cam1.flv (WS on every mount)`);
  const api = apiAddresses.map((a) => `http://${urlHost(a.address)}:${a.port}`);
  // The API has a listener of its own: a reverse proxy in front of the public port never reaches it.
  const apiAccess = config.apiToken === '' ? 'loopback only, no token' : 'loopback without a token, elsewhere with apiToken';
  if (api.length === 0) lines.push('  api:      off (apiListen)');
  else {
    if (config.api) lines.push(`  api:      ${api[0]}/api/v1/streams  (${apiAccess}; not on the public port)`);
    if (config.metrics) lines.push(`  metrics:  ${api[0]}/metrics`);
  }
  for (const spec of [...config.source.map((s) => s.split('=')[0]!), ...(config.demo ? ['live/demo'] : [])]) {
    lines.push(`  live now: ${http[0]}/${spec}.flv`);
  }
  return lines;
}
