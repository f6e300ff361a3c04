import { EndReasonTokenExpired, followGrant, type AccessGrant, type GrantFollower } from '@flvcast/access';
import type { Amf0Value } from '@flvcast/amf0';
import { HubError, HubErrorCode, invalidKeyPart, streamKeyToString, type Publisher, type StreamKey } from '@flvcast/hub';
import { logCodeOf } from '@flvcast/limits';
import type { ConnectionContext } from './connection-context.js';
import { forwardHops } from './forward-hops.js';
import { REFUSAL_STATUS, checkPublish, publishContext, publishGuarded } from './publish-access.js';

/**
 * The publishers of one RTMP connection: the access check and hop limit before a publish is answered, the
 * hub publishers it feeds, their eviction, signed URL expiry and the onUnpublish notification.
 */
export class Publishing {
  readonly #publishers = new Map<number, Publisher>();
  /** Admitted publishes, followed for the expiry kick and the onUnpublish notification. */
  readonly #grants = new Map<number, GrantFollower>();
  /** Publishes waiting on access checks; the session drops their media meanwhile (nothing buffers). */
  readonly #pending = new Set<number>();

  readonly #conn: ConnectionContext;

  constructor(conn: ConnectionContext) {
    this.#conn = conn;
  }

  /** Some stream of the connection is being published. */
  get active(): boolean {
    return this.#publishers.size > 0;
  }

  has(streamId: number): boolean {
    return this.#publishers.has(streamId);
  }

