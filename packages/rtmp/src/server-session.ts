import { decodeAmf0, encodeAmf0, type Amf0Object, type Amf0Value } from '@flvcast/amf0';
import { FlvDemuxer, FlvError, type FlvTag } from '@flvcast/flv';
import { amf0Body, decodeCommand, encodeCommand, statusInfo, type RtmpCommand } from './command.js';
import { ServerHandshake, type HmacSha256 } from './handshake.js';
import { MessageType, PeerBandwidthLimit } from './message-type.js';
import { encodeSetPeerBandwidth, encodeStreamBegin, encodeStreamEOF, encodeWindowAckSize } from './protocol-control.js';
import { RtmpConnection } from './rtmp-connection.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';
import { ChunkStreamId, type RtmpMessage } from './rtmp-message.js';
import { parseStreamName } from './stream-name.js';

export interface RtmpServerSessionOptions {
  hmacSha256: HmacSha256;
  /** outgoing chunk size announced after connect (default 4096, what OBS and ffmpeg use) */
  chunkSize?: number;
  /** Window Acknowledgement Size we ask the peer to ack on (default 2_500_000) */
  windowAckSize?: number;
  /** Set Peer Bandwidth we send (default: windowAckSize) */
  peerBandwidth?: number;
  /** largest incoming message (default 16 MiB) */
  maxMessageSize?: number;
  /** largest chunk size the peer may set (default 65536) */
  maxChunkSize?: number;
  /** how many streams one connection may create (default 16) */
  maxStreams?: number;
  /** clock for the handshake's time field */
  now?: () => number;
}

export type UnpublishReason = 'FCUnpublish' | 'deleteStream' | 'closeStream';

/** What a server session reports to the socket layer. */
export type RtmpEvent =
  | { type: 'connect'; app: string; tcUrl?: string; command: Amf0Object }
  | { type: 'createStream'; streamId: number }
  | { type: 'publish'; streamId: number; name: string; query: Record<string, string>; publishType: string }
  | {
      type: 'metadata';
      streamId: number;
      timestamp: number;
      /** 'onMetaData' usually */
      name: string;
      /** the value after the name, without the @setDataFrame wrapper */
      data: Amf0Value;
      /** the data message payload as received (AMF0; the AMF3 format byte is dropped) */
      payload: Uint8Array;
    }
  | { type: 'audio' | 'video'; streamId: number; timestamp: number; payload: Uint8Array }
  | { type: 'unpublish'; streamId: number; reason: UnpublishReason }
  | { type: 'play'; streamId: number; name: string; query: Record<string, string>; start?: number; duration?: number; reset?: boolean }
  /** a player stream went away (the socket layer detaches the viewer) */
  | { type: 'playStop'; streamId: number; reason: 'deleteStream' | 'closeStream' }
  /** any other command (getStreamLength, FCSubscribe, pause, receiveAudio, _checkbw, ...) */
  | { type: 'command'; streamId: number; name: string; transactionId: number; commandObject: Amf0Value; args: Amf0Value[] };

type StreamMode = 'idle' | 'publishPending' | 'publishing' | 'playPending' | 'playing';

interface StreamState {
  mode: StreamMode;
  name: string;
}

/** Enhanced RTMP capsEx bits (E-RTMP v2, "Enhancing NetConnection connect Command"). */
export const CapsEx = {
  Reconnect: 0x01,
  Multitrack: 0x02,
} as const;

/**
 * One server-side RTMP connection without the socket: push() received bytes, get events back, and
 * write takeOutput() to the socket after every push or method call.
 */
export class RtmpServerSession {
  readonly #conn: RtmpConnection;
  readonly #handshake: ServerHandshake;
  readonly #chunkSize: number;
  readonly #windowAckSize: number;
  readonly #peerBandwidth: number;
  readonly #maxStreams: number;
  readonly #streams = new Map<number, StreamState>();
  #nextStreamId = 1;
  #connected = false;
  #app = '';
  #supportsReconnect = false;

