import { defineOptions, option, optionDefaults, resolveOptions, type AliasNames, type Deprecation, type OptionValues } from '@flvcast/options';
import { HubError, HubErrorCode } from './hub-error.js';

/**
 * The hub's options, each declared once: `new Hub()` and @flvcast/fastify-http-flv take them, the flvcast
 * server exposes those marked `server`, and docs/configuration.md is generated from them.
 *
 * Durations end in Ms and sizes in Bytes; an option renamed for that keeps its old spelling as an alias for
 * one release. The field names of the resolved options (`hub.options`) follow the new spellings.
 */
export const hubOptionDescriptors = defineOptions({
  hasAudio: option.boolean({ default: true, server: true, doc: 'FLV header audio flag when the tracks cannot be known (or always, with `guessHasAv: false`)' }),
  hasVideo: option.boolean({ default: true, server: true, doc: 'FLV header video flag when the tracks cannot be known (or always, with `guessHasAv: false`)' }),
  guessHasAv: option.boolean({ default: true, server: true, doc: 'decide the FLV header flags from onMetaData, sequence headers and media seen (SRS `guess_has_av`)' }),
  dropIfNotMatch: option.boolean({ default: true, server: true, doc: 'never send a viewer a track its FLV header denied (SRS `drop_if_not_match`)' }),
  gopCache: option.boolean({ default: true, server: true, doc: 'new viewers start with the cached GOP (instant start); `false`: they wait for the next keyframe' }),
  gopCacheMaxFrames: option.integer({ min: 1, default: 2048, unit: 'frames', doc: 'bound of the GOP cache in frames; a longer GOP is not cached (viewers then wait for the next keyframe)' }),
  gopCacheMaxBytes: option.integer({ min: 1, default: 32 * 1024 * 1024, unit: 'bytes', doc: 'bound of the GOP cache in bytes; a larger GOP is not cached' }),
  fastCacheMs: option.integer({
    min: 0,
    default: 0,
    unit: 'ms',
    aliases: [{ name: 'fastCache', unit: 'seconds', factor: 1000 }],
    server: { max: 60_000 },
    doc: 'audio kept for new viewers of audio-only streams on the FLV (and TS) mounts (SRS `fast_cache`); 0 = off. The audio mounts have their own, `audioFastCacheMs`',
  }),
  audioFastCacheMs: option.integer({
    min: 0,
    default: 3000,
    unit: 'ms',
    server: { max: 60_000 },
    doc: "audio every stream keeps for new listeners of its audio mounts (`.aac`, `.mp3`), who get it at once (SRS `fast_cache`); also bounded by `maxQueueBytes`; it keeps nothing alive; 0 = off",
  }),
  mergeWriteMs: option.number({
    min: 0,
    default: 0,
    unit: 'ms',
    server: { default: 10, max: 5000, integer: true },
    doc: "0: each tag is written to every viewer as it arrives (lowest latency); > 0: a viewer's tags are merged for this long and written at once (SRS `mw_latency`): far fewer writes, that much more latency. The server's 10 ms measured half the CPU of per-tag writes at 1000 viewers (docs/benchmarks.md); 200+ is a throughput mode",
  }),
  maxQueueBytes: option.integer({ min: 1, default: 8 * 1024 * 1024, unit: 'bytes', server: { min: 65_536 }, doc: "a viewer's backlog; beyond it the backlog is dropped and the viewer resumes at a keyframe" }),
  maxQueueMs: option.integer({ min: 1, default: 10_000, unit: 'ms', server: { min: 100 }, doc: "a viewer's backlog in media time; beyond it, the same" }),
  stallTimeoutMs: option.integer({ min: 1, default: 30_000, unit: 'ms', server: { min: 1000 }, doc: 'a viewer that accepts no bytes for this long is disconnected' }),
  reconnectGraceMs: option.number({ min: 0, default: 5000, unit: 'ms', server: { max: 600_000, integer: true }, doc: 'viewers stay attached this long after the publisher drops, waiting for it to come back' }),
  publishTakeover: option.boolean({ default: false, server: true, doc: 'a publish on a busy key takes the stream over (else it is refused)' }),
  maxStreams: option.integer({
    min: 1,
    default: 1000,
    server: { max: 1_000_000 },
    doc: 'streams carried at once (published, or waiting in their grace window); a publish of a new name beyond it is refused',
  }),
  timeJumpMs: option.integer({ min: 1, default: 5000, unit: 'ms', doc: 'incoming timestamp jumps (either way) beyond this are discontinuities, smoothed (encoder restart, 32-bit wrap)' }),
  now: option.custom({
    typeName: 'function',
    expected: 'a function',
    default: () => performance.now(),
    defaultText: '`performance.now()`',
    is: (v): v is () => number => typeof v === 'function',
    doc: 'the clock, in milliseconds; tests inject their own',
  }),
  maxViewers: option.integer({ min: 1, max: 1_000_000, default: 10_000, server: true, doc: 'viewers at once, every protocol (HTTP and WS on every mount, RTMP players); one more gets 503 (WS: close 4503; RTMP: NetStream.Play.Failed)' }),
  maxViewersPerIp: option.integer({ min: 1, max: 1_000_000, default: 100, server: true, doc: 'viewers per client address, every protocol; one more gets 429 (WS: close 4429; RTMP: NetStream.Play.Failed)' }),
  maxViewersPerStream: option.integer({ min: 1, max: 1_000_000, default: 10_000, server: true, doc: 'viewers of one stream, every protocol; one more gets 503 (WS: close 4503; RTMP: NetStream.Play.Failed)' }),
});

