import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { EndReasonTokenExpired, followGrant, redactToken, type AccessGrant, type GrantFollower } from '@flvcast/access';
import type { Amf0Value } from '@flvcast/amf0';
import { EndReason, HubError, HubErrorCode, invalidKeyPart, streamKeyToString, type Hub, type HubEndReason, type Publisher, type StreamKey, type ViewerLimit, type ViewerSlot } from '@flvcast/hub';
import { logCodeOf, type LimitReporter, type LogCode } from '@flvcast/limits';
import { RtmpServerSession, type RtmpEvent } from '@flvcast/rtmp';
import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedRtmpOptions } from './options.js';
import { forwardHops } from './forward-hops.js';
import { PLAY_REFUSAL, checkPlay, playGuarded } from './play-access.js';
import { announcedFourCcs, playCodecProblem } from './play-codecs.js';
import type { PlayerFormats } from './player-formats.js';
import { REFUSAL_STATUS, checkPublish, publishContext, publishGuarded } from './publish-access.js';
import { RtmpPlayer, type PlayerConnection } from './rtmp-player.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => createHmac('sha256', key).update(data).digest();

/**
 * Where the connection is, for the timeout that applies. `playing`: it asked to play, and the publisher-side
 * timeouts no longer apply (a player sends nothing but acknowledgements; its liveness is the hub's stall rule);
 * `paused`: every stream it plays is paused, and it may stay quiet for the hub's stallTimeoutMs.
 */
type Phase = 'handshake' | 'waiting' | 'active' | 'playing' | 'paused';

/** Longest a play waits for a just-published stream's codecs before it is answered (as HTTP's 415 check). */
const DECIDE_WAIT_MS = 5000;
/** Bytes a player's socket may buffer before the hub queues for it instead (as HTTP's highWaterMarkBytes). */
const PLAYER_HIGH_WATER_MARK = 256 * 1024;
/** The longest stream name a play may carry (names are checked by the hub too; this bounds the log line). */
const MAX_PLAY_NAME = 1024;

/** The log code of each viewer limit hit by a player. */
const VIEWER_LIMIT_CODE: Record<ViewerLimit, LogCode> = {
  maxViewers: 'ERR_RTMP_TOO_MANY_VIEWERS',
  maxViewersPerStream: 'ERR_RTMP_TOO_MANY_VIEWERS_PER_STREAM',
  maxViewersPerIp: 'ERR_RTMP_TOO_MANY_VIEWERS_PER_IP',
};

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
 * One RTMP TCP connection: feeds socket bytes to the pure session, writes its output back, and turns
 * publish events into hub publishers. Protocol errors close this connection only, with one log line.
 */
