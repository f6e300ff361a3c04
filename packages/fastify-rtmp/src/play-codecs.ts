import type { Amf0Value } from '@flvcast/amf0';
import { inspectAudio, inspectVideo } from '@flvcast/flv';
import type { StreamState } from '@flvcast/media';

/** Most FourCCs a connect's `fourCcList` is read for (the spec lists a dozen). */
const MAX_FOURCCS = 64;

/**
 * The FourCCs a player announced in connect (`fourCcList`, Enhanced RTMP): the codecs it can take in an
 * ExHeader (HEVC `hvc1`, AV1 `av01`, VP9 `vp09`, Opus `Opus`…); `*` stands for all. Absent: a legacy player.
 */
export function announcedFourCcs(command: Readonly<Record<string, Amf0Value>>): ReadonlySet<string> {
  const list = command['fourCcList'];
  const out = new Set<string>();
  if (!Array.isArray(list)) return out;
  for (const v of list.slice(0, MAX_FOURCCS)) if (typeof v === 'string' && v.length <= 4) out.add(v);
  return out;
}

/**
 * Why a player cannot be given this stream, naming the codec, or undefined when it can: a track sent in an
 * Enhanced RTMP ExHeader (FourCC) whose FourCC the player did not announce. Legacy codecs (AVC, AAC, MP3,
 * and HEVC under the legacy id 12) go to every player. Judged from the tracks' decoder configurations,
 * which every ExHeader codec sends first.
 */
export function playCodecProblem(stream: StreamState, fourCcs: ReadonlySet<string>): string | undefined {
  if (fourCcs.has('*')) return undefined;
  for (const kind of ['video', 'audio'] as const) {
    const config = stream[kind].config;
    if (config === undefined) continue;
    let fourcc: string | undefined;
    try {
      const info = kind === 'video' ? inspectVideo(config.payload) : inspectAudio(config.payload);
      fourcc = info.enhanced ? info.fourcc : undefined;
    } catch {
      continue; // the hub checked it on the way in; nothing to say about one we cannot read
    }
    if (fourcc !== undefined && !fourCcs.has(fourcc)) {
      return `the ${kind} codec is ${stream[kind].codec ?? fourcc} (Enhanced RTMP FourCC '${fourcc}'), which this player did not announce in connect's fourCcList`;
    }
  }
  return undefined;
}
