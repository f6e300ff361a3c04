import type { Amf0Value } from '@flvcast/amf0';
import type { RecordingWriter, OpenRecordingWriter } from './file-writer.js';
import { renderDvrPath } from './path-template.js';
import { RecordingFile, type RecordedTag } from './recording-file.js';

/** The logger calls a recording makes (a pino/Fastify logger fits). */
export interface DvrLog {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** `session`: one file per publish session; `segment`: a new file at the first keyframe after segmentMs. */
export type DvrPlan = 'session' | 'segment';

/** A file being recorded, as the API shows it. */
export interface ActiveRecording {
  readonly stream: string;
  /** Where the file will be once finished (it is written as this + `.tmp`). */
  readonly path: string;
  /** Wall clock (epoch ms) when the file opened. */
  readonly startedAt: number;
  readonly bytes: number;
  readonly durationMs: number;
}

/** A finished file: what the onDvr hook, the on_dvr callback and the recordEnd event get. */
export interface FinishedRecording {
  readonly path: string;
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly bytes: number;
  /** Bytes of media left out because the disk was behind (the file resumed at a keyframe). */
  readonly droppedBytes: number;
  /** The publisher that started the session: its hub id, address and publish query (`?a=b`, or ''). */
  readonly clientId: string;
  readonly ip: string;
  readonly param: string;
}

/** What a recording tells its owner. Called synchronously; must not throw. */
export interface RecordingListener {
  started(path: string): void;
  finished(info: FinishedRecording): void;
  /** A finished file could not be closed (indexed, renamed): logged already. */
  finishFailed(path: string, err: Error): void;
  /** A write failed: the recording has stopped for good (one error line logged). */
  failed(path: string, err: Error & { code?: string }): void;
}

export interface RecordingOptions {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  readonly plan: DvrPlan;
  readonly segmentMs: number;
  readonly template: string;
  /** Bytes queued for the disk at most; past it tags are dropped and the file resumes at a keyframe. */
  readonly maxQueueBytes: number;
  /** Start each file at a video keyframe (the stream's first, or after a drop). Default true. */
  readonly waitKeyframe?: boolean;
  readonly indexCapacity?: number;
  /** Wall clock, epoch ms (paths, startedAt). */
  readonly now: () => number;
  readonly openWriter: OpenRecordingWriter;
  readonly log: DvrLog;
  readonly listener: RecordingListener;
  /** The publisher that started the session (for the hooks). */
  readonly client?: { readonly id: string; readonly ip: string; readonly param: string };
}

/** Tag framing the file adds to each payload: the 11-byte tag header and the 4-byte PreviousTagSize. */
const TAG_OVERHEAD = 15;
/** At most one "dropping" line per stream this often. */
const DROP_LOG_MS = 10_000;

interface OpenFile {
  readonly path: string;
  readonly file: RecordingFile;
  readonly writer: RecordingWriter;
  readonly startedAt: number;
  droppedBytes: number;
}

/**
 * One stream's recording, fed the stream's tags in order: it opens a file at the first keyframe (header,
 * metadata, the configurations, then the keyframe), writes what follows, cuts segments at keyframes, and
 * finishes files (index written, renamed). It is the one place that decides what reaches the disk, so it
 * is pure logic over an injected writer: tests give it a slow or failing one. Nothing it does throws
 * back into the hub.
 */
export class Recording {
  readonly name: string;
  #tracks = { hasAudio: true, hasVideo: true };
  #metadata: Record<string, Amf0Value> = {};
  /** The latest configuration of each track: each file, and each resume after a drop, starts with them. */
  readonly #configs = new Map<8 | 9, RecordedTag>();
  #current: OpenFile | undefined;
  /** Dropping tags (the disk is behind) until the next keyframe. */
  #dropping = false;
  #lastDropLog = -Infinity;
  #failed = false;
  #errorLogged = false;
  #ended = false;
  readonly #finishing = new Set<Promise<void>>();
  /** Bytes that reached the writer (queued or written), every file of this recording together. */
  bytesWritten = 0;
  droppedBytes = 0;
  filesFinished = 0;

  constructor(private readonly opts: RecordingOptions) {
    this.name = [opts.vhost, opts.app, opts.stream].filter((s) => s !== '').join('/');
  }

  get failed(): boolean {
    return this.#failed;
  }

  /** The file being written, if any. */
  status(): ActiveRecording | undefined {
    const cur = this.#current;
    if (cur === undefined) return undefined;
    return { stream: this.name, path: cur.path, startedAt: cur.startedAt, bytes: cur.file.size, durationMs: cur.file.durationMs };
  }

  /** The FLV header's track flags (the stream's layout). */
  setTracks(tracks: { hasAudio: boolean; hasVideo: boolean }): void {
    this.#tracks = { hasAudio: tracks.hasAudio, hasVideo: tracks.hasVideo };
  }

  setMetadata(values: Record<string, Amf0Value>): void {
    this.#metadata = values;
    this.#current?.file.updateMetadata(values);
  }

