/** Where the benchmark finds the repository, its cache directory and the binaries it runs. */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);

/** The repository root (this file compiles to test/bench/dist/src/paths.js). */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

/** Generated inputs, server logs and result files: `.cache/bench/` at the repository root (gitignored). */
export const cacheDir = fileURLToPath(new URL('../../../../.cache/bench/', import.meta.url));

/** The flvcast CLI, built by `tsc -b`. */
export const flvcastCli = fileURLToPath(new URL('../../../../packages/server/dist/src/cli.js', import.meta.url));

/** The node-media-server launcher of this package (compiled next to this file). */
export const nmsLauncher = fileURLToPath(new URL('./nms-launcher.js', import.meta.url));

/** The viewer worker script, forked once per worker process. */
export const viewerWorker = fileURLToPath(new URL('./viewer-worker.js', import.meta.url));

/** ffmpeg from `@ffmpeg-installer/ffmpeg`, or `FFMPEG_PATH` when set (as in the interop suite). */
export function ffmpegPath(): string {
  return process.env.FFMPEG_PATH || (require('@ffmpeg-installer/ffmpeg') as { path: string }).path;
}
