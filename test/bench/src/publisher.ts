/**
 * The publisher: ffmpeg loops the input file in real time and publishes it unchanged over RTMP, through
 * the ingest proxy: `ffmpeg -re -stream_loop -1 -i input.flv -c copy -f flv rtmp://127.0.0.1:<proxy>/live/<name>`.
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { spawnTracked, stopChild } from './children.js';
import { cacheDir, ffmpegPath } from './paths.js';
import { RtmpIngestProxy } from './rtmp-ingest-proxy.js';

export interface Publisher {
  proxy: RtmpIngestProxy;
  ffmpeg: ChildProcess;
  stream: string;
  stop(): Promise<void>;
}

export async function startPublisher(input: string, rtmpPort: number, stream: string, logName: string, audioOnly = false): Promise<Publisher> {
  const proxy = await RtmpIngestProxy.start(rtmpPort);
  const logFile = join(cacheDir, 'logs', `${logName}.log`);
  const fd = openSync(logFile, 'w');
  const ffmpeg = spawnTracked(
    ffmpegPath(),
    ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'warning', '-re', '-stream_loop', '-1', '-i', input, '-c', 'copy', '-f', 'flv', `rtmp://127.0.0.1:${proxy.port}/live/${stream}`],
    { stdio: ['ignore', fd, fd] },
  );
  closeSync(fd);
  let exited = false;
  ffmpeg.once('exit', () => (exited = true));
  // Live once two keyframe intervals (2 s GOP) of video went through (or 2 s of audio, without video).
  const deadline = performance.now() + 20_000;
  while (proxy.log.video < 130 && proxy.log.audio < (audioOnly ? 95 : Infinity)) {
    if (exited) {
      await proxy.close();
      throw new Error(`ffmpeg stopped publishing (exit code ${ffmpeg.exitCode}); see ${logFile}`);
    }
    if (performance.now() > deadline) {
      await stopChild(ffmpeg);
      await proxy.close();
      throw new Error(`the publisher sent ${proxy.log.video} video messages in 20 s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    proxy,
    ffmpeg,
    stream,
    stop: async () => {
      await stopChild(ffmpeg);
      await proxy.close();
    },
  };
}
