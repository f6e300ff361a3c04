/**
 * Recording and VOD in the soak (`--no-dvr` leaves them out): the soaked server records every publisher's
 * stream in 60 s segments below `dir` and serves that directory as VOD. While the churn runs, a VOD client
 * fetches the public list and a `?starttime=` of a random finished recording every sample; at the end, after
 * the server's SIGTERM, every file below `dir` must be a finished, seekable recording: no `.tmp` left, every
 * tag whole, onMetaData stating the file's size, and its keyframes index naming exactly the keyframe tags a scan
 * finds (each file is streamed through the recorder's own `indexFlvFile`: constant memory whatever the run's length).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { indexFlvFile } from '@flvcast/dvr';
import type { FlvFileIndex } from '@flvcast/flv';

/** The flags that make the soaked server record and serve its recordings. */
export function dvrArgs(dir: string): string[] {
  return ['--dvr-apply', 'live/s*', '--dvr-plan', 'segment', '--dvr-segment-seconds', '60', '--dvr-path', join(dir, '[stream]', '[timestamp].flv'), '--vod-dir', dir];
}

/** What the VOD client saw during the run. */
export class VodProbe {
  lists = 0;
  starts = 0;
  readonly errors: string[] = [];

  constructor(private readonly http: () => number) {}

  /** One round: the public list, then a start at a random time of a random recording. Never throws. */
  async probe(): Promise<void> {
    const base = `http://127.0.0.1:${this.http()}`;
    try {
      const res = await fetch(`${base}/vod.json`, { signal: AbortSignal.timeout(5_000) });
      if (!res.ok) throw new Error(`/vod.json: ${res.status}`);
      const { recordings } = (await res.json()) as { recordings: Array<{ url: string; durationMs: number }> };
      this.lists++;
      const rec = recordings[Math.floor(Math.random() * recordings.length)];
      if (rec === undefined) return;
      const at = Math.floor((Math.random() * rec.durationMs) / 1000);
      const start = await fetch(`${base}${rec.url}?starttime=${at}`, { signal: AbortSignal.timeout(10_000) });
      const body = new Uint8Array(await start.arrayBuffer());
      if (start.status !== 200 || body[0] !== 0x46 || body[1] !== 0x4c || body[2] !== 0x56) throw new Error(`${rec.url}?starttime=${at}: ${start.status}, ${body.length} bytes`);
      this.starts++;
    } catch (err) {
      if (this.errors.length < 20) this.errors.push((err as Error).message);
      else this.errors[19] = `… and more (last: ${(err as Error).message})`;
    }
  }
}

/** What the recordings left below `dir` look like once the server has stopped. */
export interface RecordingsCheck {
  files: number;
  bytes: number;
  seconds: number;
  tmpLeft: string[];
  invalid: Array<{ file: string; why: string }>;
}

function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesBelow(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Why a finished recording is not what the recorder promises, or undefined when it is. */
function problem(index: FlvFileIndex, size: number): string | undefined {
  if (index.validEnd !== size) return `a torn tail: whole tags end at ${index.validEnd} of ${size}`;
  const meta = index.metadata?.values;
  if (meta === undefined || index.metadata!.offset !== 13) return 'no onMetaData first';
  if (meta.filesize !== size) return `onMetaData filesize ${String(meta.filesize)}, the file has ${size}`;
  const keyframes = meta.keyframes as { filepositions?: number[] } | undefined;
  const positions = keyframes?.filepositions ?? [];
  if (positions.length === 0 || positions.join() !== index.keyframes.filepositions.join()) return `keyframes index ${positions.length} entries, the scan finds ${index.keyframes.filepositions.length} (or they differ)`;
  if (index.keyframes.times[0] !== 0) return `the first keyframe at ${index.keyframes.times[0]} s, not 0`;
  return undefined;
}

export async function checkRecordings(dir: string): Promise<RecordingsCheck> {
  const all = filesBelow(dir);
  const check: RecordingsCheck = { files: 0, bytes: 0, seconds: 0, tmpLeft: all.filter((f) => f.endsWith('.tmp')), invalid: [] };
  for (const file of all.filter((f) => f.endsWith('.flv'))) {
    const size = statSync(file).size;
    check.files++;
    check.bytes += size;
    try {
      const index = await indexFlvFile(file);
      check.seconds += index.duration;
      const why = problem(index, size);
      if (why !== undefined) check.invalid.push({ file, why });
    } catch (err) {
      check.invalid.push({ file, why: (err as Error).message });
    }
  }
  return check;
}