  /**
   * A publish command: checked (signed URL, onPublish hook) before it is answered. Until then the encoder
   * has no Publish.Start, so it sends no media; whatever it sends anyway is dropped by the session.
   */
  request(streamId: number, name: string, query: Record<string, string>): void {
    const conn = this.#conn;
    const { key, ctx } = publishContext({ clientId: conn.id, remoteAddress: conn.remoteAddress, app: conn.session.app, tcUrl: conn.tcUrl, name, query });
    const hops = forwardHops(conn.connectCommand, query);
    if (hops > conn.options.maxForwardHops) {
      // A loop of forwarding servers (or a chain too long): refused before any check or hub work.
      const stream = streamKeyToString(key);
      const reason = `the stream already crossed ${hops} servers (maxForwardHops is ${conn.options.maxForwardHops}): a forwarding loop?`;
      conn.hub.events.emit('deny', { action: 'publish', protocol: 'rtmp', remoteAddress: conn.remoteAddress, stream, reason });
      conn.log.warn({ stream, ip: conn.remoteAddress, hops, reason }, 'rtmp: publish refused: too many forward hops');
      conn.session.rejectPublish(streamId, 'NetStream.Publish.Rejected', `publish refused: ${reason}`);
      conn.flush();
      conn.end();
      return;
    }
    // A bad name is refused as it always was (BadName); the hooks only see names that could be published.
    if (!publishGuarded(conn.options) || invalidKeyPart(key) !== undefined) return this.#publish(streamId, key, { ctx, expiresAtMs: undefined }, hops);
    this.#pending.add(streamId);
    const stream = streamKeyToString(key);
    void checkPublish(ctx, conn.options).then((decision) => {
      // The encoder left, or unpublished, while we were asking.
      if (conn.closed || !this.#pending.delete(streamId)) return;
      if (decision.allowed) return this.#publish(streamId, key, decision.grant, hops);
      conn.hub.events.emit('deny', { action: 'publish', protocol: 'rtmp', remoteAddress: conn.remoteAddress, stream, reason: decision.reason });
      const fields = { stream, ip: conn.remoteAddress, status: decision.status, reason: decision.reason };
      if (decision.error === undefined) conn.log.info(fields, 'rtmp: publish refused');
      else conn.log.warn({ ...fields, err: decision.error }, 'rtmp: publish refused: access check failed');
      conn.session.rejectPublish(streamId, REFUSAL_STATUS[decision.status], `publish refused: ${decision.reason}`);
      conn.flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      conn.end();
    }).catch((err: unknown) => {
      // Outside the data handler's try: an unexpected error here closes this connection, not the process.
      conn.log.error({ err }, 'rtmp: publish failed');
      conn.destroy();
    });
  }

  /** @setDataFrame / onMetaData of a published stream. */
  data(streamId: number, name: string, data: Amf0Value): void {
    this.#publishers.get(streamId)?.data(name, data);
  }

  /** A media message of a published stream (the caller checked `has`). */
  media(streamId: number, type: 'audio' | 'video', timestamp: number, payload: Uint8Array): void {
    const publisher = this.#publishers.get(streamId);
    if (publisher === undefined) return;
    try {
      if (type === 'audio') publisher.audio(timestamp, payload);
      else publisher.video(timestamp, payload);
    } catch (err) {
      // An encoder glitch, not an attack: drop that message, keep the publisher (throttled warn).
      if (!(err instanceof HubError) || err.code !== HubErrorCode.badSequenceHeader) throw err;
      this.#conn.reporter.warn(this.#conn.log, err.code, this.#conn.remoteAddress, {}, `rtmp: ${err.message}`);
    }
  }

  /** FCUnpublish, closeStream or deleteStream of a publishing (or still pending) stream. */
  unpublish(streamId: number, reason: string): void {
    this.#pending.delete(streamId);
    const publisher = this.#publishers.get(streamId);
    this.#publishers.delete(streamId);
    if (publisher !== undefined) {
      publisher.end();
      this.#conn.log.info({ reason }, 'rtmp: unpublished');
      this.#release(streamId, publisher, 'unpublished');
    }
  }

  /**
   * Server shutdown: the publishers end; without a reconnect request each stream is told Unpublish.Success.
   * The caller flushes.
   */
  shutdown(reconnect: boolean): void {
    for (const [streamId, publisher] of this.#publishers) {
      if (!reconnect) this.#conn.session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', 'stopped: server shutting down');
      publisher.end();
      // onUnpublish hears of it, and the signed URL's expiry timer stops (it would evict an ended publisher).
      this.#release(streamId, publisher, 'closed');
    }
    this.#publishers.clear();
  }

  /** The socket closed: publishers end and onUnpublish hears `disconnected`. */
  close(): void {
    this.#pending.clear();
    for (const [streamId, publisher] of this.#publishers) {
      publisher.end();
      this.#release(streamId, publisher, 'disconnected');
    }
    if (this.#publishers.size > 0) this.#conn.log.info('rtmp: publisher disconnected');
    this.#publishers.clear();
  }

  #publish(streamId: number, key: StreamKey, grant: AccessGrant, hops: number): void {
    const conn = this.#conn;
    const query = grant.ctx.query;
    let publisher: Publisher;
    try {
      publisher = conn.hub.publish(
        key,
        // Forward URLs the onPublish hook gave go with the publisher (@flvcast/fastify-relay pushes to them).
        { protocol: 'rtmp', remoteAddress: conn.remoteAddress, query, hops, ...(grant.forward === undefined ? {} : { forward: grant.forward }) },
        {
          onEvict: (reason) => {
            // The hub closes with the server: the encoder may be asked to reconnect rather than just cut off.
            if (conn.hub.closed) return void conn.shutdown();
            const expired = this.#grants.get(streamId)?.expired === true;
            conn.log.info({ reason: expired ? EndReasonTokenExpired : reason }, 'rtmp: publisher evicted');
            this.#publishers.delete(streamId);
            if (expired) conn.session.sendStatus(streamId, 'error', REFUSAL_STATUS[401], 'stopped: token expired');
            else conn.session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', `stopped: ${reason}`);
            conn.flush();
            conn.end();
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
      if (tooMany) conn.reporter.limit(conn.log, { limit: 'maxStreams', protocol: 'rtmp', remoteAddress: conn.remoteAddress }, err.code, fields, `rtmp: publish refused: ${err.message}`);
      else conn.reporter.warn(conn.log, logCodeOf(err), conn.remoteAddress, fields, `rtmp: publish refused: ${err.message}`);
      conn.session.rejectPublish(streamId, code, err.message);
      conn.flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      conn.end();
      return;
    }
    this.#publishers.set(streamId, publisher);
    conn.bindLogStream(streamKeyToString(key));
    conn.session.acceptPublish(streamId);
    conn.flush();
    conn.log.info({ ip: conn.remoteAddress }, 'rtmp: publishing');
    const log = conn.log;
    this.#grants.set(
      streamId,
      followGrant(grant, {
        kick: () => {
          log.info({ reason: EndReasonTokenExpired }, 'rtmp: signed URL expired, disconnecting publisher');
          publisher.evict('kicked');
        },
        onEnd: conn.options.onUnpublish,
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
}
