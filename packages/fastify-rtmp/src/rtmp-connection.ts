import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { redactToken } from '@flvcast/access';
import type { Amf0Value } from '@flvcast/amf0';
import type { Hub } from '@flvcast/hub';
import { logCodeOf, type LimitReporter, type LogCode } from '@flvcast/limits';
import { RtmpServerSession, type RtmpEvent } from '@flvcast/rtmp';
import type { FastifyBaseLogger } from 'fastify';
import type { ConnectionContext } from './connection-context.js';
import type { ResolvedRtmpOptions } from './options.js';
import { Playing } from './play-side.js';
import type { PlayerFormats } from './player-formats.js';
import { Publishing } from './publish-side.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => createHmac('sha256', key).update(data).digest();

/**
 * Where the connection is, for the timeout that applies. `playing`: it asked to play, and the publisher-side
 * timeouts no longer apply (a player sends nothing but acknowledgements; its liveness is the hub's stall rule);
 * `paused`: every stream it plays is paused, and it may stay quiet for the hub's stallTimeoutMs.
 */
type Phase = 'handshake' | 'waiting' | 'active' | 'playing' | 'paused';

/** Bytes a player's socket may buffer before the hub queues for it instead (as HTTP's highWaterMarkBytes). */
const PLAYER_HIGH_WATER_MARK = 256 * 1024;

/** What one plugin instance shares with all its connections. */
export interface ConnectionShared {
  readonly formats: PlayerFormats;
}

/** After our side ended, how long a peer that never closes its side keeps the socket. */
const LINGER_MS = 500;
/**
 * Protocol errors that are a configured limit being hit (reported as `limit` events too). The names are the
 * options' spellings before they gained their Bytes suffix: they are metric labels (`limit`) that dashboards
 * and alerts already match.
 */
const LIMIT_OF_ERROR: Partial<Record<LogCode, string>> = {
  ERR_RTMP_MESSAGE_TOO_LARGE: 'maxMessageSize',
  ERR_RTMP_CHUNK_SIZE: 'maxChunkSize',
};

/**
 * One RTMP TCP connection: feeds socket bytes to the pure session, writes its output back, keeps the timeout
 * of its phase, and hands session events to its publish side (Publishing) and play side (Playing); a
 * connection may do both. Protocol errors close this connection only, with one log line.
 */
export class RtmpConnection implements ConnectionContext {
  readonly session: RtmpServerSession;
  readonly #publishing: Publishing;
  readonly #playing: Playing;
  /** The connect command object (for the forward hop count a relaying server puts in it). */
  #connect: Readonly<Record<string, Amf0Value>> | undefined;
  #corked = false;
  #phase: Phase = 'handshake';
  #closed = false;
  #log: FastifyBaseLogger;
  /** The URL the client connected with: where a ReconnectRequest sends it back to. */
  #tcUrl: string | undefined;
  #shutdown: Promise<void> | undefined;
  readonly #whenClosed: Promise<void>;

