import { HubError, HubErrorCode } from './hub-error.js';

export interface HubOptions {
  /** FLV header audio flag when the tracks are unknown (or always, with guessHasAv off). */
  hasAudio: boolean;
  /** FLV header video flag when the tracks are unknown (or always, with guessHasAv off). */
  hasVideo: boolean;
  /** Decide the header flags from onMetaData, sequence headers and media seen (SRS `guessHasAv`). */
  guessHasAv: boolean;
  /** Don't send a viewer a track its FLV header denied (SRS `drop_if_not_match`). */
  dropIfNotMatch: boolean;
  /** New viewers start with the cached GOP (fast start) instead of waiting for the next keyframe. */
  gopCache: boolean;
  /** Bounds of the GOP cache; a GOP beyond them is not cached (viewers then wait for the next keyframe). */
  gopCacheMaxFrames: number;
  gopCacheMaxBytes: number;
  /** Seconds of audio kept for new viewers of audio-only streams (SRS `fast_cache`); 0 = off. */
  fastCache: number;
  /**
   * 0 (default): each tag is written to every viewer as it arrives, for the lowest latency. > 0: tags are
   * merged for this many milliseconds and written in one go per viewer (SRS `mw_latency`): far fewer
   * writes, at the cost of up to this much added latency.
   */
  mergeWriteMs: number;
  /** Per-viewer backlog bounds; past either, the backlog is dropped and the viewer resumes at a keyframe. */
  maxQueueBytes: number;
  maxQueueMs: number;
  /** A viewer whose sink accepts nothing for this long is disconnected. */
  stallTimeoutMs: number;
  /** Viewers stay attached this long after the publisher drops, waiting for it to come back. */
  reconnectGraceMs: number;
  /** A publish on a busy key takes the stream over (true) or is refused (false). */
  publishTakeover: boolean;
  /** Streams carried at once (published or in their grace window); a publish beyond it is refused. */
  maxStreams: number;
  /** Incoming timestamp jumps (either way) beyond this are treated as discontinuities and smoothed. */
  timeJumpMs: number;
  /** Clock in milliseconds; tests inject their own. */
  now: () => number;
}

export const defaultHubOptions: Readonly<HubOptions> = Object.freeze({
  hasAudio: true,
  hasVideo: true,
  guessHasAv: true,
  dropIfNotMatch: true,
  gopCache: true,
  gopCacheMaxFrames: 2048,
  gopCacheMaxBytes: 32 * 1024 * 1024,
  fastCache: 0,
  mergeWriteMs: 0,
  maxQueueBytes: 8 * 1024 * 1024,
  maxQueueMs: 10_000,
  stallTimeoutMs: 30_000,
  reconnectGraceMs: 5_000,
  publishTakeover: false,
  maxStreams: 1000,
  timeJumpMs: 5_000,
  now: () => performance.now(),
});

const booleans = ['hasAudio', 'hasVideo', 'guessHasAv', 'dropIfNotMatch', 'gopCache', 'publishTakeover'] as const;
const counts = ['gopCacheMaxFrames', 'gopCacheMaxBytes', 'maxQueueBytes', 'maxQueueMs', 'stallTimeoutMs', 'timeJumpMs', 'maxStreams'] as const;
const nonNegative = ['fastCache', 'reconnectGraceMs', 'mergeWriteMs'] as const;

/** Applies defaults and checks types; throws HubError naming the option and what was expected. */
export function validateHubOptions(input: Partial<HubOptions> = {}): HubOptions {
  const bad = (name: string, expected: string, got: unknown): never => {
    throw new HubError(HubErrorCode.badOption, `option "${name}" must be ${expected}, got ${JSON.stringify(got) ?? String(got)}`, name);
  };
  const out: HubOptions = { ...defaultHubOptions };
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if ((booleans as readonly string[]).includes(name)) {
      if (typeof value !== 'boolean') bad(name, 'a boolean', value);
    } else if ((counts as readonly string[]).includes(name)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) bad(name, 'a positive integer', value);
    } else if ((nonNegative as readonly string[]).includes(name)) {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) bad(name, 'a number >= 0', value);
    } else if (name === 'now') {
      if (typeof value !== 'function') bad(name, 'a function', value);
    } else {
      throw new HubError(HubErrorCode.badOption, `unknown option "${name}"`, name);
    }
    (out as unknown as Record<string, unknown>)[name] = value;
  }
  return out;
}