  constructor(opts: RtmpServerSessionOptions) {
    this.#handshake = new ServerHandshake({ hmacSha256: opts.hmacSha256, ...(opts.now ? { now: opts.now } : {}) });
    this.#conn = new RtmpConnection({
      maxMessageSize: opts.maxMessageSize,
      maxChunkSize: opts.maxChunkSize ?? 65536,
    });
    this.#chunkSize = opts.chunkSize ?? 4096;
    this.#windowAckSize = opts.windowAckSize ?? 2_500_000;
    this.#peerBandwidth = opts.peerBandwidth ?? this.#windowAckSize;
    this.#maxStreams = opts.maxStreams ?? 16;
  }

  /** True once C2 is in (for handshake timeouts). */
  get handshakeDone(): boolean {
    return this.#handshake.done;
  }

  /** True once connect was answered. */
  get connected(): boolean {
    return this.#connected;
  }

  get app(): string {
    return this.#app;
  }

  /** The client announced Enhanced RTMP capsEx Reconnect (0x01) in connect. */
  get supportsReconnect(): boolean {
    return this.#supportsReconnect;
  }

  /** Bytes received so far, handshake included. */
  get bytesReceived(): number {
    return this.#conn.bytesReceived;
  }

  push(bytes: Uint8Array): RtmpEvent[] {
    const events: RtmpEvent[] = [];
    this.#conn.push(this.#handshake, bytes, (msg) => this.#onMessage(msg, events));
    return events;
  }

  takeOutput(): Uint8Array[] {
    return this.#conn.takeOutput();
  }

  /** Answers a publish: StreamBegin + onStatus NetStream.Publish.Start. Returns false if the stream is not waiting. */
  acceptPublish(streamId: number): boolean {
    const s = this.#streams.get(streamId);
    if (s?.mode !== 'publishPending') return false;
    s.mode = 'publishing';
    this.#conn.send(encodeStreamBegin(streamId));
    this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Publish.Start', `${s.name} is now published`, { details: s.name }));
    return true;
  }

  /** Refuses a publish with an error onStatus (ffmpeg aborts and prints the description). */
  rejectPublish(streamId: number, code = 'NetStream.Publish.BadName', description = 'Stream name is already in use'): boolean {
    const s = this.#streams.get(streamId);
    if (s?.mode !== 'publishPending') return false;
    s.mode = 'idle';
    this.#sendOnStatus(streamId, statusInfo('error', code, description));
    return true;
  }

  /**
   * Answers a play as SRS does: StreamBegin, onStatus Play.Reset and Play.Start, `|RtmpSampleAccess`. No
   * NetStream.Data.Start: ffmpeg shows an empty data stream for it. Media follows on the caller's side.
   */
  acceptPlay(streamId: number): boolean {
    const s = this.#streams.get(streamId);
    if (s?.mode !== 'playPending') return false;
    s.mode = 'playing';
    this.#conn.send(encodeStreamBegin(streamId));
    this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Play.Reset', `Playing and resetting ${s.name}.`, { details: s.name }));
    this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Play.Start', `Started playing ${s.name}.`, { details: s.name }));
    this.#sendData(streamId, 0, encodeAmf0('|RtmpSampleAccess', true, true));
    return true;
  }

  rejectPlay(streamId: number, code = 'NetStream.Play.StreamNotFound', description = 'Stream not found'): boolean {
    const s = this.#streams.get(streamId);
    if (s?.mode !== 'playPending') return false;
    s.mode = 'idle';
    this.#sendOnStatus(streamId, statusInfo('error', code, description, { details: s.name }));
    return true;
  }

  /**
   * Writes one media message (8 audio, 9 video, 18 AMF0 data) to a playing stream.
   * Returns false (and writes nothing) if the stream is not playing, e.g. the player just deleted it.
   */
  sendMedia(streamId: number, type: number, timestamp: number, payload: Uint8Array): boolean {
    if (this.#streams.get(streamId)?.mode !== 'playing') return false;
    const csid = type === MessageType.Audio ? ChunkStreamId.Audio : type === MessageType.Video ? ChunkStreamId.Video : ChunkStreamId.StreamCommand;
    this.#conn.send({ csid, type, streamId, timestamp, payload });
    return true;
  }

  /**
   * End of a played stream. `unpublished` (the publisher left for good): StreamEOF + Play.UnpublishNotify +
   * Play.Stop, as SRS; ffmpeg takes UnpublishNotify for the end of the stream, so it is never sent while a
   * publisher may still return. Otherwise (server shutdown, kicked): StreamEOF + Play.Stop with `description`.
   */
  sendPlayStop(streamId: number, unpublished = true, description?: string): boolean {
    const s = this.#streams.get(streamId);
    if (s?.mode !== 'playing') return false;
    s.mode = 'idle';
    this.#conn.send(encodeStreamEOF(streamId));
    if (unpublished) this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Play.UnpublishNotify', `${s.name} is now unpublished.`, { details: s.name }));
    this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Play.Stop', description ?? `Stopped playing ${s.name}.`, { details: s.name }));
    return true;
  }

  /**
   * Answers pause (true) or unpause (false) on a playing stream as SRS does: onStatus NetStream.Pause.Notify
   * then StreamEOF, or onStatus NetStream.Unpause.Notify then StreamBegin. False if the stream is not playing.
   */
  sendPauseNotify(streamId: number, paused: boolean): boolean {
    const s = this.#streams.get(streamId);
    if (s?.mode !== 'playing') return false;
    if (paused) {
      this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Pause.Notify', `Paused ${s.name}.`, { details: s.name }));
      this.#conn.send(encodeStreamEOF(streamId));
    } else {
      this.#sendOnStatus(streamId, statusInfo('status', 'NetStream.Unpause.Notify', `Unpaused ${s.name}.`, { details: s.name }));
      this.#conn.send(encodeStreamBegin(streamId));
    }
    return true;
  }

  /** Enhanced RTMP: ask the client to reconnect (to tcUrl, or the same URL). Only meaningful if supportsReconnect. */
  sendReconnectRequest(tcUrl?: string, description = 'The streaming server is asking the client to reconnect'): void {
    const extra: Amf0Object = tcUrl === undefined ? {} : { tcUrl };
    this.#sendOnStatus(0, statusInfo('status', 'NetConnection.Connect.ReconnectRequest', description, extra));
  }

  /** True while `streamId` plays (accepted, and not stopped or deleted since). */
  playing(streamId: number): boolean {
    return this.#streams.get(streamId)?.mode === 'playing';
  }

  /** Any onStatus on a stream (0 = the NetConnection). */
  sendStatus(streamId: number, level: string, code: string, description: string): void {
    this.#sendOnStatus(streamId, statusInfo(level, code, description));
  }

  #sendOnStatus(streamId: number, info: Amf0Object): void {
    this.#conn.send({
      csid: streamId === 0 ? ChunkStreamId.Command : ChunkStreamId.StreamCommand,
      type: MessageType.CommandAmf0,
      streamId,
      timestamp: 0,
      payload: encodeCommand('onStatus', 0, null, info),
    });
  }

  #sendData(streamId: number, timestamp: number, payload: Uint8Array): void {
    this.#conn.send({ csid: ChunkStreamId.StreamCommand, type: MessageType.DataAmf0, streamId, timestamp, payload });
  }

  #reply(msg: RtmpMessage, payload: Uint8Array): void {
    this.#conn.send({ csid: ChunkStreamId.Command, type: MessageType.CommandAmf0, streamId: msg.streamId, timestamp: 0, payload });
  }

  #onMessage(msg: RtmpMessage, events: RtmpEvent[]): void {
    switch (msg.type) {
      case MessageType.SetChunkSize:
      case MessageType.Abort:
      case MessageType.Acknowledgement:
      case MessageType.WindowAckSize:
      case MessageType.SetPeerBandwidth:
      case MessageType.UserControl:
        return; // handled by the connection layer (or nothing to do: acks, buffer length)
      case MessageType.CommandAmf0:
      case MessageType.CommandAmf3:
        this.#onCommand(msg, decodeCommand(msg.type, msg.payload), events);
        return;
      case MessageType.Audio:
      case MessageType.Video:
      case MessageType.DataAmf0:
      case MessageType.DataAmf3:
      case MessageType.Aggregate:
        if (!this.#connected) {
          throw new RtmpError(RtmpErrorCode.State, `message type ${msg.type} before connect`);
        }
        if (msg.type === MessageType.Aggregate) this.#onAggregate(msg, events);
        else this.#onMedia(msg, events);
        return;
      default:
        return; // shared objects and unknown types: not used by encoders, ignored
    }
  }

  #onMedia(msg: RtmpMessage, events: RtmpEvent[]): void {
    const s = this.#streams.get(msg.streamId);
    if (s?.mode !== 'publishing') return;
    if (msg.type === MessageType.Audio || msg.type === MessageType.Video) {
      events.push({ type: msg.type === MessageType.Audio ? 'audio' : 'video', streamId: msg.streamId, timestamp: msg.timestamp, payload: msg.payload });
      return;
    }
    const payload = amf0Body(msg.type, msg.payload);
    let values: Amf0Value[];
    try {
      values = decodeAmf0(payload);
    } catch {
      return; // a broken metadata message is not worth dropping the stream for
    }
    // ffmpeg and OBS wrap metadata as @setDataFrame(name, data); older tools send name, data directly.
    const [name, data] = values[0] === '@setDataFrame' ? values.slice(1) : values;
    if (typeof name !== 'string') return;
    events.push({ type: 'metadata', streamId: msg.streamId, timestamp: msg.timestamp, name, data, payload });
  }

  /**
   * Aggregate (RTMP 1.0 §7.1.6): a run of FLV tags (header, body, back pointer), read with the FLV demuxer;
   * timestamps are rebased on the aggregate's, and its stream id overrides the tags' own. A missing final
   * back pointer is tolerated; anything else cut short is a bad message.
   */
  #onAggregate(msg: RtmpMessage, events: RtmpEvent[]): void {
    const demuxer = new FlvDemuxer({ expectHeader: false, maxTagSize: msg.payload.length });
    let tags: FlvTag[];
    try {
      tags = demuxer.push(msg.payload);
      if (demuxer.bufferedBytes > 0) tags.push(...demuxer.push(new Uint8Array(4)));
    } catch (err) {
      if (err instanceof FlvError) throw new RtmpError(RtmpErrorCode.BadMessage, `bad aggregate message: ${err.message}`);
      throw err;
    }
    if (demuxer.bufferedBytes > 0) throw new RtmpError(RtmpErrorCode.BadMessage, 'truncated aggregate sub-message');
    const first = tags[0]?.timestamp ?? 0;
    for (const tag of tags) {
      if (tag.type !== MessageType.Audio && tag.type !== MessageType.Video && tag.type !== MessageType.DataAmf0) continue;
      const sub: RtmpMessage = { csid: msg.csid, type: tag.type, streamId: msg.streamId, timestamp: (msg.timestamp + tag.timestamp - first) >>> 0, payload: tag.payload };
      this.#onMedia(sub, events);
    }
  }

  #onCommand(msg: RtmpMessage, cmd: RtmpCommand, events: RtmpEvent[]): void {
    if (!this.#connected) {
      if (cmd.name !== 'connect') {
        throw new RtmpError(RtmpErrorCode.BadCommand, `'${cmd.name}' before connect (connect must come first)`);
      }
      this.#onConnect(msg, cmd, events);
      return;
    }
    const streamId = msg.streamId;
    // A play needs the stream createStream made: a client that skips it is broken, and would otherwise sit
    // there unanswered.
    if (cmd.name === 'play' && !this.#streams.has(streamId)) throw new RtmpError(RtmpErrorCode.BadCommand, `play on stream ${streamId}, which createStream did not make`);
    if (streamId !== 0 && !this.#streams.has(streamId)) return; // unknown stream: ignore, not fatal
    switch (cmd.name) {
      case 'connect':
        throw new RtmpError(RtmpErrorCode.BadCommand, 'second connect on one connection');
      case 'releaseStream':
        this.#reply(msg, encodeCommand('_result', cmd.transactionId, null, undefined));
        return;
      case 'FCPublish': {
        const name = typeof cmd.args[0] === 'string' ? cmd.args[0] : '';
        this.#reply(msg, encodeCommand('onFCPublish', 0, null, { code: 'NetStream.Publish.Start', description: name }));
        this.#reply(msg, encodeCommand('_result', cmd.transactionId, null, undefined));
        return;
      }
      case 'createStream': {
        if (this.#streams.size >= this.#maxStreams) {
          throw new RtmpError(RtmpErrorCode.BadCommand, `more than ${this.#maxStreams} streams on one connection`);
        }
        const id = this.#nextStreamId++;
        this.#streams.set(id, { mode: 'idle', name: '' });
        this.#reply(msg, encodeCommand('_result', cmd.transactionId, null, id));
        events.push({ type: 'createStream', streamId: id });
        return;
      }
      case 'publish': {
        const s = this.#streams.get(streamId);
        if (s === undefined || s.mode !== 'idle') return;
        const [rawName, publishType] = cmd.args;
        if (typeof rawName !== 'string') throw new RtmpError(RtmpErrorCode.BadCommand, 'publish without a stream name');
        const { name, query } = parseStreamName(rawName);
        s.mode = 'publishPending';
        s.name = name;
        events.push({ type: 'publish', streamId, name, query, publishType: typeof publishType === 'string' ? publishType : 'live' });
        return;
      }
      case 'play': {
        const s = this.#streams.get(streamId);
        if (s === undefined || s.mode !== 'idle') return;
        const [rawName, start, duration, reset] = cmd.args;
        if (typeof rawName !== 'string') throw new RtmpError(RtmpErrorCode.BadCommand, 'play without a stream name');
        const { name, query } = parseStreamName(rawName);
        s.mode = 'playPending';
        s.name = name;
        events.push({
          type: 'play',
          streamId,
          name,
          query,
          ...(typeof start === 'number' ? { start } : {}),
          ...(typeof duration === 'number' ? { duration } : {}),
          ...(typeof reset === 'boolean' ? { reset } : {}),
        });
        return;
      }
      case 'FCUnpublish': {
        const name = typeof cmd.args[0] === 'string' ? parseStreamName(cmd.args[0]).name : '';
        this.#reply(msg, encodeCommand('onFCUnpublish', 0, null, { code: 'NetStream.Unpublish.Success', description: name }));
        this.#reply(msg, encodeCommand('_result', cmd.transactionId, null, undefined));
        // FCUnpublish names the stream, not its id (it is sent on stream 0).
        for (const [id, s] of this.#streams) {
          if (s.name === name && (s.mode === 'publishing' || s.mode === 'publishPending')) this.#unpublish(id, 'FCUnpublish', events);
        }
        return;
      }
      case 'deleteStream': {
        const id = typeof cmd.args[0] === 'number' ? cmd.args[0] : streamId;
        this.#closeStream(id, 'deleteStream', events);
        this.#streams.delete(id);
        return;
      }
      case 'closeStream':
        this.#closeStream(streamId, 'closeStream', events);
        return;
      case 'FCSubscribe': {
        const name = typeof cmd.args[0] === 'string' ? cmd.args[0] : '';
        this.#reply(msg, encodeCommand('onFCSubscribe', 0, null, { code: 'NetStream.Play.Start', description: name }));
        break;
      }
      case 'getStreamLength':
        // Live streams have no length; ffmpeg reads a number back and carries on.
        this.#reply(msg, encodeCommand('_result', cmd.transactionId, null, 0));
        break;
    }
    events.push({ type: 'command', streamId, name: cmd.name, transactionId: cmd.transactionId, commandObject: cmd.commandObject, args: cmd.args });
  }

  #closeStream(streamId: number, reason: 'deleteStream' | 'closeStream', events: RtmpEvent[]): void {
    const s = this.#streams.get(streamId);
    if (s === undefined) return;
    if (s.mode === 'publishing' || s.mode === 'publishPending') this.#unpublish(streamId, reason, events);
    else if (s.mode === 'playing' || s.mode === 'playPending') {
      s.mode = 'idle';
      events.push({ type: 'playStop', streamId, reason });
    }
  }

  #unpublish(streamId: number, reason: UnpublishReason, events: RtmpEvent[]): void {
    const s = this.#streams.get(streamId);
    if (s === undefined) return;
    s.mode = 'idle'; // a later deleteStream finds nothing to unpublish: one event per publish
    events.push({ type: 'unpublish', streamId, reason });
  }

  #onConnect(msg: RtmpMessage, cmd: RtmpCommand, events: RtmpEvent[]): void {
    const command = cmd.commandObject;
    if (command === null || typeof command !== 'object' || Array.isArray(command) || command instanceof Date) {
      throw new RtmpError(RtmpErrorCode.BadCommand, 'connect without a command object');
    }
    const obj = command as Amf0Object;
    const app = typeof obj['app'] === 'string' ? obj['app'] : '';
    const tcUrl = typeof obj['tcUrl'] === 'string' ? obj['tcUrl'] : undefined;
    this.#app = app;

    // The order nginx-rtmp and SRS use, which ffmpeg, OBS and librtmp all accept.
    this.#conn.send(encodeWindowAckSize(this.#windowAckSize));
    this.#conn.send(encodeSetPeerBandwidth(this.#peerBandwidth, PeerBandwidthLimit.Dynamic));
    this.#conn.setOutgoingChunkSize(this.#chunkSize);

    const props: Amf0Object = { fmsVer: 'FMS/3,0,1,123', capabilities: 31, mode: 1 };
    // Enhanced RTMP: the server states its support by echoing the properties. We forward any codec
    // untouched, so we accept the client's lists as they are.
    if (Array.isArray(obj['fourCcList'])) props['fourCcList'] = obj['fourCcList'];
    for (const key of ['videoFourCcInfoMap', 'audioFourCcInfoMap'] as const) {
      if (obj[key] !== undefined && obj[key] !== null) props[key] = obj[key];
    }
    if (typeof obj['capsEx'] === 'number') {
      this.#supportsReconnect = (obj['capsEx'] & CapsEx.Reconnect) !== 0;
      // We can send ReconnectRequest; multitrack is forwarded as opaque bytes but not declared.
      props['capsEx'] = obj['capsEx'] & CapsEx.Reconnect;
    }
    const info = statusInfo('status', 'NetConnection.Connect.Success', 'Connection succeeded.', { objectEncoding: 0 });
    this.#reply(msg, encodeCommand('_result', cmd.transactionId, props, info));
    this.#connected = true;
    events.push({ type: 'connect', app, ...(tcUrl === undefined ? {} : { tcUrl }), command: obj });
  }
}