export class IngestConnection implements PlayerConnection {
  readonly session: RtmpServerSession;
  /** Streams this connection plays, by message stream id. */
  readonly #players = new Map<number, RtmpPlayer>();
  /** Viewer slots (hub.viewers) held by this connection's players. */
  readonly #slots = new Map<number, ViewerSlot>();
  /** Admitted plays, followed for the expiry kick and the onStop notification. */
  readonly #playGrants = new Map<number, GrantFollower>();
  /** Plays waiting on access checks, the stream lookup or its codecs; aborted when the player goes. */
  readonly #pendingPlays = new Map<number, AbortController>();
  /** Enhanced RTMP codecs the client announced in connect (fourCcList). */
  #fourCcs: ReadonlySet<string> = new Set();
  /** The connect command object (for the forward hop count a relaying server puts in it). */
  #connect: Readonly<Record<string, Amf0Value>> | undefined;
  /** Tracks asked for with receiveAudio/receiveVideo before play. */
  #receive = { audio: true, video: true };
  #corked = false;
  readonly #publishers = new Map<number, Publisher>();
  /** Admitted publishes, followed for the expiry kick and the onUnpublish notification. */
  readonly #grants = new Map<number, GrantFollower>();
  /** Publishes waiting on access checks; the session drops their media meanwhile (nothing buffers). */
  readonly #pending = new Set<number>();
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
    private readonly options: ResolvedRtmpOptions,
    log: FastifyBaseLogger,
    private readonly reporter: LimitReporter,
    private readonly shared: ConnectionShared,
  ) {
    this.#log = log.child({ client: id });
    this.session = new RtmpServerSession({
      hmacSha256,
      chunkSize: options.chunkSizeBytes,
      maxChunkSize: options.maxChunkSizeBytes,
      maxMessageSize: options.maxMessageSizeBytes,
      windowAckSize: options.windowAckSizeBytes,
    });
    socket.setNoDelay(true);
    socket.setTimeout(options.handshakeTimeoutMs);
    socket.on('timeout', () => this.#onTimeout());
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', (err) => this.#log.debug({ err: err.message }, 'rtmp socket error'));
    socket.on('drain', () => {
      for (const player of this.#players.values()) player.resume();
    });
    socket.on('close', () => this.#onClose());
    this.#whenClosed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  get formats(): PlayerFormats {
    return this.shared.formats;
  }

  /** RTMPS: the socket is a TLS one. */
  get #tls(): boolean {
    return (this.socket as Socket & { encrypted?: boolean }).encrypted === true;
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** Ends the connection at once: publishers end, viewers keep their grace window. */
  destroy(): void {
    this.socket.destroy();
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
    for (const [streamId, publisher] of this.#publishers) {
      if (!reconnect) this.session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', 'stopped: server shutting down');
      publisher.end();
    }
    this.#publishers.clear();
    for (const [streamId, player] of this.#players) {
      player.stop();
      this.#releasePlay(player, EndReason.closed);
      this.session.sendPlayStop(streamId, false, 'stopped: server shutting down');
    }
    this.#players.clear();
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
        this.#fourCcs = announcedFourCcs(event.command);
        this.#connect = event.command;
        return;
      case 'publish':
        return this.#requestPublish(event.streamId, event.name, event.query);
      case 'metadata':
        this.#publishers.get(event.streamId)?.data(event.name, event.data);
        return;
      case 'audio':
      case 'video': {
        const publisher = this.#publishers.get(event.streamId);
        if (publisher === undefined) return;
        if (this.#phase === 'waiting') {
          this.#phase = 'active';
          this.socket.setTimeout(this.options.idleTimeoutMs);
        }
        try {
          if (event.type === 'audio') publisher.audio(event.timestamp, event.payload);
          else publisher.video(event.timestamp, event.payload);
        } catch (err) {
          // An encoder glitch, not an attack: drop that message, keep the publisher (throttled warn).
          if (!(err instanceof HubError) || err.code !== HubErrorCode.badSequenceHeader) throw err;
          this.reporter.warn(this.#log, err.code, this.remoteAddress, {}, `rtmp: ${err.message}`);
        }
        return;
      }
      case 'unpublish': {
        this.#pending.delete(event.streamId);
        const publisher = this.#publishers.get(event.streamId);
        this.#publishers.delete(event.streamId);
        if (publisher !== undefined) {
          publisher.end();
          this.#log.info({ reason: event.reason }, 'rtmp: unpublished');
          this.#release(event.streamId, publisher, 'unpublished');
        }
        return;
      }
      case 'play':
        return this.#requestPlay(event.streamId, event.name, event.query);
      case 'playStop': {
        this.#pendingPlays.get(event.streamId)?.abort();
        this.#pendingPlays.delete(event.streamId);
        const player = this.#players.get(event.streamId);
        if (player === undefined) return;
        this.#players.delete(event.streamId);
        player.stop();
        this.#releasePlay(player, EndReason.left);
        this.#log.info({ reason: event.reason, bytes: player.bytesSent }, 'rtmp: player stopped');
        this.#idleIfNothingLeft();
        return;
      }
      case 'command':
        return this.#onPlayerCommand(event.streamId, event.name, event.args);
      default:
        return;
    }
  }

  /**
   * A connection that played, and now neither plays nor publishes (its player sent closeStream or deleteStream
   * and stayed), is held to idleTimeoutMs again: it may play once more, or go.
   */
  #idleIfNothingLeft(): void {
    if ((this.#phase !== 'playing' && this.#phase !== 'paused') || this.#players.size > 0 || this.#pendingPlays.size > 0 || this.#publishers.size > 0) return;
    this.#phase = 'active';
    this.socket.setTimeout(this.options.idleTimeoutMs);
  }

  /** pause, receiveAudio, receiveVideo: what a player may change while it plays. */
  #onPlayerCommand(streamId: number, name: string, args: Amf0Value[]): void {
    if (name !== 'pause' && name !== 'receiveAudio' && name !== 'receiveVideo') return;
    const flag = args[0];
    if (typeof flag !== 'boolean') return; // malformed: ignored, as SRS does
    const player = this.#players.get(streamId);
    if (name !== 'pause') {
      const kind = name === 'receiveAudio' ? 'audio' : 'video';
      // Before play (Flash sends them after; some clients before): the play starts with these tracks.
      if (player === undefined) this.#receive = { ...this.#receive, [kind]: flag };
      else if (!player.receive(kind, flag)) this.#streamGone(player);
      return;
    }
    if (player === undefined) return;
    if (!player.pause(flag)) return this.#streamGone(player);
    this.#log.info({ paused: flag }, flag ? 'rtmp: player paused' : 'rtmp: player unpaused');
    const allPaused = this.#players.size > 0 && [...this.#players.values()].every((p) => p.paused);
    if (allPaused && this.#phase === 'playing') {
      // A paused player sends nothing at all: it may stay so for the hub's stall timeout, then it goes.
      this.#phase = 'paused';
      this.socket.setTimeout(this.hub.options.stallTimeoutMs);
    } else if (!allPaused && this.#phase === 'paused') {
      this.#phase = 'playing';
      this.socket.setTimeout(0);
    }
  }

  /** A player went on (unpause, a track change) but its stream had ended meanwhile. */
  #streamGone(player: RtmpPlayer): void {
    this.ended(player, EndReason.unpublished);
  }

  /**
   * A play command: the stream is looked up (the resolver may start a pull for it, for a bounded time), its
   * codecs waited for, and only then is the play answered, so a refusal always comes before any media byte.
   */
  #requestPlay(streamId: number, name: string, query: Record<string, string>): void {
    // From now on the publisher-side timeouts do not apply: a player sends nothing but acknowledgements.
    if (this.#phase !== 'playing') {
      this.#phase = 'playing';
      this.socket.setTimeout(0);
    }
    const key: StreamKey = { vhost: query.vhost ?? '', app: this.session.app, stream: name };
    const stream = streamKeyToString(key);
    const bad = name.length > MAX_PLAY_NAME ? 'stream' : invalidKeyPart(key);
    if (bad !== undefined) {
      const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      return this.#refusePlay(streamId, 'NetStream.Play.StreamNotFound', `invalid ${bad} name: use letters, digits, _ - . (no "..")`, { name: shown });
    }
    const controller = new AbortController();
    this.#pendingPlays.set(streamId, controller);
    void this.#admitPlay(streamId, key, name, query, controller.signal).then(
      (verdict) => {
        if (controller.signal.aborted || this.#closed) return;
        this.#pendingPlays.delete(streamId);
        if ('code' in verdict) return this.#refusePlay(streamId, verdict.code, verdict.reason, { stream }, verdict.logged);
        this.#startPlay(streamId, key, verdict.grant);
      },
      (err: unknown) => {
        this.#log.error({ err }, 'rtmp: play failed');
        this.socket.destroy();
      },
    );
  }

  /**
   * The checks before a play is answered, in HTTP's order: access (signed URL, IP rules, onPlay), the stream
   * (the resolver may bring it), its codecs against what the player announced.
   */
  async #admitPlay(streamId: number, key: StreamKey, name: string, query: Record<string, string>, signal: AbortSignal): Promise<{ code: string; reason: string; logged?: true } | { grant: AccessGrant | undefined }> {
    let grant: AccessGrant | undefined;
    if (playGuarded(this.options)) {
      const { ctx } = publishContext({ clientId: this.id, remoteAddress: this.remoteAddress, app: this.session.app, tcUrl: this.#tcUrl, name, query, action: 'play', protocol: this.#protocol });
      const decision = await checkPlay(ctx, this.options);
      if (signal.aborted) return { grant: undefined };
      if (!decision.allowed) {
        const stream = streamKeyToString(key);
        this.hub.events.emit('deny', { action: 'play', protocol: this.#protocol, remoteAddress: this.remoteAddress, stream, reason: decision.reason });
        const fields = { stream, ip: this.remoteAddress, status: decision.status, reason: decision.reason };
        if (decision.error === undefined) this.#log.info(fields, 'rtmp: play refused');
        else this.#log.warn({ ...fields, err: decision.error }, 'rtmp: play refused: access check failed');
        return { code: 'NetStream.Play.Failed', reason: `play refused (${PLAY_REFUSAL[decision.status]}): ${decision.reason}`, logged: true };
      }
      grant = decision.grant;
    }
    const live = this.hub.get(key) ?? (await this.hub.find(key));
    if (signal.aborted) return { grant: undefined };
    if (live === undefined) return { code: 'NetStream.Play.StreamNotFound', reason: `no live stream ${streamKeyToString(key)}` };
    const format = this.formats.get(streamId, this.#receive.audio, this.#receive.video);
    if (live.unsupported(format) === null) {
      // Bounded like HTTP's check: past it the player is served with what is known.
      await live.whenDecided(format, AbortSignal.any([signal, AbortSignal.timeout(DECIDE_WAIT_MS)]));
      if (signal.aborted) return { grant: undefined };
    }
    const problem = playCodecProblem(live, this.#fourCcs);
    if (problem !== undefined) return { code: 'NetStream.Play.Failed', reason: `cannot play ${live.name}: ${problem}` };
    return { grant };
  }

  #startPlay(streamId: number, key: StreamKey, grant: AccessGrant | undefined): void {
    // The same viewer limits as HTTP and WS viewers, in the same totals (the hub counts them).
    const stream = streamKeyToString(key);
    const slot = this.hub.viewers.acquire(this.remoteAddress, stream);
    if (typeof slot === 'string') {
      const max = this.hub.options[slot];
      const message = slot === 'maxViewersPerIp'
        ? `too many viewers from your address (maxViewersPerIp is ${max})`
        : slot === 'maxViewersPerStream'
          ? `stream ${stream} has its maximum of ${max} viewers (maxViewersPerStream)`
          : `this server has its maximum of ${max} viewers (maxViewers)`;
      this.reporter.limit(this.#log, { limit: slot, protocol: this.#protocol, remoteAddress: this.remoteAddress }, VIEWER_LIMIT_CODE[slot], { stream }, `rtmp: player refused: ${message}`);
      return this.#refusePlay(streamId, 'NetStream.Play.Failed', message, { stream }, true);
    }
    if (!this.session.acceptPlay(streamId)) return slot.release(); // the player deleted the stream meanwhile
    this.#slots.set(streamId, slot);
    this.flush();
    const player = new RtmpPlayer(streamId, key, { protocol: this.#protocol, remoteAddress: this.remoteAddress }, this, this.#receive);
    this.#players.set(streamId, player);
    if (grant !== undefined) {
      const log = this.#log;
      this.#playGrants.set(
        streamId,
        followGrant(grant, {
          kick: () => {
            log.info({ reason: EndReasonTokenExpired }, 'rtmp: signed URL expired, disconnecting player');
            player.kick(EndReason.tokenExpired);
          },
          onEnd: this.options.onStop,
          onEndError: (err) => log.warn({ err }, 'rtmp: onStop hook failed'),
        }),
      );
    }
    // The player's stream (metadata, configuration, the cached GOP from a keyframe) starts as it subscribes.
    if (!player.start()) return this.#streamGone(player);
    this.#log.info({ stream: streamKeyToString(key), ip: this.remoteAddress, client: player.subscriber?.id }, 'rtmp: playing');
  }

  /** A player is gone: onStop hears of it (with what it was sent and why). */
  #releasePlay(player: RtmpPlayer, reason: string): void {
    this.#slots.get(player.streamId)?.release();
    this.#slots.delete(player.streamId);
    const follower = this.#playGrants.get(player.streamId);
    if (follower === undefined) return;
    this.#playGrants.delete(player.streamId);
    follower.end(player.bytesSent, reason);
  }

  get #protocol(): string {
    return this.#tls ? 'rtmps' : 'rtmp';
  }

  /** A refused play: an error status naming the reason, one log line, and the connection closes. */
  #refusePlay(streamId: number, code: string, reason: string, fields: Record<string, unknown>, logged = false): void {
    if (!logged) this.#log.info({ ...fields, ip: this.remoteAddress, status: code, reason }, 'rtmp: play refused');
    this.session.rejectPlay(streamId, code, reason);
    this.flush();
    this.socket.end();
  }

  /**
   * The hub ended a player: the stream really ended (the reconnect grace is over: UnpublishNotify, which
   * ffmpeg takes for the end), the server closes or kicked it (Play.Stop), its signed URL expired (an error
   * status), or it accepted nothing for stallTimeoutMs (cut at once). The connection closes in every case.
   */
  ended(player: RtmpPlayer, reason: HubEndReason): void {
    if (this.#players.get(player.streamId) !== player) return;
    this.#players.delete(player.streamId);
    player.stop();
    this.#releasePlay(player, reason);
    const fields = { reason, bytes: player.bytesSent };
    if (reason === EndReason.stalled) {
      this.reporter.limit(this.#log, { limit: 'stallTimeoutMs', protocol: player.info.protocol, remoteAddress: this.remoteAddress }, 'ERR_RTMP_PLAYER_STALLED', fields, `rtmp: player accepted nothing for ${this.hub.options.stallTimeoutMs} ms (stallTimeoutMs), disconnected`);
      this.socket.destroy();
      return;
    }
    if (reason === EndReason.tokenExpired) this.session.sendStatus(player.streamId, 'error', 'NetStream.Play.Failed', 'stopped: signed URL expired');
    else this.session.sendPlayStop(player.streamId, reason === EndReason.unpublished, reason === EndReason.unpublished ? undefined : `stopped: ${reason}`);
    this.#log.info(fields, 'rtmp: player ended');
    this.flush();
    this.socket.end();
  }

  /**
   * A publish command: checked (signed URL, onPublish hook) before it is answered. Until then the encoder
   * has no Publish.Start, so it sends no media; whatever it sends anyway is dropped by the session.
   */
  #requestPublish(streamId: number, name: string, query: Record<string, string>): void {
    const { key, ctx } = publishContext({ clientId: this.id, remoteAddress: this.remoteAddress, app: this.session.app, tcUrl: this.#tcUrl, name, query });
    const hops = forwardHops(this.#connect, query);
    if (hops > this.options.maxForwardHops) {
      // A loop of forwarding servers (or a chain too long): refused before any check or hub work.
      const stream = streamKeyToString(key);
      const reason = `the stream already crossed ${hops} servers (maxForwardHops is ${this.options.maxForwardHops}): a forwarding loop?`;
      this.hub.events.emit('deny', { action: 'publish', protocol: 'rtmp', remoteAddress: this.remoteAddress, stream, reason });
      this.#log.warn({ stream, ip: this.remoteAddress, hops, reason }, 'rtmp: publish refused: too many forward hops');
      this.session.rejectPublish(streamId, 'NetStream.Publish.Rejected', `publish refused: ${reason}`);
      this.flush();
      this.socket.end();
      return;
    }
    // A bad name is refused as it always was (BadName); the hooks only see names that could be published.
    if (!publishGuarded(this.options) || invalidKeyPart(key) !== undefined) return this.#publish(streamId, key, { ctx, expiresAtMs: undefined }, hops);
    this.#pending.add(streamId);
    const stream = streamKeyToString(key);
    void checkPublish(ctx, this.options).then((decision) => {
      // The encoder left, or unpublished, while we were asking.
      if (this.#closed || !this.#pending.delete(streamId)) return;
      if (decision.allowed) return this.#publish(streamId, key, decision.grant, hops);
      this.hub.events.emit('deny', { action: 'publish', protocol: 'rtmp', remoteAddress: this.remoteAddress, stream, reason: decision.reason });
      const fields = { stream, ip: this.remoteAddress, status: decision.status, reason: decision.reason };
      if (decision.error === undefined) this.#log.info(fields, 'rtmp: publish refused');
      else this.#log.warn({ ...fields, err: decision.error }, 'rtmp: publish refused: access check failed');
      this.session.rejectPublish(streamId, REFUSAL_STATUS[decision.status], `publish refused: ${decision.reason}`);
      this.flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      this.socket.end();
    }).catch((err: unknown) => {
      // Outside the data handler's try: an unexpected error here closes this connection, not the process.
      this.#log.error({ err }, 'rtmp: publish failed');
      this.socket.destroy();
    });
  }

  #publish(streamId: number, key: StreamKey, grant: AccessGrant, hops: number): void {
    const query = grant.ctx.query;
    let publisher: Publisher;
    try {
      publisher = this.hub.publish(
        key,
        // Forward URLs the onPublish hook gave go with the publisher (@flvcast/fastify-relay pushes to them).
        { protocol: 'rtmp', remoteAddress: this.remoteAddress, query, hops, ...(grant.forward === undefined ? {} : { forward: grant.forward }) },
        {
          onEvict: (reason) => {
            // The hub closes with the server: the encoder may be asked to reconnect rather than just cut off.
            if (this.hub.closed) return void this.shutdown();
            const expired = this.#grants.get(streamId)?.expired === true;
            this.#log.info({ reason: expired ? EndReasonTokenExpired : reason }, 'rtmp: publisher evicted');
            this.#publishers.delete(streamId);
            if (expired) this.session.sendStatus(streamId, 'error', REFUSAL_STATUS[401], 'stopped: token expired');
            else this.session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', `stopped: ${reason}`);
            this.flush();
            this.socket.end();
            this.#release(streamId, publisher, reason);
          },
        },
      );
    } catch (err) {
      if (!(err instanceof HubError)) throw err;
      // Busy key and invalid name alike: BadName is the status encoders understand (ffmpeg prints the description).
      // A server limit is Rejected (librtmp/OBS stop on it too).
      const tooMany = err.code === HubErrorCode.tooManyStreams;
      const code = tooMany ? 'NetStream.Publish.Rejected' : 'NetStream.Publish.BadName';
      const fields = { stream: streamKeyToString(key) };
      if (tooMany) this.reporter.limit(this.#log, { limit: 'maxStreams', protocol: 'rtmp', remoteAddress: this.remoteAddress }, err.code, fields, `rtmp: publish refused: ${err.message}`);
      else this.reporter.warn(this.#log, logCodeOf(err), this.remoteAddress, fields, `rtmp: publish refused: ${err.message}`);
      this.session.rejectPublish(streamId, code, err.message);
      this.flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      this.socket.end();
      return;
    }
    this.#publishers.set(streamId, publisher);
    this.#log = this.#log.child({ stream: streamKeyToString(key) });
    this.session.acceptPublish(streamId);
    this.flush();
    this.#log.info({ ip: this.remoteAddress }, 'rtmp: publishing');
    const log = this.#log;
    this.#grants.set(
      streamId,
      followGrant(grant, {
        kick: () => {
          log.info({ reason: EndReasonTokenExpired }, 'rtmp: signed URL expired, disconnecting publisher');
          publisher.evict('kicked');
        },
        onEnd: this.options.onUnpublish,
        onEndError: (err) => log.warn({ err }, 'rtmp: onUnpublish hook failed'),
      }),
    );
  }

  /**
   * A publisher ended: stop its expiry timer and tell onUnpublish (a notification: failures are only
   * logged), with `token-expired` as the reason once it was cut for its signed URL.
   */
  #release(streamId: number, publisher: Publisher, reason: string): void {
    const follower = this.#grants.get(streamId);
    if (follower === undefined) return;
    this.#grants.delete(streamId);
    follower.end(publisher.bytesIn, reason);
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
    this.#pending.clear();
    for (const [streamId, publisher] of this.#publishers) {
      publisher.end();
      this.#release(streamId, publisher, 'disconnected');
    }
    if (this.#publishers.size > 0) this.#log.info('rtmp: publisher disconnected');
    this.#publishers.clear();
    for (const controller of this.#pendingPlays.values()) controller.abort();
    this.#pendingPlays.clear();
    for (const player of this.#players.values()) {
      player.stop();
      this.#releasePlay(player, EndReason.left);
      this.#log.info({ bytes: player.bytesSent, reason: EndReason.left }, 'rtmp: player left');
    }
    this.#players.clear();
    for (const slot of this.#slots.values()) slot.release();
    this.#slots.clear();
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
