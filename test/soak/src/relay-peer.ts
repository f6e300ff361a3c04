/**
 * Forward and pull in the soak. A second flvcast (the peer) runs beside the soaked one:
 * - the soaked server forwards every publisher's stream to it (`--forward live/s*=rtmp://peer/fwd`), so each
 *   publisher restart tests a forward riding the grace window;
 * - the soaked server pulls the forwarded copies back: one on-demand HTTP-FLV pull per publisher
 *   (`live/p<n>`, started and idled by the soak's own churn of viewers) and a few always-on RTMP pulls
 *   (`live/r<n>`, RTMP play of the peer).
 * Viewers of the pulled streams are ordinary HTTP-FLV viewers of the soaked server; their gaps are charged
 * to the publisher the chain starts from. A pulled stream that does not come (404 after pullWaitMs) is a
 * failing viewer. The forwards' and pulls' states are sampled from the soaked server's API.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { refused, track, type ClientKind, type Viewer } from './soak-viewer.js';

/** Always-on RTMP pulls: of the first few publishers only (each one is a constant player of the peer). */
export const RTMP_PULLS = 3;

export interface Peer {
  child: ChildProcess;
  http: number;
  rtmp: number;
  output: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The peer: the same CLI on random loopback ports, without the demo, the API or the dashboard. */
export async function startPeer(cli: string): Promise<Peer> {
  const child = spawn(process.execPath, [cli, '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--api-listen', 'off', '--no-dashboard'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const peer: Peer = { child, http: 0, rtmp: 0, output: '' };
  const keep = (d: Buffer): void => {
    peer.output += d.toString('utf8');
    if (peer.output.length > 2_000_000) peer.output = peer.output.slice(-1_000_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const deadline = performance.now() + 15_000;
  while (!/ready/.test(peer.output) || !/rtmp:\/\/127\.0\.0\.1:\d+/.test(peer.output)) {
    if (performance.now() > deadline || child.exitCode !== null) {
      child.kill('SIGKILL');
      throw new Error(`the relay peer did not start:\n${peer.output}`);
    }
    await sleep(50);
  }
  peer.http = Number(/play: +ffplay http:\/\/127\.0\.0\.1:(\d+)/.exec(peer.output)![1]);
  peer.rtmp = Number(/rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(peer.output)![1]);
  return peer;
}

/** The soaked server's flags for the forward to the peer and the pulls back. */
export function relayArgs(peer: Peer, publishers: number): string[] {
  // The publishers' streams (s<n>) only: the pulled copies (p<n>, r<n>) are not sent back.
  const args = ['--forward', `live/s*=rtmp://127.0.0.1:${peer.rtmp}/fwd`];
  for (let i = 0; i < publishers; i++) args.push('--pull-on-demand', `live/p${i}=http://127.0.0.1:${peer.http}/fwd/s${i}.flv`);
  for (let i = 0; i < Math.min(RTMP_PULLS, publishers); i++) args.push('--pull', `live/r${i}=rtmp://127.0.0.1:${peer.rtmp}/fwd/s${i}`);
  return args;
}

/**
 * An HTTP-FLV viewer of a pulled stream on the soaked server: `prefix` p (on demand, any publisher) or r
 * (always on, the first RTMP_PULLS publishers). `viewer.stream` is the publisher the chain starts from, so
 * its restarts excuse the gaps they cause. A status other than 200 is a refusal.
 */
export function pulledKind(name: string, prefix: 'p' | 'r'): ClientKind {
  return {
    name,
    open(ports, stream, slow) {
      const n = Number(stream.slice(1));
      const source = prefix === 'r' ? `s${n % RTMP_PULLS}` : stream;
      const path = `/live/${prefix}${source.slice(1)}.flv`;
      const socket = net.connect({ port: ports.http, host: '127.0.0.1' });
      let closed = false;
      let head = '';
      let body = false;
      const viewer: Viewer = { kind: name, stream: source, slow, gaps: [], bytes: 0, close: () => socket.destroy(), get closed() { return closed; } };
      const t = track(viewer, () => socket.pause(), () => socket.resume());
      socket.on('error', () => {});
      socket.once('connect', () => socket.write(`GET ${path} HTTP/1.1\r\nHost: soak\r\nUser-Agent: flvcast-soak\r\n\r\n`));
      socket.on('data', (d: Buffer) => {
        if (body) return t.data(d.length);
        // Only the body counts: a 404's headers and message are not media.
        head += d.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
        if (status !== '200') {
          refused(viewer, `HTTP ${status ?? '?'} for ${path}`);
          socket.destroy();
          return;
        }
        body = true;
        const rest = head.length - end - 4;
        if (rest > 0) t.data(rest);
      });
      socket.once('close', () => {
        closed = true;
        t.end();
      });
      return viewer;
    },
  };
}

/** One sample of the soaked server's forwards and pulls (GET /api/v1/forwards and /pulls). */
export interface RelaySample {
  forwards: Array<{ stream: string; state: string; reconnects: number; drops: number }>;
  pulls: Array<{ stream: string; state: string; reconnects: number; onDemand: boolean }>;
}

export async function relaySample(apiPort: number): Promise<RelaySample> {
  const json = async <T>(path: string): Promise<T> => {
    const res = await fetch(`http://127.0.0.1:${apiPort}${path}`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return (await res.json()) as T;
  };
  const [{ forwards }, { pulls }] = await Promise.all([json<RelaySample>('/api/v1/forwards'), json<RelaySample>('/api/v1/pulls')]);
  return { forwards, pulls };
}
