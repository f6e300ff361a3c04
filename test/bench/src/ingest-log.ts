/**
 * What the publisher sent, as seen at the server's RTMP socket: for each audio/video message the wall-clock
 * time its last byte arrived, keyed by (type, timestamp, payload length) — the same key a viewer can compute
 * from the FLV tag it receives — and by (type, timestamp) alone, for containers that keep no FLV sizes (a TS
 * viewer knows a frame by its PES time stamp); and the cumulative FLV bytes and elementary-stream bytes (the
 * codec data without FLV's tag headers and sequence headers) over time, to know how many bytes a viewer
 * should have received over any time window.
 */

/** FLV bytes a message becomes: 11-byte tag header + payload + 4-byte PreviousTagSize. */
export const FLV_TAG_OVERHEAD = 15;

export function tagKey(type: number, timestamp: number, size: number): string {
  return `${type}:${timestamp >>> 0}:${size}`;
}

/** The key of a frame known only by its time stamp (a TS viewer's PES, its DTS in ms). */
export function timestampKey(type: number, timestamp: number): string {
  return `${type}:${timestamp >>> 0}`;
}

/** Which bytes a window counts: FLV (tags as an FLV viewer gets them) or elementary-stream bytes. */
export type ByteMeasure = 'flv' | 'es-av' | 'es-audio';

/** Wall-clock milliseconds, comparable across the benchmark's processes on this machine. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export class IngestLog {
  /** How long arrivals are kept; a step longer than this raises it (latency is matched after its window). */
  keepMs = 120_000;
  readonly #arrival = new Map<string, number>();
  readonly #arrivalByTimestamp = new Map<string, number>();
  /** arrival time and cumulative FLV bytes after each media/script message (same index) */
  #times: number[] = [];
  #cumulative: number[] = [];
  #esAudio: number[] = [];
  #esVideo: number[] = [];
  #total = 0;
  #totalEsAudio = 0;
  #totalEsVideo = 0;
  /** cumulative bytes before the first kept point */
  #base = 0;
  #baseEsAudio = 0;
  #baseEsVideo = 0;
  audio = 0;
  video = 0;
  script = 0;
  /** duplicate keys (same type+timestamp+size twice within the kept window): ambiguous matches */
  duplicates = 0;

  /** `esBytes`: the message's codec data (0 for sequence headers and script data). */
  record(type: number, timestamp: number, size: number, at: number, esBytes = 0): void {
    if (type === 8) this.audio++;
    else if (type === 9) this.video++;
    else if (type === 18) this.script++;
    else return;
    this.#total += size + FLV_TAG_OVERHEAD;
    if (type === 8) this.#totalEsAudio += esBytes;
    if (type === 9) this.#totalEsVideo += esBytes;
    this.#times.push(at);
    this.#cumulative.push(this.#total);
    this.#esAudio.push(this.#totalEsAudio);
    this.#esVideo.push(this.#totalEsVideo);
    if (type === 18) return;
    const key = tagKey(type, timestamp, size);
    if (this.#arrival.has(key)) this.duplicates++;
    this.#arrival.set(key, at);
    // a sequence header shares its time stamp with the first frame: the frame's arrival wins
    if (esBytes > 0) this.#arrivalByTimestamp.set(timestampKey(type, timestamp), at);
  }

  /** When the message with this key (tagKey or timestampKey) arrived at the RTMP socket, if seen (and not pruned). */
  arrivalOf(key: string): number | undefined {
    return this.#arrival.get(key) ?? this.#arrivalByTimestamp.get(key);
  }

  /** The kept video messages' timestamps by payload size (for `timestampOffset`). */
  videoBySize(): Map<number, number[]> {
    const out = new Map<number, number[]>();
    for (const key of this.#arrival.keys()) {
      const [type, timestamp, size] = key.split(':').map(Number);
      if (type !== 9) continue;
      const list = out.get(size!);
      if (list === undefined) out.set(size!, [timestamp!]);
      else list.push(timestamp!);
    }
    return out;
  }

  /** FLV (or elementary-stream) bytes of all messages that arrived up to `at` (wall-clock ms). */
  bytesUntil(at: number, measure: ByteMeasure = 'flv'): number {
    // binary search for the last index with time <= at
    let lo = 0;
    let hi = this.#times.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#times[mid]! <= at) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (measure === 'es-audio') return found < 0 ? this.#baseEsAudio : this.#esAudio[found]!;
    if (measure === 'es-av') return found < 0 ? this.#baseEsAudio + this.#baseEsVideo : this.#esAudio[found]! + this.#esVideo[found]!;
    return found < 0 ? this.#base : this.#cumulative[found]!;
  }

  /** FLV (or elementary-stream) bytes that arrived in the window (from, to]. */
  bytesBetween(from: number, to: number, measure: ByteMeasure = 'flv'): number {
    return this.bytesUntil(to, measure) - this.bytesUntil(from, measure);
  }

  /** Forgets what is older than `keepMs` (the log stays small however long the run). */
  prune(now: number): void {
    const limit = now - this.keepMs;
    for (const map of [this.#arrival, this.#arrivalByTimestamp]) {
      for (const [key, at] of map) {
        if (at >= limit) break; // insertion order is arrival order
        map.delete(key);
      }
    }
    let drop = 0;
    while (drop < this.#times.length && this.#times[drop]! < limit) drop++;
    if (drop > 0) {
      // the values stay absolute; only old points go
      this.#base = this.#cumulative[drop - 1]!;
      this.#baseEsAudio = this.#esAudio[drop - 1]!;
      this.#baseEsVideo = this.#esVideo[drop - 1]!;
      this.#times = this.#times.slice(drop);
      this.#cumulative = this.#cumulative.slice(drop);
      this.#esAudio = this.#esAudio.slice(drop);
      this.#esVideo = this.#esVideo.slice(drop);
    }
  }
}
