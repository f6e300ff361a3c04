import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import type { Amf0Object, Amf0Value } from '@flvcast/amf0';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import { RelayError, RelayErrorCode } from './relay-error.js';
import { parseRtmpUrl, type RtmpUrl } from './rtmp-url.js';

export interface RtmpClientOptions {
  /** `rtmp[s]://host[:port]/app[/stream]`, or one parsed already. */
  url: string | RtmpUrl;
  /** Publish (a forward) or play (a pull). */
  mode: 'publish' | 'play';
  /** The stream name to publish or play, query included; default the URL's stream part (required if it has none). */
  streamName?: string;
  /** More properties for the connect command object (a forward's `flvcastHops`, Enhanced RTMP `fourCcList`). */
  connectProperties?: Amf0Object;
  /** TCP (and TLS) connect. Default 10000 ms. */
  connectTimeoutMs?: number;
  /** From the TCP connection to the connect command's `_result`. Default 10000 ms. */
  handshakeTimeoutMs?: number;
  /** From connected to NetStream.Publish.Start (publish), or to the first audio/video message (play). Default 10000 ms. */
  startTimeoutMs?: number;
  /** Play: an upstream that sends nothing for this long is dropped. Default 20000 ms. */
  idleTimeoutMs?: number;
  /** `writable` turns false once the socket holds this many unsent bytes. Default 1 MiB. */
  highWaterBytes?: number;
  /**
   * Past this many unsent bytes the connection is destroyed (ERR_RELAY_PROTOCOL): the hard stop for a
   * caller that ignores `writable`. Default 4 × highWaterBytes.
   */
  maxBufferedBytes?: number;
  /** Largest message the peer may send us. Default 8 MiB. */
  maxMessageSizeBytes?: number;
  /** Outgoing chunk size. Default 4096. */
  chunkSize?: number;
  /** rtmps: Node TLS options (`ca`, `rejectUnauthorized`, `servername`…). */
  tls?: ConnectionOptions;
}

export interface RtmpClientHandlers {
  /** Play: a media message as received (FLV tag body). */
  onMedia?(type: 8 | 9, timestamp: number, payload: Uint8Array): void;
  /** Play: script data (`onMetaData` without the `@setDataFrame` wrapper). */
  onData?(name: string, data: Amf0Value, timestamp: number): void;
  /** The socket took what was buffered: `writable` is true again. */
  onDrain?(): void;
  /** Called once: `undefined` after close(), else why the connection ended. */
  onClose?(error: RelayError | undefined): void;
}

type Phase = 'connecting' | 'handshake' | 'starting' | 'active' | 'closing' | 'closed';

/**
 * An RTMP client over a TCP or TLS socket, for forwards (publish) and pulls (play). It drives the pure
 * `RtmpClientSession` of @flvcast/rtmp: handshake, connect (extra properties allowed), createStream,
 * publish or play, acknowledgements on the window the peer announces, ping replies.
 *
 * - Timeouts: connect, handshake (until connect's `_result`), start (Publish.Start, or the first media of a
 *   play), and for plays an idle timeout. Each failure is a `RelayError` with its code.
 * - Output is bounded: the caller sends only while `writable` (the socket holds fewer than `highWaterBytes`
 *   unsent bytes) and waits for `onDrain`; a caller that does not is cut at `maxBufferedBytes`.
 * - `close()` leaves politely (FCUnpublish + deleteStream, or deleteStream), then FIN; a peer that keeps
 *   its side open is destroyed after a short linger.
 */
export class RtmpClient {
  readonly url: RtmpUrl;
  readonly streamName: string;
  readonly #opts: RtmpClientOptions;
  readonly #handlers: RtmpClientHandlers;
  readonly #session: RtmpClientSession;
  #socket: Socket | undefined;
  #phase: Phase = 'connecting';
  #timer: ReturnType<typeof setTimeout> | undefined;
  #started: { resolve: () => void; reject: (err: RelayError) => void } | undefined;
  #mediaSeen = false;
  #highWater: number;
  #maxBuffered: number;
  #closed: Promise<void> | undefined;
  bytesSent = 0;
  bytesReceived = 0;