  constructor(
    readonly id: string,
    private readonly socket: Socket,
    readonly hub: Hub,
    readonly options: ResolvedRtmpOptions,
    log: FastifyBaseLogger,
    readonly reporter: LimitReporter,
    shared: ConnectionShared,
  ) {
    this.#log = log.child({ client: id });
    this.session = new RtmpServerSession({
      hmacSha256,
      chunkSize: options.chunkSizeBytes,
      maxChunkSize: options.maxChunkSizeBytes,
      maxMessageSize: options.maxMessageSizeBytes,
      windowAckSize: options.windowAckSizeBytes,
    });
    this.#publishing = new Publishing(this);
    this.#playing = new Playing(this, shared.formats);
    socket.setNoDelay(true);
    socket.setTimeout(options.handshakeTimeoutMs);
    socket.on('timeout', () => this.#onTimeout());
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', (err) => this.#log.debug({ err: err.message }, 'rtmp socket error'));
    socket.on('drain', () => this.#playing.resume());
    socket.on('close', () => this.#onClose());
    this.#whenClosed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  get log(): FastifyBaseLogger {
    return this.#log;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** RTMPS: the socket is a TLS one. */
  get protocol(): string {
    return (this.socket as Socket & { encrypted?: boolean }).encrypted === true ? 'rtmps' : 'rtmp';
  }

  get tcUrl(): string | undefined {
    return this.#tcUrl;
  }

  get connectCommand(): Readonly<Record<string, Amf0Value>> | undefined {
    return this.#connect;
  }

  get closed(): boolean {
    return this.#closed;
  }

  bindLogStream(stream: string): void {
    this.#log = this.#log.child({ stream });
  }

  /** Ends the connection at once: publishers end, viewers keep their grace window. */
  destroy(): void {
    this.socket.destroy();
  }

  /** Closes our side after what was written (a final status first: the peer aborts on it). */
  end(): void {
    this.socket.end();
  }

  /**
   * Graceful end (server shutdown). An encoder that announced Enhanced RTMP reconnect support gets
   * NetConnection.Connect.ReconnectRequest pointing back at the URL it used and `shutdownWaitMs` to reach
   * a media boundary and leave on its own (E-RTMP v2 asks the old server to keep serving it until then);
   * any other client's streams get NetStream.Unpublish.Success and the connection ends now. Resolves once
   * the socket is closed; a peer that never closes its side is dropped after a short linger.
   */
  shutdown(): Promise<void> {
    this.#shutdown ??= this.#shutDown();
    return this.#shutdown;
  }

  async #shutDown(): Promise<void> {
    if (this.#closed) return;
    const reconnect = this.session.connected && this.session.supportsReconnect;
    if (reconnect) {
      this.session.sendReconnectRequest(this.#tcUrl, 'flvcast is shutting down; reconnect to resume publishing');
      this.#log.info({ tcUrl: this.#tcUrl === undefined ? undefined : redactToken(this.#tcUrl) }, 'rtmp: shutdown, asked the encoder to reconnect');
    }
    this.#publishing.shutdown(reconnect);
    this.#playing.shutdown();
    this.flush();
    if (reconnect && this.options.shutdownWaitMs > 0) {
      await Promise.race([this.#whenClosed, delay(this.options.shutdownWaitMs)]);
    }
    // end() lets the statuses out before the FIN; destroy() is for peers that never close their side.
    this.socket.end();
    await Promise.race([this.#whenClosed, delay(LINGER_MS)]);
    this.socket.destroy();
  }

  #onData(data: Buffer): void {
    if (this.#closed) return;
    let events: RtmpEvent[];
    try {
      events = this.session.push(data);
      for (const event of events) this.#onEvent(event);
    } catch (err) {
      const e = err as { message?: string };
      const code = logCodeOf(err);
      const message = `rtmp: closing connection: ${e.message ?? String(err)}`;
      const limit = LIMIT_OF_ERROR[code];
      if (limit !== undefined) this.reporter.limit(this.#log, { limit, protocol: 'rtmp', remoteAddress: this.remoteAddress }, code, {}, message);
      else this.reporter.warn(this.#log, code, this.remoteAddress, {}, message);
      this.flush();
      this.socket.destroy();
      return;
    }
    if (this.#phase === 'handshake' && this.session.handshakeDone) {
      this.#phase = 'waiting';
      this.socket.setTimeout(this.options.firstPacketTimeoutMs);
    }
    this.flush();
  }

  /** Writes the session's pending output (replies, statuses, control) to the socket. */
  flush(): void {
    const out = this.session.takeOutput();
    if (out.length === 0 || this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.cork();
    for (const chunk of out) this.socket.write(chunk);
    this.socket.uncork();
  }

  /**
   * A player's shared RTMP packets, written as they are (every viewer of the stream gets the same bytes).
   * The session's own output goes first, so a status it queued is never overtaken by media. Packets of one
   * tick leave in one writev. False once the socket holds more than PLAYER_HIGH_WATER_MARK: the hub then
   * queues for this player (bounded) and its 'drain' resumes delivery.
   */
  writeMedia(chunks: readonly Uint8Array[]): boolean {
    const socket = this.socket;
    if (socket.destroyed || socket.writableEnded) return false;
    this.flush();
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    let ok = true;
    for (const chunk of chunks) ok = socket.write(chunk);
    return ok || socket.writableLength < PLAYER_HIGH_WATER_MARK;
  }

  #onEvent(event: RtmpEvent): void {
    switch (event.type) {
      case 'connect':
        this.#log.info({ app: event.app, tcUrl: event.tcUrl === undefined ? undefined : redactToken(event.tcUrl), ip: this.remoteAddress }, 'rtmp: connect');
        this.#tcUrl = event.tcUrl;
        this.#playing.connect(event.command);
        this.#connect = event.command;
        return;
      case 'publish':
        return this.#publishing.request(event.streamId, event.name, event.query);
      case 'metadata':
        return this.#publishing.data(event.streamId, event.name, event.data);
      case 'audio':
      case 'video':
        if (!this.#publishing.has(event.streamId)) return;
        if (this.#phase === 'waiting') {
          this.#phase = 'active';
          this.socket.setTimeout(this.options.idleTimeoutMs);
        }
        return this.#publishing.media(event.streamId, event.type, event.timestamp, event.payload);
      case 'unpublish':
        return this.#publishing.unpublish(event.streamId, event.reason);
      case 'play':
        return this.#playing.request(event.streamId, event.name, event.query);
      case 'playStop':
        return this.#playing.stop(event.streamId, event.reason);
      case 'command':
        return this.#playing.command(event.streamId, event.name, event.args);
      default:
        return;
    }
  }

  startedPlaying(): void {
    if (this.#phase === 'playing') return;
    this.#phase = 'playing';
    this.socket.setTimeout(0);
  }

  pausedPlaying(allPaused: boolean): void {
    if (allPaused && this.#phase === 'playing') {
      // A paused player sends nothing at all: it may stay so for the hub's stall timeout, then it goes.
      this.#phase = 'paused';
      this.socket.setTimeout(this.hub.options.stallTimeoutMs);
    } else if (!allPaused && this.#phase === 'paused') {
      this.#phase = 'playing';
      this.socket.setTimeout(0);
    }
  }

  /**
   * A connection that played, and now neither plays nor publishes (its player sent closeStream or deleteStream
   * and stayed), is held to idleTimeoutMs again: it may play once more, or go.
   */
  stoppedPlaying(): void {
    if ((this.#phase !== 'playing' && this.#phase !== 'paused') || this.#playing.active || this.#publishing.active) return;
    this.#phase = 'active';
    this.socket.setTimeout(this.options.idleTimeoutMs);
  }

  #onTimeout(): void {
    const [what, code, limit] = ({
      handshake: ['handshake', 'ERR_RTMP_HANDSHAKE_TIMEOUT', 'handshakeTimeoutMs'],
      waiting: ['first media packet', 'ERR_RTMP_FIRST_PACKET_TIMEOUT', 'firstPacketTimeoutMs'],
      active: ['idle publisher', 'ERR_RTMP_IDLE_TIMEOUT', 'idleTimeoutMs'],
      // No timeout is set while playing; a paused player may stay quiet for stallTimeoutMs.
      playing: ['idle player', 'ERR_RTMP_IDLE_TIMEOUT', 'stallTimeoutMs'],
      paused: ['paused player', 'ERR_RTMP_IDLE_TIMEOUT', 'stallTimeoutMs'],
    } as const)[this.#phase];
    this.reporter.limit(this.#log, { limit, protocol: 'rtmp', remoteAddress: this.remoteAddress }, code, { phase: this.#phase }, `rtmp: ${what} timeout, closing connection`);
    this.socket.destroy();
  }

  #onClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#publishing.close();
    this.#playing.close();
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
