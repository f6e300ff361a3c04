import type { Format, Frame, Muxer, StreamState } from '@flvcast/media';
import type { Packet } from './packet.js';
import type { Subscriber } from './subscriber.js';

/**
 * One container format of one stream, alive while it has viewers: its muxer, its viewers, and the
 * packets encoded so far. Each frame is encoded at most once per output, however many viewers share it
 * (a late joiner's cached GOP reuses what live viewers got). Packets are keyed weakly by their frame, so
 * one lives exactly as long as the frame does (in the GOP cache or a viewer's backlog).
 */
export class StreamOutput {
  readonly muxer: Muxer;
  readonly subscribers = new Set<Subscriber>();
  /** null: the format carries nothing for that frame. */
  #packets = new WeakMap<Frame, Packet | null>();
  #nextSeq = 0;

  constructor(
    readonly format: Format,
    stream: StreamState,
  ) {
    this.muxer = format.createMuxer(stream);
  }

  packet(frame: Frame): Packet | undefined {
    let packet = this.#packets.get(frame);
    if (packet === undefined) {
      const bytes = this.muxer.encode(frame);
      packet = bytes === undefined ? null : { frame, bytes, seq: this.#nextSeq++ };
      this.#packets.set(frame, packet);
    }
    return packet ?? undefined;
  }
}
