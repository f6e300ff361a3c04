import { readFile } from 'node:fs/promises';
import { FlvDemuxer, decodeScriptData, type FlvTag } from '@flvcast/flv';
import type { Hub, Publisher, Source, StreamKey } from '@flvcast/hub';
import type { SourceLog } from './source-log.js';

/** Files are read whole: a bound keeps a wrong path (a huge recording) from taking the process down. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;
/** Tags due within this window are published together, so pacing costs one timer per batch, not per tag. */
const BATCH_MS = 20;

/**
 * Publishes an FLV file as a live stream in real time, looping forever; timestamps continue across loops
 * so viewers see one endless stream. Stops with `stop()` or when the hub evicts it.
 */
export class FileSource implements Source {
  #timer: ReturnType<typeof setTimeout> | undefined;
  #publisher: Publisher | undefined;
  #stopped = false;

  private constructor(
    private readonly tags: FlvTag[],
    private readonly duration: number,
    private readonly hub: Hub,
    readonly key: StreamKey,
    private readonly log: SourceLog,
  ) {}

  static async open(path: string, hub: Hub, key: StreamKey, log: SourceLog): Promise<FileSource> {
    const bytes = await readFile(path);
    if (bytes.byteLength > MAX_FILE_BYTES) throw new Error(`${path} is larger than ${MAX_FILE_BYTES} bytes`);
    const tags = new FlvDemuxer().push(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    const media = tags.filter((t) => t.type === 8 || t.type === 9);
    if (media.length === 0) throw new Error(`${path} holds no audio or video tags`);
    const first = media[0]!.timestamp;
    // The latest tag, not the last written: ffmpeg writes the last video frame after audio that is later.
    const last = media.reduce((max, t) => Math.max(max, t.timestamp), first);
    // One frame's worth of gap after the latest tag keeps the loop seam from stacking two frames at one time.
    const duration = Math.max(1, last - first) + 33;
    return new FileSource(tags, duration, hub, key, log);
  }

  start(): void {
    this.#publisher = this.hub.publish(this.key, { protocol: 'file' }, { onEvict: () => this.stop() });
    this.log.info({ tags: this.tags.length, durationMs: this.duration }, 'file source publishing');
    this.#loop(0, performance.now());
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#publisher?.end();
  }

  /** Publishes every tag due by now, then sleeps until the next one is due. */
  #loop(index: number, startedAt: number, round = 0): void {
    if (this.#stopped || this.#publisher === undefined) return;
    const base = this.tags.find((t) => t.type !== 18)?.timestamp ?? 0;
    const elapsed = performance.now() - startedAt;
    let i = index;
    let r = round;
    for (;;) {
      if (i >= this.tags.length) {
        i = 0;
        r++;
      }
      const tag = this.tags[i]!;
      const at = Math.max(0, tag.timestamp - base) + r * this.duration;
      if (tag.type !== 18 && at > elapsed + BATCH_MS) {
        this.#timer = setTimeout(() => this.#loop(i, startedAt, r), at - elapsed);
        return;
      }
      try {
        this.#emit(tag, at, r);
      } catch (err) {
        // A tag the hub refuses (malformed media) ends this source, never the process.
        this.log.error({ err, index: i }, 'file source stopped on a tag it cannot publish');
        this.stop();
        return;
      }
      i++;
    }
  }

  #emit(tag: FlvTag, at: number, round: number): void {
    const publisher = this.#publisher!;
    if (tag.type === 9) publisher.video(at, tag.payload);
    else if (tag.type === 8) publisher.audio(at, tag.payload);
    else if (round === 0) {
      try {
        const { name, value } = decodeScriptData(tag.payload);
        publisher.data(name, value);
      } catch {
        // Script data we cannot read is not worth stopping the source for.
      }
    }
  }
}
