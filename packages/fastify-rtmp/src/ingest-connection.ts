import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { EndReasonTokenExpired, followGrant, redactToken, type AccessGrant, type GrantFollower } from '@flvcast/access';
import { HubError, HubErrorCode, invalidKeyPart, streamKeyToString, type Hub, type Publisher, type StreamKey } from '@flvcast/hub';
import { logCodeOf, type LimitReporter, type LogCode } from '@flvcast/limits';
import { RtmpServerSession, type RtmpEvent } from '@flvcast/rtmp';
import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedRtmpOptions } from './options.js';
import { REFUSAL_STATUS, checkPublish, publishContext, publishGuarded } from './publish-access.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => createHmac('sha256', key).update(data).digest();

/** Where the connection is, for the timeout that applies. */
type Phase = 'handshake' | 'waiting' | 'active';

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
export class IngestConnection {
  readonly #session: RtmpServerSession;
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
    private readonly hub: Hub,
    private readonly options: ResolvedRtmpOptions,
    log: FastifyBaseLogger,
    private readonly reporter: LimitReporter,
  ) {
    this.#log = log.child({ client: id });
    this.#session = new RtmpServerSession({
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
    socket.on('close', () => this.#onClose());
    this.#whenClosed = new Promise((resolve) => socket.once('close', () => resolve()));
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
    const reconnect = this.#session.connected && this.#session.supportsReconnect;
    if (reconnect) {
      this.#session.sendReconnectRequest(this.#tcUrl, 'flvcast is shutting down; reconnect to resume publishing');
      this.#log.info({ tcUrl: this.#tcUrl === undefined ? undefined : redactToken(this.#tcUrl) }, 'rtmp: shutdown, asked the encoder to reconnect');
    }
    for (const [streamId, publisher] of this.#publishers) {
      if (!reconnect) this.#session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', 'stopped: server shutting down');
      publisher.end();
    }
    this.#publishers.clear();
    this.#flush();
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
      events = this.#session.push(data);
      for (const event of events) this.#onEvent(event);
    } catch (err) {
      const e = err as { message?: string };
      const code = logCodeOf(err);
      const message = `rtmp: closing connection: ${e.message ?? String(err)}`;
      const limit = LIMIT_OF_ERROR[code];
      if (limit !== undefined) this.reporter.limit(this.#log, { limit, protocol: 'rtmp', remoteAddress: this.remoteAddress }, code, {}, message);
      else this.reporter.warn(this.#log, code, this.remoteAddress, {}, message);
      this.#flush();
      this.socket.destroy();
      return;
    }
    if (this.#phase === 'handshake' && this.#session.handshakeDone) {
      this.#phase = 'waiting';
      this.socket.setTimeout(this.options.firstPacketTimeoutMs);
    }
    this.#flush();
  }

  #flush(): void {
    const out = this.#session.takeOutput();
    if (out.length === 0 || this.socket.destroyed || this.socket.writableEnded) return;
    this.socket.cork();
    for (const chunk of out) this.socket.write(chunk);
    this.socket.uncork();
  }

  #onEvent(event: RtmpEvent): void {
    switch (event.type) {
      case 'connect':
        this.#log.info({ app: event.app, tcUrl: event.tcUrl === undefined ? undefined : redactToken(event.tcUrl), ip: this.remoteAddress }, 'rtmp: connect');
        this.#tcUrl = event.tcUrl;
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
        if (this.#phase !== 'active') {
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
        // RTMP playback is not offered yet: say so in the form players understand.
        this.#session.rejectPlay(event.streamId, 'NetStream.Play.Failed', 'RTMP playback is not enabled on this server; use HTTP-FLV or WS-FLV');
        return;
      default:
        return;
    }
  }

  /**
   * A publish command: checked (signed URL, onPublish hook) before it is answered. Until then the encoder
   * has no Publish.Start, so it sends no media; whatever it sends anyway is dropped by the session.
   */
  #requestPublish(streamId: number, name: string, query: Record<string, string>): void {
    const { key, ctx } = publishContext({ clientId: this.id, remoteAddress: this.remoteAddress, app: this.#session.app, tcUrl: this.#tcUrl, name, query });
    // A bad name is refused as it always was (BadName); the hooks only see names that could be published.
    if (!publishGuarded(this.options) || invalidKeyPart(key) !== undefined) return this.#publish(streamId, key, { ctx, expiresAtMs: undefined });
    this.#pending.add(streamId);
    const stream = streamKeyToString(key);
    void checkPublish(ctx, this.options).then((decision) => {
      // The encoder left, or unpublished, while we were asking.
      if (this.#closed || !this.#pending.delete(streamId)) return;
      if (decision.allowed) return this.#publish(streamId, key, decision.grant);
      this.hub.events.emit('deny', { action: 'publish', protocol: 'rtmp', remoteAddress: this.remoteAddress, stream, reason: decision.reason });
      const fields = { stream, ip: this.remoteAddress, status: decision.status, reason: decision.reason };
      if (decision.error === undefined) this.#log.info(fields, 'rtmp: publish refused');
      else this.#log.warn({ ...fields, err: decision.error }, 'rtmp: publish refused: access check failed');
      this.#session.rejectPublish(streamId, REFUSAL_STATUS[decision.status], `publish refused: ${decision.reason}`);
      this.#flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      this.socket.end();
    }).catch((err: unknown) => {
      // Outside the data handler's try: an unexpected error here closes this connection, not the process.
      this.#log.error({ err }, 'rtmp: publish failed');
      this.socket.destroy();
    });
  }

  #publish(streamId: number, key: StreamKey, grant: AccessGrant): void {
    const query = grant.ctx.query;
    let publisher: Publisher;
    try {
      publisher = this.hub.publish(
        key,
        { protocol: 'rtmp', remoteAddress: this.remoteAddress, query },
        {
          onEvict: (reason) => {
            // The hub closes with the server: the encoder may be asked to reconnect rather than just cut off.
            if (this.hub.closed) return void this.shutdown();
            const expired = this.#grants.get(streamId)?.expired === true;
            this.#log.info({ reason: expired ? EndReasonTokenExpired : reason }, 'rtmp: publisher evicted');
            this.#publishers.delete(streamId);
            if (expired) this.#session.sendStatus(streamId, 'error', REFUSAL_STATUS[401], 'stopped: token expired');
            else this.#session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', `stopped: ${reason}`);
            this.#flush();
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
      this.#session.rejectPublish(streamId, code, err.message);
      this.#flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      this.socket.end();
      return;
    }
    this.#publishers.set(streamId, publisher);
    this.#log = this.#log.child({ stream: streamKeyToString(key) });
    this.#session.acceptPublish(streamId);
    this.#flush();
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
  }
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
