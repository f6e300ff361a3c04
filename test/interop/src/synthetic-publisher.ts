/**
 * A cheap RTMP publisher over a real loopback socket: our own client session sends an AVC + AAC stream (or
 * another codec pair, `media`, Enhanced RTMP included) made of fixture frames (25 video and 25 audio messages
 * a second, a keyframe every second) with timestamps the test chooses. No encoder process, so fault tests can
 * run many of them, cut them at an exact byte and make their clock jump.
 */
import net from 'node:net';
import { RtmpClientSession, type RtmpClientEvent } from '@flvcast/rtmp';
import { avcAac, type SyntheticMedia } from './synthetic-media.js';
import { waitUntil } from './tools.js';

export interface SyntheticPublisherOptions {
  /** The stream time (ms) of media frame `n` (40 ms apart by default): how a test makes the clock jump. */
  timestamp?: (n: number) => number;
  /** Bytes of padding in each video frame (default 0), to make messages span several chunks. */
  videoPadding?: number;
  app?: string;
  /** the codecs and their frames (default AVC + AAC) */
  media?: SyntheticMedia;
}

export class SyntheticPublisher {
  readonly socket: net.Socket;
  readonly session: RtmpClientSession;
  readonly events: RtmpClientEvent[] = [];
  /** Media frames sent so far. */
  frames = 0;
  closed = false;
  readonly #opts: SyntheticPublisherOptions;
  #timer: ReturnType<typeof setInterval> | undefined;
  readonly #closedPromise: Promise<void>;

  private constructor(port: number, name: string, opts: SyntheticPublisherOptions) {
    this.#opts = opts;
    const app = opts.app ?? 'live';
    this.socket = net.connect({ port, host: '127.0.0.1' });
    this.socket.on('error', () => {});
    this.#closedPromise = new Promise((resolve) =>
      this.socket.once('close', () => {
        this.closed = true;
        this.#stopTimer();
        resolve();
      }),
    );
    this.session = new RtmpClientSession({ app, tcUrl: `rtmp://127.0.0.1:${port}/${app}` });
    this.socket.on('data', (d: Buffer) => {
      try {
        this.events.push(...this.session.push(new Uint8Array(d)));
      } catch {
        this.socket.destroy();
      }
      this.flush();
    });
    this.session.publish(name);
    this.session.start();
    this.flush();
  }

  /** Connects, publishes `name` and starts sending media in real time. */
  static async start(port: number, name: string, opts: SyntheticPublisherOptions = {}): Promise<SyntheticPublisher> {
    const pub = new SyntheticPublisher(port, name, opts);
    await waitUntil(() => pub.events.some((e) => e.type === 'published') || pub.closed, 5_000, `the synthetic publisher of ${name} to publish`);
    if (pub.closed) throw new Error(`the server closed the synthetic publisher of ${name}`);
    const media = pub.#media;
    pub.session.sendMetadata(media.metadata);
    const t0 = pub.#ts(0);
    if (media.videoConfig !== undefined) pub.session.sendVideo(t0, media.videoConfig);
    if (media.audioConfig !== undefined) pub.session.sendAudio(t0, media.audioConfig);
    pub.flush();
    pub.#timer = setInterval(() => pub.sendFrame(), 40);
    return pub;
  }

  get #media(): SyntheticMedia {
    return this.#opts.media ?? avcAac;
  }

  #ts(n: number): number {
    return (this.#opts.timestamp ?? ((i) => i * 40))(n);
  }

  /** Queues the next video + audio frame (not flushed when `flush` is false). */
  sendFrame(flush = true): void {
    if (this.closed) return;
    const n = this.frames++;
    const ts = this.#ts(n);
    const media = this.#media;
    if (media.video !== undefined) {
      const base = media.video(n, n % 25 === 0);
      const pad = this.#opts.videoPadding ?? 0;
      const video = pad === 0 ? base : new Uint8Array(base.length + pad);
      if (pad !== 0) video.set(base);
      this.session.sendVideo(ts, video);
    }
    if (media.audio !== undefined) this.session.sendAudio(ts, media.audio(n));
    if (flush) this.flush();
  }

  flush(): void {
    for (const out of this.session.takeOutput()) if (!this.socket.destroyed) this.socket.write(out);
  }

  /** Stops sending media (the socket stays open). */
  pause(): void {
    this.#stopTimer();
  }

  /**
   * Sends one more video frame of `padding` bytes but only `fraction` of its bytes, then cuts the socket (FIN
   * or RST): the server is left holding half a message, part of it in the middle of a chunk.
   */
  async cutMidMessage(padding: number, fraction: number, how: 'destroy' | 'reset'): Promise<void> {
    this.#stopTimer();
    this.flush();
    this.session.sendVideo(this.#ts(this.frames++), new Uint8Array(padding).fill(0x27, 0, 1));
    const bytes = Buffer.concat(this.session.takeOutput());
    const cut = Math.max(1, Math.floor(bytes.length * fraction));
    await new Promise<void>((resolve) => this.socket.write(bytes.subarray(0, cut), () => resolve()));
    if (how === 'reset') this.socket.resetAndDestroy();
    else this.socket.destroy();
    await this.#closedPromise;
  }

  unpublish(): void {
    this.#stopTimer();
    this.session.unpublish();
    this.flush();
    this.socket.end();
  }

  async close(): Promise<void> {
    this.#stopTimer();
    this.socket.destroy();
    await this.#closedPromise;
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