  tag(tag: RecordedTag): void {
    if (this.#failed || this.#ended) return;
    if (tag.config && tag.type !== 18) this.#configs.set(tag.type, tag);
    const cur = this.#current;
    const media = tag.type !== 18 && !tag.config;
    // A file starts (and a segment is cut) where a decoder can start: a video keyframe; audio-only streams anywhere.
    const startable = media && (tag.keyframe || (tag.type === 8 && !this.#tracks.hasVideo) || this.opts.waitKeyframe === false);
    if (cur === undefined) {
      if (startable) this.#open(tag);
      return;
    }
    if (startable && this.opts.plan === 'segment' && cur.file.elapsedAt(tag.timestamp) >= this.opts.segmentMs) {
      this.#finish(cur);
      this.#open(tag);
      return;
    }
    if (this.#dropping) {
      if (!startable || !this.#fits(cur, tag, true)) return this.#drop(cur, tag);
      // Resume: the configurations again (a change may have been dropped), then the keyframe.
      this.#dropping = false;
      for (const config of this.#configs.values()) this.#write(cur, config);
      this.#write(cur, tag);
      return;
    }
    if (!this.#fits(cur, tag, false)) return this.#drop(cur, tag);
    this.#write(cur, tag);
  }

  /** The stream ended (or the server closes): finishes the file. Resolves when every file is closed. */
  async end(): Promise<void> {
    this.#ended = true;
    const cur = this.#current;
    if (cur !== undefined && !this.#failed) this.#finish(cur);
    this.#current = undefined;
    while (this.#finishing.size > 0) await Promise.all([...this.#finishing]);
  }

  #open(tag: RecordedTag): void {
    const startedAt = this.opts.now();
    let path: string;
    try {
      path = renderDvrPath(this.opts.template, { vhost: this.opts.vhost, app: this.opts.app, stream: this.opts.stream, at: startedAt });
    } catch (err) {
      return this.#fail('', err as Error);
    }
    const file = new RecordingFile(this.#tracks, this.#metadata, this.opts.indexCapacity);
    // Any file's write error (a segment still finishing too) means the disk fails this stream: stop.
    const writer = this.opts.openWriter(path, (err) => this.#fail(path, err));
    const cur: OpenFile = { path, file, writer, startedAt, droppedBytes: 0 };
    this.#current = cur;
    this.#dropping = false;
    const configs = [...this.#configs.values()].filter((c) => (c.type === 9 ? this.#tracks.hasVideo : this.#tracks.hasAudio));
    const head = file.begin(configs);
    this.#push(cur, head);
    this.opts.listener.started(path);
    this.opts.log.info({ stream: this.name, path }, 'dvr: recording');
    this.#write(cur, tag);
  }

  #fits(cur: OpenFile, tag: RecordedTag, resuming: boolean): boolean {
    let bytes = tag.payload.byteLength + TAG_OVERHEAD;
    if (resuming) for (const c of this.#configs.values()) bytes += c.payload.byteLength + TAG_OVERHEAD;
    return cur.writer.queue.queuedBytes + bytes <= this.opts.maxQueueBytes;
  }

  #drop(cur: OpenFile, tag: RecordedTag): void {
    const bytes = tag.payload.byteLength + TAG_OVERHEAD;
    cur.droppedBytes += bytes;
    this.droppedBytes += bytes;
    if (!this.#dropping) {
      this.#dropping = true;
      const now = this.opts.now();
      if (now - this.#lastDropLog >= DROP_LOG_MS) {
        this.#lastDropLog = now;
        this.opts.log.warn(
          { stream: this.name, path: cur.path, queuedBytes: cur.writer.queue.queuedBytes, droppedBytes: this.droppedBytes },
          'dvr: the disk is behind (dvrMaxQueueBytes reached): dropping media until the next keyframe',
        );
      }
    }
  }

  #write(cur: OpenFile, tag: RecordedTag): void {
    this.#push(cur, cur.file.tag(tag));
  }

  #push(cur: OpenFile, chunks: Uint8Array[]): void {
    for (const c of chunks) this.bytesWritten += c.byteLength;
    cur.writer.queue.push(chunks);
  }

  #finish(cur: OpenFile): void {
    if (this.#current === cur) this.#current = undefined;
    const done = this.#close(cur).finally(() => this.#finishing.delete(done));
    this.#finishing.add(done);
  }

  async #close(cur: OpenFile): Promise<void> {
    const { file, writer } = cur;
    let final: string;
    try {
      final = await writer.finish(file.finalMetadata(), 13);
    } catch (err) {
      if (writer.queue.error !== undefined) return; // reported by #fail
      this.#logError({ stream: this.name, path: cur.path, err: (err as Error).message }, 'dvr: could not finish the recording; its .tmp is repaired at the next start');
      this.opts.listener.finishFailed(cur.path, err as Error);
      await writer.abort().catch(() => undefined);
      return;
    }
    this.filesFinished++;
    const summary = file.summary();
    const endedAt = this.opts.now();
    const { vhost, app, stream } = this.opts;
    this.opts.log.info({ stream: this.name, path: final, bytes: summary.bytes, durationMs: summary.durationMs, droppedBytes: cur.droppedBytes }, 'dvr: recording finished');
    const { id: clientId = '', ip = '', param = '' } = this.opts.client ?? {};
    this.opts.listener.finished({ path: final, vhost, app, stream, startedAt: cur.startedAt, endedAt, durationMs: summary.durationMs, bytes: summary.bytes, droppedBytes: cur.droppedBytes, clientId, ip, param });
  }

  /** One error line per recording: a failing disk fails the file being finished and the next one alike. */
  #logError(fields: Record<string, unknown>, message: string): void {
    if (this.#errorLogged) this.opts.log.warn(fields, message);
    else this.opts.log.error(fields, message);
    this.#errorLogged = true;
  }

  /** A write failed: this recording stops for good, with one error line; the live stream goes on. */
  #fail(path: string, err: Error & { code?: string }): void {
    if (this.#failed) return;
    this.#failed = true;
    const cur = this.#current;
    this.#current = undefined;
    this.#logError({ stream: this.name, path, code: err.code, err: err.message }, 'dvr: recording stopped: the file cannot be written');
    this.opts.listener.failed(path, err);
    if (cur !== undefined) {
      const done = cur.writer
        .abort()
        .catch(() => undefined)
        .finally(() => this.#finishing.delete(done));
      this.#finishing.add(done);
    }
  }
}
