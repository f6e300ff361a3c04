import { createHmac } from 'node:crypto';
import type { Socket } from 'node:net';
import { HubError, HubErrorCode, streamKeyToString, type Hub, type LimitReporter, type Publisher, type StreamKey } from '@flvcast/hub';
import { RtmpServerSession, type RtmpEvent } from '@flvcast/rtmp';
import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedRtmpOptions } from './options.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => createHmac('sha256', key).update(data).digest();

/** Where the connection is, for the timeout that applies. */
type Phase = 'handshake' | 'waiting' | 'active';

/** Protocol errors that are a configured limit being hit (reported as `limit` events too). */
const LIMIT_OF_ERROR: Record<string, string> = {
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
  #phase: Phase = 'handshake';
  #closed = false;
  #log: FastifyBaseLogger;

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
      chunkSize: options.chunkSize,
      maxChunkSize: options.maxChunkSize,
      maxMessageSize: options.maxMessageSize,
      windowAckSize: options.windowAckSize,
    });
    socket.setNoDelay(true);
    socket.setTimeout(options.handshakeTimeoutMs);
    socket.on('timeout', () => this.#onTimeout());
    socket.on('data', (data: Buffer) => this.#onData(data));
    socket.on('error', (err) => this.#log.debug({ err: err.message }, 'rtmp socket error'));
    socket.on('close', () => this.#onClose());
  }

  get remoteAddress(): string {
    return this.socket.remoteAddress ?? '';
  }

  /** Ends the connection (server shutdown): publishers end, viewers keep their grace window. */
  destroy(): void {
    this.socket.destroy();
  }

  #onData(data: Buffer): void {
    if (this.#closed) return;
    let events: RtmpEvent[];
    try {
      events = this.#session.push(data);
      for (const event of events) this.#onEvent(event);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      const code = e.code ?? 'ERR_UNEXPECTED';
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
    if (out.length === 0 || this.socket.destroyed) return;
    this.socket.cork();
    for (const chunk of out) this.socket.write(chunk);
    this.socket.uncork();
  }

  #onEvent(event: RtmpEvent): void {
    switch (event.type) {
      case 'connect':
        this.#log.info({ app: event.app, tcUrl: event.tcUrl, ip: this.remoteAddress }, 'rtmp: connect');
        return;
      case 'publish':
        return this.#publish(event.streamId, event.name, event.query);
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
        if (event.type === 'audio') publisher.audio(event.timestamp, event.payload);
        else publisher.video(event.timestamp, event.payload);
        return;
      }
      case 'unpublish': {
        const publisher = this.#publishers.get(event.streamId);
        this.#publishers.delete(event.streamId);
        if (publisher !== undefined) {
          publisher.end();
          this.#log.info({ reason: event.reason }, 'rtmp: unpublished');
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

  #publish(streamId: number, name: string, query: Record<string, string>): void {
    const key: StreamKey = { vhost: query.vhost ?? '', app: this.#session.app, stream: name };
    let publisher: Publisher;
    try {
      publisher = this.hub.publish(
        key,
        { protocol: 'rtmp', remoteAddress: this.remoteAddress, query },
        {
          onEvict: (reason) => {
            this.#log.info({ reason }, 'rtmp: publisher evicted');
            this.#publishers.delete(streamId);
            this.#session.sendStatus(streamId, 'status', 'NetStream.Unpublish.Success', `stopped: ${reason}`);
            this.#flush();
            this.socket.end();
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
      else this.reporter.warn(this.#log, err.code, this.remoteAddress, fields, `rtmp: publish refused: ${err.message}`);
      this.#session.rejectPublish(streamId, code, err.message);
      this.#flush();
      // The status goes out first; the encoder aborts on it and we close our side.
      this.socket.end();
      return;
    }
    this.#publishers.set(streamId, publisher);
    this.#log = this.#log.child({ stream: streamKeyToString(key) });
    this.#session.acceptPublish(streamId);
    this.#log.info({ ip: this.remoteAddress }, 'rtmp: publishing');
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
    for (const publisher of this.#publishers.values()) publisher.end();
    if (this.#publishers.size > 0) this.#log.info('rtmp: publisher disconnected');
    this.#publishers.clear();
  }
}