/** The resolved hub options (defaults applied). */
export type HubOptions = OptionValues<typeof hubOptionDescriptors>;

/** Old spellings, accepted (converted, with one deprecation warning) until the next release. */
export interface DeprecatedHubOptions {
  /** @deprecated Seconds of audio: use `fastCacheMs` (milliseconds). Removed in the next release. */
  fastCache?: number;
}

/** What `new Hub()` takes. */
export type HubOptionsInput = Partial<HubOptions> & DeprecatedHubOptions;

// Compile-time: the deprecated fields above are exactly the aliases the descriptors accept.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _deprecatedTyped: Same<keyof DeprecatedHubOptions, AliasNames<typeof hubOptionDescriptors>> = true;

export const defaultHubOptions: Readonly<HubOptions> = Object.freeze(optionDefaults(hubOptionDescriptors) as HubOptions);

/**
 * Pure: applies defaults, converts old spellings and checks every value; throws HubError
 * (ERR_HUB_BAD_OPTION) naming the option and what was expected. Deprecations are returned, not logged.
 */
export function resolveHubOptions(input: HubOptionsInput = {}): { options: HubOptions; deprecations: readonly Deprecation[] } {
  const { values, problems, deprecations } = resolveOptions(hubOptionDescriptors, input);
  const problem = problems[0];
  if (problem !== undefined) {
    const text =
      problem.message === 'unknown option'
        ? `unknown option "${problem.option}"`
        : problem.expected !== undefined
          ? `option "${problem.option}" must be ${problem.message.slice('expected '.length)}`
          : `option "${problem.option}": ${problem.message}`;
    throw new HubError(HubErrorCode.badOption, text, problem.option);
  }
  return { options: values, deprecations };
}

const warned = new Set<string>();

/**
 * Applies defaults and checks the options (see resolveHubOptions). An old spelling is reported once per
 * process as a Node DeprecationWarning (the hub has no logger; the plugins report theirs through fastify.log).
 */
export function validateHubOptions(input: HubOptionsInput = {}): HubOptions {
  const { options, deprecations } = resolveHubOptions(input);
  for (const d of deprecations) {
    if (warned.has(d.alias)) continue;
    warned.add(d.alias);
    process.emitWarning(d.message, { type: 'DeprecationWarning', code: 'FLVCAST_DEP_HUB_OPTION' });
  }
  return options;
}
