import { EndReasonTokenExpired, followGrant, type AccessGrant, type GrantFollower } from '@flvcast/access';
import type { Amf0Value } from '@flvcast/amf0';
import { EndReason, invalidKeyPart, streamKeyToString, type Hub, type HubEndReason, type StreamKey, type ViewerLimit, type ViewerSlot } from '@flvcast/hub';
import type { LogCode } from '@flvcast/limits';
import type { RtmpServerSession } from '@flvcast/rtmp';
import type { ConnectionContext } from './connection-context.js';
import { PLAY_REFUSAL, checkPlay, playGuarded } from './play-access.js';
import { announcedFourCcs, playCodecProblem } from './play-codecs.js';
import type { PlayerFormats } from './player-formats.js';
import { publishContext } from './publish-access.js';
import { RtmpPlayer, type PlayerConnection } from './rtmp-player.js';

/** Longest a play waits for a just-published stream's codecs before it is answered (as HTTP's 415 check). */
const DECIDE_WAIT_MS = 5000;
/** The longest stream name a play may carry (names are checked by the hub too; this bounds the log line). */
const MAX_PLAY_NAME = 1024;

/** The log code of each viewer limit hit by a player. */
const VIEWER_LIMIT_CODE: Record<ViewerLimit, LogCode> = {
  maxViewers: 'ERR_RTMP_TOO_MANY_VIEWERS',
  maxViewersPerStream: 'ERR_RTMP_TOO_MANY_VIEWERS_PER_STREAM',
  maxViewersPerIp: 'ERR_RTMP_TOO_MANY_VIEWERS_PER_IP',
};

/**
 * The players of one RTMP connection: the checks before a play is answered (access, the stream, its codecs,
 * viewer limits), the hub subscriptions of its RtmpPlayers, pause and track changes, and how each one ends.
 */
export class Playing implements PlayerConnection {
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
  /** Tracks asked for with receiveAudio/receiveVideo before play. */
  #receive = { audio: true, video: true };

  readonly #conn: ConnectionContext;

  constructor(
    conn: ConnectionContext,
    readonly formats: PlayerFormats,
  ) {
    this.#conn = conn;
  }

  get hub(): Hub {
    return this.#conn.hub;
  }

  get session(): RtmpServerSession {
    return this.#conn.session;
  }

  get mergeWriteMs(): number {
    return this.#conn.options.playMergeWriteMs;
  }

  /** Some stream of the connection plays, or waits to be answered. */
  get active(): boolean {
    return this.#players.size > 0 || this.#pendingPlays.size > 0;
  }

  writeMedia(chunks: readonly Uint8Array[]): boolean {
    return this.#conn.writeMedia(chunks);
  }

  flush(): void {
    this.#conn.flush();
  }

  /** The connect command: the codecs the player can take. */
  connect(command: Readonly<Record<string, Amf0Value>>): void {
    this.#fourCcs = announcedFourCcs(command);
  }

  /** The socket drained: the hub hands over what it kept meanwhile. */
  resume(): void {
    for (const player of this.#players.values()) player.resume();
  }

  /**
   * A play command: the stream is looked up (the resolver may start a pull for it, for a bounded time), its
   * codecs waited for, and only then is the play answered, so a refusal always comes before any media byte.
   */
  request(streamId: number, name: string, query: Record<string, string>): void {
    const conn = this.#conn;
    conn.startedPlaying();
    const key: StreamKey = { vhost: query.vhost ?? '', app: conn.session.app, stream: name };
    const stream = streamKeyToString(key);
    const bad = name.length > MAX_PLAY_NAME ? 'stream' : invalidKeyPart(key);
    if (bad !== undefined) {
      const shown = name.length > 64 ? `${name.slice(0, 64)}…` : name;
      return this.#refuse(streamId, 'NetStream.Play.StreamNotFound', `invalid ${bad} name: use letters, digits, _ - . (no "..")`, { name: shown });
    }
    const controller = new AbortController();
    this.#pendingPlays.set(streamId, controller);
    void this.#admit(streamId, key, name, query, controller.signal).then(
      (verdict) => {
        if (controller.signal.aborted || conn.closed) return;
        this.#pendingPlays.delete(streamId);
        if ('code' in verdict) return this.#refuse(streamId, verdict.code, verdict.reason, { stream }, verdict.logged);
        this.#start(streamId, key, verdict.grant);
      },
      (err: unknown) => {
        conn.log.error({ err }, 'rtmp: play failed');
        conn.destroy();
      },
    );
  }

