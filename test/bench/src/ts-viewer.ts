/**
 * One TS viewer's bookkeeping (the `.ts` mount over HTTP or WS): every byte goes through `TsPesReader`
 * (framing and continuity counters checked for every viewer), PES starts are counted as the FLV viewer
 * counts tags, and a sampled viewer records each audio/video PES with its DTS in ms and the arrival of the
 * read that carried its last packet — known when the next PES of the same PID starts — so that latency is
 * matched to the published frame of that time stamp. A late joiner notes when its first keyframe PES is complete.
 */
import type { ViewerSink } from './flv-viewer.js';
import type { StreamViewer } from './stream-viewer.js';
import { TsPesReader, type PesStart } from './ts-pes-reader.js';

/** A forward jump in video time larger than this is a gap (as for FLV viewers). */
const GAP_MS = 500;

interface OpenPes {
  type: 8 | 9;
  dtsMs: number | undefined;
  randomAccess: boolean;
}

/** Arrival times of this many recent reads are kept: a PES spanning more is dated by the oldest kept. */
const READS_KEPT = 64;

export class TsViewer implements StreamViewer {
  readonly #reader = new TsPesReader();
  readonly #sink: ViewerSink;
  readonly sampled: boolean;
  bytes = 0;
  markBytes = 0;
  mediaBytes = 0;
  markMediaBytes = 0;
  broken = false;
  onKeyframe: ((at: number) => void) | undefined;
  #continuityErrors = 0;
  #lastVideoDts: number | undefined;
  /** the PES being received on each PID */
  readonly #open = new Map<number, OpenPes>();
  /** arrival time of read n at [n % READS_KEPT] */
  readonly #readAt = new Float64Array(READS_KEPT);

  constructor(sink: ViewerSink, sampled: boolean) {
    this.#sink = sink;
    this.sampled = sampled;
  }

  push(chunk: Uint8Array, at: number): void {
    this.bytes += chunk.length;
    this.#sink.bytes += chunk.length;
    if (this.broken) return;
    let starts: PesStart[];
    const esBefore = this.#reader.esBytes;
    try {
      starts = this.#reader.push(chunk);
    } catch {
      this.fail();
      return;
    }
    const read = this.#reader.pushes;
    this.#readAt[read % READS_KEPT] = at;
    this.mediaBytes += this.#reader.esBytes - esBefore;
    this.#sink.tags += starts.length;
    if (this.#reader.continuityErrors !== this.#continuityErrors) {
      this.#sink.continuityErrors += this.#reader.continuityErrors - this.#continuityErrors;
      this.#continuityErrors = this.#reader.continuityErrors;
    }
    for (const start of starts) {
      const done = this.#open.get(start.pid);
      // the PES before this one on the PID is complete: its last packet came with read previousEndPush
      if (done !== undefined && start.previousEndPush >= 0) {
        const oldest = Math.max(0, read - READS_KEPT + 1);
        this.#complete(done, this.#readAt[Math.max(start.previousEndPush, oldest) % READS_KEPT]!);
      }
      const dtsMs = start.dts === undefined ? undefined : start.dts / 90;
      const type = start.kind === 'video' ? 9 : 8;
      this.#open.set(start.pid, { type, dtsMs, randomAccess: start.randomAccess });
      if (type === 9 && dtsMs !== undefined) this.#checkGap(dtsMs, start.randomAccess);
    }
  }

  #complete(pes: OpenPes, at: number): void {
    if (pes.dtsMs !== undefined && this.sampled && this.#sink.recording) this.#sink.samples.push(pes.type, pes.dtsMs, -1, at);
    if (pes.type === 9 && pes.randomAccess && this.onKeyframe !== undefined) {
      const cb = this.onKeyframe;
      this.onKeyframe = undefined;
      cb(at);
    }
  }

  #checkGap(dtsMs: number, randomAccess: boolean): void {
    const last = this.#lastVideoDts;
    this.#lastVideoDts = dtsMs;
    if (last === undefined || dtsMs - last <= GAP_MS) return;
    this.#sink.gaps++;
    if (!randomAccess) this.#sink.offKeyframeResumes++;
  }

  fail(): void {
    if (this.broken) return;
    this.broken = true;
    this.#sink.framingErrors++;
  }
}
