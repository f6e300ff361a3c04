import type { Amf0Value } from '@flvcast/amf0';
import { Amf0EcmaArray } from '@flvcast/amf0';
import { decodeScriptData, FlvDemuxer, inspectAudio, inspectVideo, type FlvTag } from '@flvcast/flv';
import type { Hub, LiveStream, Publisher, Subscriber, SubscriberSink } from '@flvcast/hub';
import { flvFormat } from '@flvcast/mux';
import { matchStream } from '@flvcast/relay';
import { openFileRecordingWriter, type OpenRecordingWriter } from './file-writer.js';
import { Recording, type ActiveRecording, type DvrLog, type DvrPlan, type FinishedRecording } from './recording.js';
import { DEFAULT_INDEX_CAPACITY, type RecordedTag } from './recording-file.js';

export interface DvrRecorderOptions {
  /** Stream patterns (`live/*`, as forward rules take them): matching publishes are recorded. */
  readonly apply: readonly string[];
  readonly plan: DvrPlan;
  readonly segmentMs: number;
  /** dvrPath: a template with SRS's variables, or a directory. */
  readonly path: string;
  readonly maxQueueBytes: number;
  readonly waitKeyframe: boolean;
  readonly log: DvrLog;
  /** Told of each finished file (errors it throws or rejects with are logged). */
  readonly onFinished?: ((info: FinishedRecording) => unknown) | undefined;
  /** Wall clock, epoch ms. Default Date.now. */
  readonly now?: () => number;
  /** Where files are written (tests inject their own). Default: the file system. */
  readonly openWriter?: OpenRecordingWriter;
  /** Index entries reserved in each file's metadata (see RecordingFile). */
  readonly indexCapacity?: number;
}

/** Running totals for the metrics. */
export interface DvrTotals {
  readonly active: number;
  readonly bytesWritten: number;
  readonly filesFinished: number;
  readonly failures: number;
  readonly droppedBytes: number;
}

/** The recorder's hub subscriber never holds anything back (the recording bounds its own queue). */
const SUBSCRIBER_LIMITS = { maxQueueBytes: 64 * 1024 * 1024, maxQueueMs: 600_000, stallTimeoutMs: 3_600_000 };

interface Entry {
  readonly recording: Recording;
  subscriber: Subscriber | undefined;
}

/**
 * Records every publish a pattern of `apply` matches: an internal hub subscriber (protocol `dvr`) of the
 * FLV format per stream, its bytes split back into tags and handed to a Recording. Like a forward it
 * follows the stream through a publisher's reconnect within the hub's grace window (the same subscriber,
 * so the same session file), and stops when the stream ends. Records events on the hub (`recordStart`,
 * `recordEnd`, `recordError`).
 */
export class DvrRecorder {
  readonly #entries = new Map<string, Entry>();
  /** Recordings being finished (the stream ended): close() waits for them too. */
  readonly #stopping = new Set<Promise<void>>();
  readonly #finishingRecordings = new Set<Recording>();
  readonly #off: () => void;
  readonly #now: () => number;
  #closed = false;
  #bytesDone = 0;
  #droppedDone = 0;
  #filesFinished = 0;
  #failures = 0;

  constructor(
    private readonly hub: Hub,
    private readonly opts: DvrRecorderOptions,
  ) {
    this.#now = opts.now ?? Date.now;
    this.#off = hub.events.on('publish', ({ stream, publisher }) => this.#onPublish(stream, publisher));
  }

  /** The files being written now. */
  list(): ActiveRecording[] {
    const out: ActiveRecording[] = [];
    for (const { recording } of this.#entries.values()) {
      const status = recording.status();
      if (status !== undefined) out.push(status);
    }
    return out;
  }