  /** closeStream or deleteStream of a played (or still pending) stream. */
  stop(streamId: number, reason: string): void {
    this.#pendingPlays.get(streamId)?.abort();
    this.#pendingPlays.delete(streamId);
    const player = this.#players.get(streamId);
    if (player === undefined) return;
    this.#players.delete(streamId);
    player.stop();
    this.#release(player, EndReason.left);
    this.#conn.log.info({ reason, bytes: player.bytesSent }, 'rtmp: player stopped');
    this.#conn.stoppedPlaying();
  }

  /** pause, receiveAudio, receiveVideo: what a player may change while it plays. */
  command(streamId: number, name: string, args: Amf0Value[]): void {
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
    this.#conn.log.info({ paused: flag }, flag ? 'rtmp: player paused' : 'rtmp: player unpaused');
    this.#conn.pausedPlaying(this.#players.size > 0 && [...this.#players.values()].every((p) => p.paused));
  }

  /**
   * The hub ended a player: the stream really ended (the reconnect grace is over: UnpublishNotify, which
   * ffmpeg takes for the end), the server closes or kicked it (Play.Stop), its signed URL expired (an error
   * status), or it accepted nothing for stallTimeoutMs (cut at once). The connection closes in every case.
   */
  ended(player: RtmpPlayer, reason: HubEndReason): void {
    const conn = this.#conn;
    if (this.#players.get(player.streamId) !== player) return;
    this.#players.delete(player.streamId);
    player.stop();
    this.#release(player, reason);
    const fields = { reason, bytes: player.bytesSent };
    if (reason === EndReason.stalled) {
      conn.reporter.limit(conn.log, { limit: 'stallTimeoutMs', protocol: player.info.protocol, remoteAddress: conn.remoteAddress }, 'ERR_RTMP_PLAYER_STALLED', fields, `rtmp: player accepted nothing for ${conn.hub.options.stallTimeoutMs} ms (stallTimeoutMs), disconnected`);
      conn.destroy();
      return;
    }
    if (reason === EndReason.tokenExpired) conn.session.sendStatus(player.streamId, 'error', 'NetStream.Play.Failed', 'stopped: signed URL expired');
    else conn.session.sendPlayStop(player.streamId, reason === EndReason.unpublished, reason === EndReason.unpublished ? undefined : `stopped: ${reason}`);
    conn.log.info(fields, 'rtmp: player ended');
    conn.flush();
    conn.end();
  }

  /** Server shutdown: each player is told Play.Stop and onStop hears `closed`. The caller flushes. */
  shutdown(): void {
    for (const [streamId, player] of this.#players) {
      player.stop();
      this.#release(player, EndReason.closed);
      this.#conn.session.sendPlayStop(streamId, false, 'stopped: server shutting down');
    }
    this.#players.clear();
  }

  /** The socket closed: pending plays are abandoned, players leave, their viewer slots are freed. */
  close(): void {
    for (const controller of this.#pendingPlays.values()) controller.abort();
    this.#pendingPlays.clear();
    for (const player of this.#players.values()) {
      player.stop();
      this.#release(player, EndReason.left);
      this.#conn.log.info({ bytes: player.bytesSent, reason: EndReason.left }, 'rtmp: player left');
    }
    this.#players.clear();
    for (const slot of this.#slots.values()) slot.release();
    this.#slots.clear();
  }

  /** A player went on (unpause, a track change) but its stream had ended meanwhile. */
  #streamGone(player: RtmpPlayer): void {
    this.ended(player, EndReason.unpublished);
  }

  /**
   * The checks before a play is answered, in HTTP's order: access (signed URL, IP rules, onPlay), the stream
   * (the resolver may bring it), its codecs against what the player announced.
   */
  async #admit(streamId: number, key: StreamKey, name: string, query: Record<string, string>, signal: AbortSignal): Promise<{ code: string; reason: string; logged?: true } | { grant: AccessGrant | undefined }> {
    const conn = this.#conn;
    let grant: AccessGrant | undefined;
    if (playGuarded(conn.options)) {
      const { ctx } = publishContext({ clientId: conn.id, remoteAddress: conn.remoteAddress, app: conn.session.app, tcUrl: conn.tcUrl, name, query, action: 'play', protocol: conn.protocol });
      const decision = await checkPlay(ctx, conn.options);
      if (signal.aborted) return { grant: undefined };
      if (!decision.allowed) {
        const stream = streamKeyToString(key);
        conn.hub.events.emit('deny', { action: 'play', protocol: conn.protocol, remoteAddress: conn.remoteAddress, stream, reason: decision.reason });
        const fields = { stream, ip: conn.remoteAddress, status: decision.status, reason: decision.reason };
        if (decision.error === undefined) conn.log.info(fields, 'rtmp: play refused');
        else conn.log.warn({ ...fields, err: decision.error }, 'rtmp: play refused: access check failed');
        return { code: 'NetStream.Play.Failed', reason: `play refused (${PLAY_REFUSAL[decision.status]}): ${decision.reason}`, logged: true };
      }
      grant = decision.grant;
    }
    const live = conn.hub.get(key) ?? (await conn.hub.find(key, { query: new URLSearchParams(query).toString() }));
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

  #start(streamId: number, key: StreamKey, grant: AccessGrant | undefined): void {
    const conn = this.#conn;
    // The same viewer limits as HTTP and WS viewers, in the same totals (the hub counts them).
    const stream = streamKeyToString(key);
    const slot = conn.hub.viewers.acquire(conn.remoteAddress, stream);
    if (typeof slot === 'string') {
      const max = conn.hub.options[slot];
      const message = slot === 'maxViewersPerIp'
        ? `too many viewers from your address (maxViewersPerIp is ${max})`
        : slot === 'maxViewersPerStream'
          ? `stream ${stream} has its maximum of ${max} viewers (maxViewersPerStream)`
          : `this server has its maximum of ${max} viewers (maxViewers)`;
      conn.reporter.limit(conn.log, { limit: slot, protocol: conn.protocol, remoteAddress: conn.remoteAddress }, VIEWER_LIMIT_CODE[slot], { stream }, `rtmp: player refused: ${message}`);
      return this.#refuse(streamId, 'NetStream.Play.Failed', message, { stream }, true);
    }
    if (!conn.session.acceptPlay(streamId)) return slot.release(); // the player deleted the stream meanwhile
    this.#slots.set(streamId, slot);
    conn.flush();
    const player = new RtmpPlayer(streamId, key, { protocol: conn.protocol, remoteAddress: conn.remoteAddress }, this, this.#receive);
    this.#players.set(streamId, player);
    if (grant !== undefined) {
      const log = conn.log;
      this.#playGrants.set(
        streamId,
        followGrant(grant, {
          kick: () => {
            log.info({ reason: EndReasonTokenExpired }, 'rtmp: signed URL expired, disconnecting player');
            player.kick(EndReason.tokenExpired);
          },
          onEnd: conn.options.onStop,
          onEndError: (err) => log.warn({ err }, 'rtmp: onStop hook failed'),
        }),
      );
    }
    // The player's stream (metadata, configuration, the cached GOP from a keyframe) starts as it subscribes.
    if (!player.start()) return this.#streamGone(player);
    conn.log.info({ stream: streamKeyToString(key), ip: conn.remoteAddress, client: player.subscriber?.id }, 'rtmp: playing');
  }

  /** A player is gone: its viewer slot is freed and onStop hears of it (with what it was sent and why). */
  #release(player: RtmpPlayer, reason: string): void {
    this.#slots.get(player.streamId)?.release();
    this.#slots.delete(player.streamId);
    const follower = this.#playGrants.get(player.streamId);
    if (follower === undefined) return;
    this.#playGrants.delete(player.streamId);
    follower.end(player.bytesSent, reason);
  }

  /** A refused play: an error status naming the reason, one log line, and the connection closes. */
  #refuse(streamId: number, code: string, reason: string, fields: Record<string, unknown>, logged = false): void {
    if (!logged) this.#conn.log.info({ ...fields, ip: this.#conn.remoteAddress, status: code, reason }, 'rtmp: play refused');
    this.#conn.session.rejectPlay(streamId, code, reason);
    this.#conn.flush();
    this.#conn.end();
  }
}
