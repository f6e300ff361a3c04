import { decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from '@flvcast/amf0';
import { amf0Body, decodeCommand, encodeCommand, type RtmpCommand } from './command.js';
import { ClientHandshake } from './handshake.js';
import { MessageType, UserControlEvent } from './message-type.js';
import { encodeSetBufferLength, parseProtocolControl } from './protocol-control.js';
import { RtmpConnection } from './rtmp-connection.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';
import { ChunkStreamId, type RtmpMessage } from './rtmp-message.js';

export interface RtmpClientSessionOptions {
  app: string;
  tcUrl: string;
  /** outgoing chunk size, announced right after the handshake (default 4096) */
  chunkSize?: number;
  /** flashVer sent in connect (default 'FMLE/3.0 (compatible; flvcast)', as encoders identify) */
  flashVer?: string;
  /** extra properties for the connect command object (e.g. Enhanced RTMP fourCcList, capsEx) */
  connectProperties?: Amf0Object;
  maxMessageSize?: number;
  now?: () => number;
}

export type RtmpClientEvent =
  | { type: 'connected'; properties: Amf0Value; info: Amf0Value }
  | { type: 'published'; streamId: number }
  | { type: 'playing'; streamId: number }
  | { type: 'status'; streamId: number; level: string; code: string; description: string; info: Amf0Object }
  | { type: 'audio' | 'video'; streamId: number; timestamp: number; payload: Uint8Array }
  | { type: 'metadata'; streamId: number; timestamp: number; name: string; data: Amf0Value; payload: Uint8Array }
  /** a played stream ended at the server (NetStream.Play.Stop, .UnpublishNotify or .Complete, or Stream EOF) */
  | { type: 'ended'; streamId: number; code: string }
  /** an error status or an _error reply; the connection is of no further use for that action */
  | { type: 'error'; code: string; description: string };

type Intent = { kind: 'publish'; name: string; publishType: string } | { kind: 'play'; name: string };

/**
 * A minimal RTMP client (publisher or player) without the socket, for tests, relays and edges.
 * It drives connect → createStream → publish/play itself; call takeOutput() after every call.
 */
export class RtmpClientSession {
  readonly #opts: RtmpClientSessionOptions;
  readonly #conn: RtmpConnection;
  readonly #handshake: ClientHandshake;
  #started = false;
  #connected = false;
  #intent: Intent | undefined;
  #nextTxn = 1;
  readonly #pending = new Map<number, string>();
  #streamId = 0;
  #mediaOnStream0 = 0;
  #playEnded = false;
  #state: 'idle' | 'creating' | 'starting' | 'publishing' | 'playing' | 'closed' = 'idle';

  constructor(opts: RtmpClientSessionOptions) {
    this.#opts = opts;
    this.#conn = new RtmpConnection({ ...(opts.maxMessageSize === undefined ? {} : { maxMessageSize: opts.maxMessageSize }) });
    this.#handshake = new ClientHandshake(opts.now ? { now: opts.now } : {});
  }

  get streamId(): number {
    return this.#streamId;
  }

  /** Media messages the server sent on message stream 0 while we played (taken as the played stream's). */
  get mediaOnStream0(): number {
    return this.#mediaOnStream0;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Queues C0 + C1. */
  start(): void {
    if (this.#started) throw new RtmpError(RtmpErrorCode.State, 'client session already started');
    this.#started = true;
    this.#conn.sendRaw(this.#handshake.start());
  }

  takeOutput(): Uint8Array[] {
    return this.#conn.takeOutput();
  }

  /** Publishes once connected (connect and createStream are done first if needed). */
  publish(name: string, publishType = 'live'): void {
    this.#setIntent({ kind: 'publish', name, publishType });
  }

  play(name: string): void {
    this.#setIntent({ kind: 'play', name });
  }

  sendMetadata(data: Amf0Value, timestamp = 0): void {
    this.#sendMedia(MessageType.DataAmf0, ChunkStreamId.StreamCommand, timestamp, encodeAmf0('@setDataFrame', 'onMetaData', data));
  }

  sendAudio(timestamp: number, payload: Uint8Array): void {
    this.#sendMedia(MessageType.Audio, ChunkStreamId.Audio, timestamp, payload);
  }

  sendVideo(timestamp: number, payload: Uint8Array): void {
    this.#sendMedia(MessageType.Video, ChunkStreamId.Video, timestamp, payload);
  }

  /** Stops publishing the way OBS does: FCUnpublish then deleteStream. */
  unpublish(): void {
    if (this.#state !== 'publishing' || this.#intent === undefined) return;
    this.#command(0, 'FCUnpublish', this.#txn('FCUnpublish'), null, this.#intent.name);
    this.#command(0, 'deleteStream', this.#txn('deleteStream'), null, this.#streamId);
    this.#state = 'closed';
  }

  /**
   * Ends the session politely before the socket closes: a publisher unpublishes (FCUnpublish +
   * deleteStream), a player or a stream still starting gets deleteStream, as ffmpeg and librtmp do.
   * Nothing is queued when no stream was created; calling it again does nothing.
   */
  close(): void {
    if (this.#state === 'publishing') return this.unpublish();
    if ((this.#state === 'starting' || this.#state === 'playing') && this.#streamId !== 0) {
      this.#command(0, 'deleteStream', this.#txn('deleteStream'), null, this.#streamId);
    }
    this.#state = 'closed';
  }

  /** Where the session is: idle (not connected or no intent yet), creating, starting, publishing, playing, closed. */
  get state(): 'idle' | 'creating' | 'starting' | 'publishing' | 'playing' | 'closed' {
    return this.#state;
  }

  /**
   * A command on the stream being played or published (transaction 0, no command object), e.g.
   * `pause(true, ms)`, `receiveVideo(false)`, as players send them. Ignored before that stream exists.
   */
  streamCommand(name: string, ...args: Amf0Value[]): void {
    if (this.#streamId === 0 || this.#state === 'closed') return;
    this.#command(this.#streamId, name, 0, null, ...args);
  }

  push(bytes: Uint8Array): RtmpClientEvent[] {
    const events: RtmpClientEvent[] = [];
    this.#conn.push(this.#handshake, bytes, (msg) => this.#onMessage(msg, events), () => this.#afterHandshake());
    return events;
  }

  #setIntent(intent: Intent): void {
    if (this.#intent !== undefined) throw new RtmpError(RtmpErrorCode.State, 'this client session already publishes or plays');
    this.#intent = intent;
    if (this.#connected) this.#begin();
  }

  #sendMedia(type: number, csid: number, timestamp: number, payload: Uint8Array): void {
    if (this.#state !== 'publishing') throw new RtmpError(RtmpErrorCode.State, 'not publishing');
    this.#conn.send({ csid, type, streamId: this.#streamId, timestamp, payload });
  }

  #afterHandshake(): void {
    this.#conn.setOutgoingChunkSize(this.#opts.chunkSize ?? 4096);
    this.#command(0, 'connect', this.#txn('connect'), {
      app: this.#opts.app,
      type: 'nonprivate',
      flashVer: this.#opts.flashVer ?? 'FMLE/3.0 (compatible; flvcast)',
      tcUrl: this.#opts.tcUrl,
      ...this.#opts.connectProperties,
    });
  }

  #txn(purpose: string): number {
    const t = this.#nextTxn++;
    this.#pending.set(t, purpose);
    return t;
  }

  #command(streamId: number, name: string, txn: number, obj: Amf0Object | null, ...args: Amf0Value[]): void {
    this.#conn.send({
      csid: streamId === 0 ? ChunkStreamId.Command : ChunkStreamId.StreamCommand,
      type: MessageType.CommandAmf0,
      streamId,
      timestamp: 0,
      payload: encodeCommand(name, txn, obj, ...args),
    });
  }

  #begin(): void {
    const intent = this.#intent;
    if (intent === undefined || this.#state !== 'idle') return;
    if (intent.kind === 'publish') {
      // ffmpeg's sequence; servers that don't know releaseStream/FCPublish just ignore them
      this.#command(0, 'releaseStream', this.#txn('releaseStream'), null, intent.name);
      this.#command(0, 'FCPublish', this.#txn('FCPublish'), null, intent.name);
    }
    this.#command(0, 'createStream', this.#txn('createStream'), null);
    this.#state = 'creating';
  }

  #onMessage(msg: RtmpMessage, events: RtmpClientEvent[]): void {
    switch (msg.type) {
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        this.#onCommand(msg, decodeCommand(msg.type, msg.payload), events);
        return;
      case MessageType.Audio:
      case MessageType.Video:
        // node-media-server sends a player's media on message stream 0; ffmpeg and librtmp take it as the
        // played stream's, and so do we (counted, so a caller can tell such a server).
        if (this.#state === 'playing' && (msg.streamId === this.#streamId || msg.streamId === 0)) {
          if (msg.streamId === 0) this.#mediaOnStream0++;
          events.push({ type: msg.type === MessageType.Audio ? 'audio' : 'video', streamId: this.#streamId, timestamp: msg.timestamp, payload: msg.payload });
        }
        return;
      case MessageType.UserControl: {
        // Stream EOF on the played stream: its publisher left (what nginx-rtmp sends players by default;
        // the statuses come only with its play_restart / publish_notify settings). Told once, as 'ended'.
        const ctl = parseProtocolControl(msg);
        if (ctl?.kind === 'userControl' && ctl.event === UserControlEvent.StreamEOF && ctl.streamId === this.#streamId) this.#endPlay(events, 'StreamEOF');
        return;
      }
      case MessageType.DataAmf0:
      case MessageType.DataAmf3: {
        const payload = amf0Body(msg.type, msg.payload);
        let values: Amf0Value[];
        try {
          values = decodeAmf0(payload);
        } catch {
          return;
        }
        const [name, data] = values[0] === '@setDataFrame' ? values.slice(1) : values;
        if (typeof name !== 'string' || name === '|RtmpSampleAccess' || name === 'onStatus') return;
        events.push({ type: 'metadata', streamId: msg.streamId, timestamp: msg.timestamp, name, data, payload });
        return;
      }
      default:
        return;
    }
  }

  /** A played stream ended at the server (a status or Stream EOF): told once. */
  #endPlay(events: RtmpClientEvent[], code: string): void {
    if (this.#state !== 'playing' || this.#playEnded) return;
    this.#playEnded = true;
    events.push({ type: 'ended', streamId: this.#streamId, code });
  }

  #onCommand(msg: RtmpMessage, cmd: RtmpCommand, events: RtmpClientEvent[]): void {
    if (cmd.name === '_result' || cmd.name === '_error') {
      const purpose = this.#pending.get(cmd.transactionId);
      this.#pending.delete(cmd.transactionId);
      if (cmd.name === '_error') {
        const info = asObject(cmd.args[0]);
        events.push({ type: 'error', code: str(info['code']) || `${purpose ?? 'command'}.Failed`, description: str(info['description']) });
        return;
      }
      if (purpose === 'connect') {
        this.#connected = true;
        events.push({ type: 'connected', properties: cmd.commandObject, info: cmd.args[0] });
        this.#begin();
      } else if (purpose === 'createStream' && this.#state === 'creating') {
        const id = cmd.args[0];
        if (typeof id !== 'number') {
          events.push({ type: 'error', code: 'NetStream.Create.Failed', description: 'createStream result without a stream id' });
          return;
        }
        this.#streamId = id;
        this.#state = 'starting';
        const intent = this.#intent as Intent;
        if (intent.kind === 'publish') {
          this.#command(id, 'publish', 0, null, intent.name, intent.publishType);
        } else {
          this.#command(id, 'play', 0, null, intent.name, -1000);
          this.#conn.send(encodeSetBufferLength(id, 3000));
        }
      }
      return;
    }
    if (cmd.name !== 'onStatus') return; // onFCPublish, onBWDone, ...: nothing to do
    const info = asObject(cmd.args[0]);
    const level = str(info['level']);
    const code = str(info['code']);
    const description = str(info['description']);
    events.push({ type: 'status', streamId: msg.streamId, level, code, description, info });
    if (level === 'error') {
      events.push({ type: 'error', code, description });
      return;
    }
    if (this.#state === 'starting' && msg.streamId === this.#streamId) {
      if (code === 'NetStream.Publish.Start') {
        this.#state = 'publishing';
        events.push({ type: 'published', streamId: this.#streamId });
      } else if (code === 'NetStream.Play.Start') {
        this.#state = 'playing';
        events.push({ type: 'playing', streamId: this.#streamId });
      }
    } else if (msg.streamId === this.#streamId && (code === 'NetStream.Play.Stop' || code === 'NetStream.Play.UnpublishNotify' || code === 'NetStream.Play.Complete')) {
      // The stream ended at the server: what ffmpeg and rtmpdump take as end of stream.
      this.#endPlay(events, code);
    }
  }
}

function asObject(v: Amf0Value): Amf0Object {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date) ? (v as Amf0Object) : {};
}

function str(v: Amf0Value): string {
  return typeof v === 'string' ? v : '';
}