  constructor(opts: RtmpClientOptions, handlers: RtmpClientHandlers = {}) {
    this.url = typeof opts.url === 'string' ? parseRtmpUrl(opts.url) : opts.url;
    const name = opts.streamName ?? this.url.stream;
    if (name === undefined || name === '') throw new RelayError(RelayErrorCode.badUrl, `no stream name: ${this.url.tcUrl} names none and none was given`);
    this.streamName = name;
    this.#opts = opts;
    this.#handlers = handlers;
    this.#highWater = opts.highWaterBytes ?? 1024 * 1024;
    this.#maxBuffered = opts.maxBufferedBytes ?? 4 * this.#highWater;
    this.#session = new RtmpClientSession({
      app: this.url.app,
      tcUrl: this.url.tcUrl,
      chunkSize: opts.chunkSize ?? 4096,
      maxMessageSize: opts.maxMessageSizeBytes ?? 8 * 1024 * 1024,
      ...(opts.connectProperties === undefined ? {} : { connectProperties: opts.connectProperties }),
    });
  }

  /** Bytes written to the socket and not yet sent. */
  get bufferedBytes(): number {
    return this.#socket?.writableLength ?? 0;
  }

  /** True while the caller may send media (publishing, and the socket below its high-water mark). */
  get writable(): boolean {
    return this.#phase === 'active' && this.bufferedBytes < this.#highWater;
  }

  get publishing(): boolean {
    return this.#phase === 'active' && this.#opts.mode === 'publish';
  }

  /**
   * Connects and publishes or plays. Resolves once publishing (NetStream.Publish.Start) or playing
   * (NetStream.Play.Start; the first media must then come within the start timeout). Rejects with a
   * RelayError, the connection closed.
   */
  start(): Promise<void> {
    if (this.#socket !== undefined || this.#phase === 'closed') return Promise.reject(new RelayError(RelayErrorCode.closed, 'client already started'));
    return new Promise<void>((resolve, reject) => {
      this.#started = { resolve, reject };
      const { host, port, secure } = this.url;
      const socket = secure
        ? connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}), ...this.#opts.tls })
        : connectTcp({ host, port, noDelay: true });
      this.#socket = socket;
      this.#arm(this.#opts.connectTimeoutMs ?? 10_000, RelayErrorCode.connectTimeout, `no ${secure ? 'TLS' : 'TCP'} connection to ${host}:${port}`);
      socket.once(secure ? 'secureConnect' : 'connect', () => this.#onConnect());
      socket.on('data', (data: Buffer) => this.#onData(data));
      socket.on('drain', () => {
        if (this.#phase === 'active') this.#handlers.onDrain?.();
      });
      socket.on('error', (err) => this.#fail(new RelayError(RelayErrorCode.socket, `${this.url.tcUrl}: ${err.message}`, { cause: err })));
      socket.on('close', () => this.#fail(new RelayError(RelayErrorCode.closed, `${this.url.tcUrl}: the peer closed the connection`)));
    });
  }

  sendAudio(timestamp: number, payload: Uint8Array): boolean {
    if (!this.#canSend()) return false;
    this.#session.sendAudio(timestamp, payload);
    return this.#flush();
  }

  sendVideo(timestamp: number, payload: Uint8Array): boolean {
    if (!this.#canSend()) return false;
    this.#session.sendVideo(timestamp, payload);
    return this.#flush();
  }

  /** `@setDataFrame onMetaData` with `data`. */
  sendMetadata(data: Amf0Value): boolean {
    if (!this.#canSend()) return false;
    this.#session.sendMetadata(data);
    return this.#flush();
  }

  /** Leaves politely (unpublish or deleteStream, then FIN); resolves once the socket is closed. */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  /** Ends at once, without the goodbye. */
  destroy(): void {
    this.#finish(undefined);
  }

  async #close(): Promise<void> {
    const socket = this.#socket;
    if (socket === undefined || this.#phase === 'closed') {
      this.#finish(undefined);
      return;
    }
    const wasStarted = this.#phase === 'active' || this.#phase === 'starting';
    this.#phase = 'closing';
    this.#clearTimer();
    const gone = new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
    if (wasStarted) {
      this.#session.close();
      this.#flush(true);
    }
    socket.end();
    const linger = setTimeout(() => socket.destroy(), 1000);
    await gone;
    clearTimeout(linger);
    this.#finish(undefined);
  }

  #canSend(): boolean {
    if (this.#phase !== 'active' || this.#opts.mode !== 'publish') return false;
    if (this.bufferedBytes > this.#maxBuffered) {
      this.#fail(new RelayError(RelayErrorCode.protocol, `${this.url.tcUrl}: ${this.bufferedBytes} bytes unsent (maxBufferedBytes ${this.#maxBuffered}): the peer does not read`));
      return false;
    }
    return true;
  }

  #onConnect(): void {
    if (this.#phase !== 'connecting') return;
    this.#phase = 'handshake';
    this.#arm(this.#opts.handshakeTimeoutMs ?? 10_000, RelayErrorCode.handshakeTimeout, `${this.url.tcUrl}: RTMP handshake and connect not done`);
    this.#session.start();
    if (this.#opts.mode === 'publish') this.#session.publish(this.streamName);
    else this.#session.play(this.streamName);
    this.#flush();
  }

  #onData(data: Buffer): void {
    if (this.#phase === 'closed' || this.#phase === 'connecting') return;
    this.bytesReceived += data.byteLength;
    let events: RtmpClientEvent[];
    try {
      events = this.#session.push(data);
    } catch (err) {
      this.#fail(new RelayError(RelayErrorCode.protocol, `${this.url.tcUrl}: ${(err as Error).message}`, { cause: err }));
      return;
    }
    for (const event of events) {
      if ((this.#phase as Phase) === 'closed') return;
      this.#onEvent(event);
    }
    this.#flush();
  }

  #onEvent(event: RtmpClientEvent): void {
    switch (event.type) {
      case 'connected':
        if (this.#phase === 'handshake') {
          this.#phase = 'starting';
          this.#arm(this.#opts.startTimeoutMs ?? 10_000, RelayErrorCode.startTimeout, `${this.url.tcUrl}: ${this.#opts.mode} of ${this.streamName} did not start`);
        }
        return;
      case 'published':
        this.#phase = 'active';
        this.#clearTimer();
        this.#started?.resolve();
        this.#started = undefined;
        return;
      case 'playing':
        this.#phase = 'active';
        // The first media must follow within the start timeout; the timer runs on.
        this.#socket?.setTimeout(this.#opts.idleTimeoutMs ?? 20_000, () => this.#fail(new RelayError(RelayErrorCode.idleTimeout, `${this.url.tcUrl}: ${this.streamName} sent nothing for ${this.#opts.idleTimeoutMs ?? 20_000} ms`)));
        this.#started?.resolve();
        this.#started = undefined;
        return;
      case 'audio':
      case 'video':
        if (!this.#mediaSeen) {
          this.#mediaSeen = true;
          this.#clearTimer();
        }
        this.#handlers.onMedia?.(event.type === 'audio' ? 8 : 9, event.timestamp, event.payload);
        return;
      case 'metadata':
        this.#handlers.onData?.(event.name, event.data, event.timestamp);
        return;
      case 'ended':
        this.#fail(new RelayError(RelayErrorCode.closed, `${this.url.tcUrl}: ${this.streamName} ended (${event.code})`));
        return;
      case 'error':
        this.#fail(new RelayError(RelayErrorCode.refused, `${this.url.tcUrl}: ${event.code}${event.description === '' ? '' : `: ${event.description}`}`));
        return;
      default:
        return;
    }
  }

  /** Writes the session's output; returns `writable`. With `force`, also while closing. */
  #flush(force = false): boolean {
    const socket = this.#socket;
    const out = this.#session.takeOutput();
    if (socket === undefined || socket.destroyed || (socket.writableEnded && !force)) return false;
    if (out.length > 0) {
      socket.cork();
      for (const chunk of out) {
        this.bytesSent += chunk.byteLength;
        socket.write(chunk);
      }
      socket.uncork();
    }
    return this.writable;
  }

  #arm(ms: number, code: RelayErrorCode, message: string): void {
    this.#clearTimer();
    this.#timer = setTimeout(() => this.#fail(new RelayError(code, `${message} within ${ms} ms`)), ms);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** An unplanned end: while closing on purpose, the socket's own close is no failure. */
  #fail(err: RelayError): void {
    if (this.#phase === 'closing') {
      if (err.code !== RelayErrorCode.closed) this.#socket?.destroy();
      return;
    }
    this.#finish(err);
  }

  #finish(err: RelayError | undefined): void {
    if (this.#phase === 'closed') return;
    this.#phase = 'closed';
    this.#clearTimer();
    this.#socket?.destroy();
    const started = this.#started;
    this.#started = undefined;
    started?.reject(err ?? new RelayError(RelayErrorCode.closed, `${this.url.tcUrl}: closed before it started`));
    this.#handlers.onClose?.(err);
  }
}