  totals(): DvrTotals {
    let bytes = this.#bytesDone;
    let dropped = this.#droppedDone;
    let files = this.#filesFinished;
    for (const { recording } of this.#entries.values()) {
      bytes += recording.bytesWritten;
      dropped += recording.droppedBytes;
      files += recording.filesFinished;
    }
    for (const recording of this.#finishingRecordings) files += recording.filesFinished;
    return { active: this.list().length, bytesWritten: bytes, filesFinished: files, failures: this.#failures, droppedBytes: dropped };
  }

  /** Stops recording: every file is finished (indexed, renamed) before this resolves. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#off();
    await Promise.all([...this.#entries.keys()].map((name) => this.#stop(name)));
    while (this.#stopping.size > 0) await Promise.all([...this.#stopping]);
  }

  #onPublish(stream: LiveStream, publisher: Publisher): void {
    if (this.#closed || this.#entries.has(stream.name)) return; // a publisher back within the grace window: same file
    if (!this.opts.apply.some((pattern) => matchStream(pattern, stream.name))) return;
    const { vhost, app, stream: name } = stream.key;
    const events = this.hub.events;
    const recording = new Recording({
      vhost,
      app,
      stream: name,
      plan: this.opts.plan,
      segmentMs: this.opts.segmentMs,
      template: this.opts.path,
      maxQueueBytes: this.opts.maxQueueBytes,
      waitKeyframe: this.opts.waitKeyframe,
      indexCapacity: this.opts.indexCapacity ?? indexCapacityFor(this.opts.plan, this.opts.segmentMs),
      now: this.#now,
      client: { id: publisher.id, ip: publisher.info.remoteAddress ?? '', param: queryParam(publisher.info.query) },
      openWriter: this.opts.openWriter ?? openFileRecordingWriter,
      log: this.opts.log,
      listener: {
        started: (path) => events.emit('recordStart', { stream: stream.name, path }),
        finished: (info) => {
          events.emit('recordEnd', { stream: stream.name, path: info.path, bytes: info.bytes, durationMs: info.durationMs, droppedBytes: info.droppedBytes });
          this.#notify(info);
        },
        finishFailed: (path, err) => {
          this.#failures++;
          events.emit('recordError', { stream: stream.name, path, code: (err as { code?: string }).code ?? 'ERR_DVR_FINISH', message: err.message });
        },
        failed: (path, err) => {
          this.#failures++;
          events.emit('recordError', { stream: stream.name, path, code: err.code ?? 'ERR_DVR_WRITE', message: err.message });
          // The live stream goes on; this recording's subscriber goes (after the current delivery).
          queueMicrotask(() => void this.#stop(stream.name));
        },
      },
    });
    const entry: Entry = { recording, subscriber: undefined };
    this.#entries.set(stream.name, entry);
    entry.subscriber = this.hub.subscribe(stream.key, flvFormat, this.#sink(stream.name, recording), { protocol: 'dvr', internal: true }, SUBSCRIBER_LIMITS);
    if (entry.subscriber === undefined) this.#entries.delete(stream.name);
  }

  #sink(name: string, recording: Recording): SubscriberSink {
    const demuxer = new FlvDemuxer();
    let headerSeen = false;
    return {
      write: (chunks) => {
        // Nothing may throw into the hub: a tag we cannot read is left out of the file.
        try {
          for (const chunk of chunks) {
            for (const tag of demuxer.push(chunk)) {
              if (!headerSeen && demuxer.header !== undefined) {
                headerSeen = true;
                recording.setTracks(demuxer.header);
              }
              const recorded = classify(tag, recording);
              if (recorded !== undefined) recording.tag(recorded);
            }
          }
        } catch (err) {
          this.opts.log.warn({ stream: name, err: (err as Error).message }, 'dvr: a tag could not be read; recording stopped');
          void this.#stop(name);
        }
        return true;
      },
      end: () => void this.#stop(name),
    };
  }

  #stop(name: string): Promise<void> {
    const entry = this.#entries.get(name);
    if (entry === undefined) return Promise.resolve();
    this.#entries.delete(name);
    entry.subscriber?.close();
    const { recording } = entry;
    // Nothing more is written once it ends; its last files finish meanwhile (counted when they have).
    this.#bytesDone += recording.bytesWritten;
    this.#droppedDone += recording.droppedBytes;
    this.#finishingRecordings.add(recording);
    const done = recording.end().then(() => {
      this.#stopping.delete(done);
      this.#finishingRecordings.delete(recording);
      this.#filesFinished += recording.filesFinished;
    });
    this.#stopping.add(done);
    return done;
  }

  #notify(info: FinishedRecording): void {
    const hook = this.opts.onFinished;
    if (hook === undefined) return;
    Promise.resolve()
      .then(() => hook(info))
      .catch((err: unknown) => this.opts.log.warn({ stream: info.app + '/' + info.stream, path: info.path, err: (err as Error).message }, 'dvr: the onDvr hook failed'));
  }
}

/** A publish query as SRS's hooks send it: `?a=b&c=d`, or '' without one. */
function queryParam(query: Readonly<Record<string, string>> | undefined): string {
  const text = new URLSearchParams(query as Record<string, string> | undefined).toString();
  return text === '' ? '' : `?${text}`;
}

/**
 * Index entries reserved in a file's metadata (18 bytes each): a session file, 2 h at a 1 s GOP (130 KB);
 * a segment, its length at a 0.5 s GOP (a 30 s segment: 1 KB). A file with more keyframes is rewritten once.
 */
function indexCapacityFor(plan: DvrPlan, segmentMs: number): number {
  return plan === 'session' ? DEFAULT_INDEX_CAPACITY : Math.max(16, Math.ceil(segmentMs / 500) + 4);
}

/** A tag from the subscriber's FLV as the recording takes it; onMetaData goes to the recording's metadata instead. */
function classify(tag: FlvTag, recording: Recording): RecordedTag | undefined {
  if (tag.type === 18) {
    try {
      const { name, value } = decodeScriptData(tag.payload);
      if (name === 'onMetaData') {
        if (value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date)) {
          recording.setMetadata({ ...((value instanceof Amf0EcmaArray ? value.entries : value) as Record<string, Amf0Value>) });
        }
        return undefined;
      }
    } catch {
      // script data we cannot read is recorded as it is
    }
    return { type: 18, timestamp: tag.timestamp, payload: tag.payload, keyframe: false, config: false };
  }
  try {
    if (tag.type === 9) {
      const info = inspectVideo(tag.payload);
      return { type: 9, timestamp: tag.timestamp, payload: tag.payload, keyframe: info.isKeyframe && !info.isSequenceHeader && !info.isCommandFrame, config: info.isSequenceHeader };
    }
    if (tag.type === 8) return { type: 8, timestamp: tag.timestamp, payload: tag.payload, keyframe: false, config: inspectAudio(tag.payload).isSequenceHeader };
  } catch {
    // A media tag too short to tell what it is (the hub passed it on as received): left out of the file.
  }
  return undefined;
}
