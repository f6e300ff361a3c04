/**
 * An RTMP player over a raw `net` socket, driven by our own client (`RtmpClientSession` of `@flvcast/rtmp`):
 * handshake, connect, createStream, play `rtmp://host:port/<app>/<stream>`. Every socket read goes through
 * `push()` and whatever the session has to say (handshake, commands, acknowledgements, ping responses) is
 * written back at once. Its audio, video and data messages reach an `FlvViewer` as tags, so an RTMP player
 * is counted and timed like an FLV viewer: bytes as the FLV tags they would have been (comparable with the
 * FLV bytes at the RTMP socket), latency matched on (type, timestamp, payload size).
 *
 * The answer: `NetStream.Play.Start` is the RTMP counterpart of a 200 (TTFF "from headers" starts there);
 * an error status or `_error` reply before it (e.g. `NetStream.Play.Failed`: the server does not play
 * RTMP) fails the player with that code as the reason. Media a server sends on message stream 0 instead of
 * the play stream (node-media-server) is taken as the play stream's by the client session itself (`mediaOnStream0`).
 */
import net from 'node:net';
import { RtmpClientSession, RtmpError, type RtmpClientEvent } from '@flvcast/rtmp';
import type { FlvViewer } from './flv-viewer.js';
import { wallNow } from './ingest-log.js';
import type { ViewerConnection, ViewerEvents } from './viewer-connection.js';

/** The RTMP tag types of FLV: audio 8, video 9, script data 18. */
const TAG_TYPE = { audio: 8, video: 9, metadata: 18 } as const;

/** `rtmp://host:port/app/name` → what connect and play need (the stream name may hold slashes and a query). */
export function parseRtmpUrl(url: URL): { host: string; port: number; app: string; tcUrl: string; name: string } {
  if (url.protocol !== 'rtmp:') throw new Error(`not an rtmp:// URL: ${url.href}`);
  const path = url.pathname.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  if (slash <= 0 || slash === path.length - 1) throw new Error(`an RTMP play URL needs /<app>/<stream>: ${url.href}`);
  const app = path.slice(0, slash);
  const port = Number(url.port || 1935);
  return { host: url.hostname, port, app, tcUrl: `rtmp://${url.hostname}:${port}/${app}`, name: `${path.slice(slash + 1)}${url.search}` };
}

export class RtmpPlayConnection implements ViewerConnection {
  readonly viewer: FlvViewer;
  readonly requestAt: number;
  readonly #socket: net.Socket;
  readonly #session: RtmpClientSession;
  readonly #events: ViewerEvents;
  #answered = false;
  #closed = false;
  #error: string | undefined;
  /** the last status code the server sent (why a served player stopped, e.g. NetStream.Play.UnpublishNotify) */
  lastStatus: string | undefined;

  /** Media the server sent on message stream 0 instead of the play stream (node-media-server does). */
  get mediaOnStream0(): number {
    return this.#session.mediaOnStream0;
  }

  constructor(url: URL, viewer: FlvViewer, events: ViewerEvents) {
    this.viewer = viewer;
    this.#events = events;
    const target = parseRtmpUrl(url);
    this.requestAt = wallNow();
    this.#session = new RtmpClientSession({ app: target.app, tcUrl: target.tcUrl, flashVer: 'LNX 9,0,124,2', maxMessageSize: 16 * 1024 * 1024 });
    const socket = net.connect(target.port, target.host);
    this.#socket = socket;
    socket.setNoDelay(true);
    this.#session.start();
    this.#session.play(target.name);
    this.#flush();
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (this.#error ??= err.code ?? err.message));
    socket.once('close', () => this.#finish());
  }

  #onData(chunk: Buffer): void {
    const at = wallNow();
    let events: RtmpClientEvent[];
    try {
      events = this.#session.push(chunk);
    } catch (err) {
      // the chunk stream does not parse: a framing error, like an FLV viewer's
      this.#error ??= err instanceof RtmpError ? `RTMP ${err.code}` : 'RTMP parse error';
      this.viewer.fail();
      this.close();
      return;
    }
    for (const e of events) {
      switch (e.type) {
        case 'audio':
        case 'video':
        case 'metadata':
          this.viewer.pushTag({ type: TAG_TYPE[e.type], timestamp: e.timestamp, payload: e.payload }, at);
          break;
        case 'playing':
          this.#answer(true, at);
          break;
        case 'status':
          this.lastStatus = e.code;
          break;
        case 'error':
          if (!this.#answered) this.#answer(false, at, `${e.code || 'RTMP error'}${e.description ? ` (${e.description})` : ''}`);
          else this.close();
          break;
        default:
          break;
      }
    }
    this.#flush();
  }

  /** Writes what the session queued (handshake, commands, acknowledgements), in one write. */
  #flush(): void {
    const out = this.#session.takeOutput();
    if (out.length === 0 || this.#socket.destroyed) return;
    this.#socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
  }

  #answer(ok: boolean, at: number, reason?: string): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#events.onAnswer(ok, at, reason);
    if (!ok) this.close();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#answered) {
      this.#answered = true;
      this.#events.onAnswer(false, wallNow(), this.#error ?? (this.#session.connected ? 'closed before NetStream.Play.Start' : 'closed before connect was answered'));
    }
    this.#events.onClose();
  }

  close(): void {
    this.#socket.destroy();
  }
}
