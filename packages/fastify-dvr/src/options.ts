import type { FinishedRecording } from '@flvcast/dvr';
import { defineOptions, option, resolveOptions, type OptionInput, type OptionValues } from '@flvcast/options';
import { invalidStreamPattern } from '@flvcast/relay';
import { FST_FLVCAST_DVR_INVALID_OPTION } from './errors.js';

const httpUrls = (list: string[]): string | undefined => {
  const bad = list.find((url) => !/^https?:\/\/[^\s]+$/.test(url));
  return bad === undefined ? undefined : `expected an http:// or https:// URL, got ${JSON.stringify(bad)}`;
};

/** The recorder's options, each declared once (docs/configuration.md is generated from the server's share). */
export const dvrOptionDescriptors = defineOptions({
  dvrApply: option.list({
    default: [],
    server: true,
    check: (list) => list.map(invalidStreamPattern).find((p) => p !== undefined),
    doc: 'record every publish whose name matches one of these patterns (`live/*`, `live/cam1`); empty = no recording (SRS `dvr_apply`); see docs/recording.md',
  }),
  dvrPlan: option.oneOf(['session', 'segment'], { default: 'session', server: true, doc: '`session`: one file per publish session (a publisher back within reconnectGraceMs continues it); `segment`: a new file at the first keyframe after dvrSegmentSeconds' }),
  dvrSegmentSeconds: option.integer({ min: 1, max: 86_400, default: 30, unit: 'seconds', server: true, doc: 'length of a segment with `dvrPlan: segment` (cut at the first keyframe at or after it)' }),
  dvrPath: option.string({
    default: './recordings/[app]/[stream].[timestamp].flv',
    server: true,
    check: (v) => (v.trim() === '' ? 'must not be empty' : undefined),
    doc: 'recording file template with SRS\'s variables `[vhost] [app] [stream] [2006] [01] [02] [15] [04] [05] [999] [timestamp]` (local time; epoch ms); a path not ending in `.flv` is a directory (`<dir>/[stream].[timestamp].flv`). Files are written as `<path>.tmp` and renamed when finished',
  }),
  dvrMaxQueueBytes: option.integer({
    min: 65_536,
    max: 1024 * 1024 * 1024,
    default: 32 * 1024 * 1024,
    unit: 'bytes',
    server: true,
    doc: "bytes a recording may hold for a disk that is behind; beyond, media is dropped (counted, logged) until the next keyframe",
  }),
  dvrWaitKeyframe: option.boolean({ default: true, server: true, doc: 'start each file at a video keyframe (SRS `dvr_wait_keyframe`); `false` starts at the first frame (the start may not decode)' }),
  onDvrUrl: option.list({
    default: [],
    server: true,
    check: httpUrls,
    doc: "SRS-style on_dvr HTTP callback URLs: POSTed `{action: 'on_dvr', client_id, ip, vhost, app, stream, param, cwd, file, …}` when a file is finished (answers are ignored)",
  }),
  onDvrTimeoutMs: option.integer({ min: 100, max: 60_000, default: 3000, unit: 'ms', doc: 'timeout of each on_dvr callback request' }),
  onDvr: option.callback<(info: FinishedRecording) => unknown>(
    'called when a file is finished: `{ path, vhost, app, stream, startedAt, endedAt, durationMs, bytes, droppedBytes, clientId, ip, param }`; errors are logged',
  ),
  dvrRepair: option.boolean({ default: true, doc: 'at start, repair the `*.flv.tmp` files a crash left below the DVR root (the static prefix of dvrPath)' }),
  dvrIndexCapacity: option.integer({
    min: 1,
    max: 1_000_000,
    doc: 'keyframes index entries reserved in each file (default: 7200 for a session file, 2 per second for a segment); a file with more is rewritten once when finished',
  }),
});

export type DvrPluginOptions = OptionInput<typeof dvrOptionDescriptors>;
export type ResolvedDvrOptions = OptionValues<typeof dvrOptionDescriptors>;

/** Fastify's own registration options: not the plugin's. */
const FASTIFY_KEYS = ['prefix', 'logLevel', 'logSerializers'];

/** Pure: checks the options and applies defaults. Throws FST_FLVCAST_DVR_INVALID_OPTION naming the option. */
export function validateDvrOptions(opts: DvrPluginOptions = {}): ResolvedDvrOptions {
  const { values, problems } = resolveOptions(dvrOptionDescriptors, opts, { ignore: FASTIFY_KEYS });
  const problem = problems[0];
  if (problem !== undefined) throw new FST_FLVCAST_DVR_INVALID_OPTION(problem.option, problem.message);
  return values;
}
