import { ChunkReader, type ChunkReaderOptions } from './chunk-reader.js';
import { ChunkWriter } from './chunk-writer.js';
import { MessageType, UserControlEvent } from './message-type.js';
import { encodeAcknowledgement, encodePingResponse, encodeSetChunkSize, parseProtocolControl } from './protocol-control.js';
import type { HandshakeResult } from './handshake.js';
import type { RtmpMessage } from './rtmp-message.js';

/**
 * The message layer both sessions share: chunk reader + writer, the output queue, byte counting for
 * acknowledgements, and the protocol control every peer must honour (window, ping).
 */
export class RtmpConnection {
  readonly reader: ChunkReader;
  readonly writer = new ChunkWriter();
  #out: Uint8Array[] = [];
  /** all bytes received so far, handshake included */
  #received = 0;
  #lastAck = 0;
  /** the peer's Window Acknowledgement Size; 0 until it sends one (then we never ack, like nginx-rtmp and SRS) */
  #peerWindow = 0;

  constructor(opts: ChunkReaderOptions = {}) {
    this.reader = new ChunkReader(opts);
  }

  get bytesReceived(): number {
    return this.#received;
  }

  get peerWindowAckSize(): number {
    return this.#peerWindow;
  }

  /** Counts received bytes (call for every byte, handshake included) before processing them. */
  countReceived(n: number): void {
    this.#received += n;
  }

  /** Sends an Acknowledgement if the peer's window has been crossed since the last one. */
  maybeAcknowledge(): void {
    if (this.#peerWindow > 0 && this.#received - this.#lastAck >= this.#peerWindow) {
      this.#lastAck = this.#received;
      // The sequence number is the byte count modulo 2^32 (long sessions wrap it).
      this.send(encodeAcknowledgement(this.#received % 0x100000000));
    }
  }

  /**
   * Reads chunk stream bytes; handles Window Ack Size and Ping Request itself (Set Chunk Size and
   * Abort are applied by the reader). Returns every message, control ones included.
   */
  receive(bytes: Uint8Array): RtmpMessage[] {
    const messages = this.reader.push(bytes);
    for (const msg of messages) {
      if (msg.type === MessageType.WindowAckSize || msg.type === MessageType.UserControl) {
        const ctl = parseProtocolControl(msg);
        if (ctl?.kind === 'windowAckSize') this.#peerWindow = ctl.size;
        else if (ctl?.kind === 'userControl' && ctl.event === UserControlEvent.PingRequest) {
          this.send(encodePingResponse(ctl.timestamp ?? 0));
        }
      }
    }
    return messages;
  }

  /**
   * The receive path both sessions share: counts the bytes, runs them through `handshake` until it is
   * done (`onHandshakeDone` then), hands every following message to `onMessage`, and acknowledges once
   * they are handled.
   */
  push(
    handshake: { readonly done: boolean; push(bytes: Uint8Array): HandshakeResult },
    bytes: Uint8Array,
    onMessage: (msg: RtmpMessage) => void,
    onHandshakeDone?: () => void,
  ): void {
    this.countReceived(bytes.length);
    let data = bytes;
    if (!handshake.done) {
      const hs = handshake.push(bytes);
      for (const b of hs.output) this.sendRaw(b);
      if (!hs.done) return;
      onHandshakeDone?.();
      data = hs.rest;
    }
    if (data.length > 0) for (const msg of this.receive(data)) onMessage(msg);
    this.maybeAcknowledge();
  }

  send(msg: RtmpMessage): void {
    this.#out.push(this.writer.write(msg));
  }

  sendRaw(bytes: Uint8Array): void {
    this.#out.push(bytes);
  }

  /** Announces a new outgoing chunk size (sent with the old one) and switches to it. */
  setOutgoingChunkSize(n: number): void {
    this.send(encodeSetChunkSize(n));
    this.writer.setChunkSize(n);
  }

  takeOutput(): Uint8Array[] {
    const out = this.#out;
    this.#out = [];
    return out;
  }
}
