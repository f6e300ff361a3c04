import type { Hub, HubEndReason, StreamKey, Subscriber, SubscriberInfo } from '@flvcast/hub';
import type { RtmpServerSession } from '@flvcast/rtmp';
import type { PlayerFormats } from './player-formats.js';

/** What a player needs from the play side of the connection it plays on (`Playing`). */
export interface PlayerConnection {
  readonly hub: Hub;
  readonly session: RtmpServerSession;
  readonly formats: PlayerFormats;
  /** The players' merge window (`playMergeWriteMs`). */
  readonly mergeWriteMs: number;
  /** Writes shared media bytes to the socket (after the session's own output); false when the socket is behind. */
  writeMedia(chunks: readonly Uint8Array[]): boolean;
  /** Writes the session's pending output (statuses, control). */
  flush(): void;
  /** The hub ended this player's subscription for `reason` (the stream ended, it stalled, was kicked...). */
  ended(player: RtmpPlayer, reason: HubEndReason): void;
}

/**
 * One played stream of an RTMP connection (its message stream id): an ordinary hub subscriber with the
 * viewers' bounded queue, skip-to-keyframe and stall rules, writing the stream's shared RTMP packets. Pause
 * and receiveAudio/receiveVideo detach it and, when it goes on, subscribe it afresh: a live player resumes at
 * the configuration and the cached GOP, from a keyframe.
 */
export class RtmpPlayer {
  #sub: Subscriber | undefined;
  #audio = true;
  #video = true;
  #paused = false;
  #stopped = false;
  /** Bytes of subscriptions that ended (pause, track change). */
  #bytesBefore = 0;

  constructor(
    readonly streamId: number,
    readonly key: StreamKey,
    readonly info: SubscriberInfo,
    private readonly conn: PlayerConnection,
    tracks: { audio: boolean; video: boolean },
  ) {
    this.#audio = tracks.audio;
    this.#video = tracks.video;
  }

  get subscriber(): Subscriber | undefined {
    return this.#sub;
  }

  get paused(): boolean {
    return this.#paused;
  }

  /** Media bytes sent to this player over all its subscriptions. */
  get bytesSent(): number {
    return this.#bytesBefore + (this.#sub?.bytesSent ?? 0);
  }

  /** Starts (or restarts) delivery; false when the stream is gone. */
  start(): boolean {
    if (this.#stopped) return false;
    const format = this.conn.formats.get(this.streamId, this.#audio, this.#video);
    const sub = this.conn.hub.subscribe(this.key, format, {
      write: (chunks) => this.conn.writeMedia(chunks),
      end: (reason) => {
        this.#release();
        this.conn.ended(this, reason);
      },
    }, this.info, { mergeWriteMs: this.conn.mergeWriteMs });
    this.#sub = sub;
    return sub !== undefined;
  }

  /** The socket drained: the hub hands over what it kept meanwhile. */
  resume(): void {
    this.#sub?.resume();
  }

  /**
   * pause / unpause. A paused live player gets nothing (it is detached from the stream, its queue gone);
   * unpaused, it starts again from a keyframe. Returns false when the stream went meanwhile.
   */
  pause(paused: boolean): boolean {
    if (this.#stopped || paused === this.#paused) return true;
    this.#paused = paused;
    this.conn.session.sendPauseNotify(this.streamId, paused);
    this.conn.flush();
    if (paused) {
      this.#release();
      return true;
    }
    return this.start();
  }

  /** receiveAudio / receiveVideo: a change while playing restarts delivery with the other tracks. */
  receive(kind: 'audio' | 'video', on: boolean): boolean {
    if (kind === 'audio' ? this.#audio === on : this.#video === on) return true;
    if (kind === 'audio') this.#audio = on;
    else this.#video = on;
    if (this.#stopped || this.#paused || this.#sub === undefined) return true;
    this.#release();
    return this.start();
  }

  /** Ends the player for `reason` (its signed URL expired): the connection tells it so and closes. */
  kick(reason: HubEndReason): void {
    if (this.#stopped) return;
    if (this.#sub !== undefined) this.#sub.end(reason);
    else this.conn.ended(this, reason);
  }

  /** The player left (closeStream, deleteStream, its connection closed): detach without a word. */
  stop(): void {
    this.#stopped = true;
    this.#release();
  }

  #release(): void {
    const sub = this.#sub;
    if (sub === undefined) return;
    this.#sub = undefined;
    this.#bytesBefore += sub.bytesSent;
    sub.close();
  }
}
