/**
 * CPU time of the harness: this process (it also runs the RTMP ingest proxy), the viewer workers and the
 * ffmpeg publisher. They share the machine's cores with the server under test.
 */
import { cpuMs, ownCpuMs } from './proc-stats.js';

export function harnessCpuMs(pids: readonly number[]): number {
  let total = ownCpuMs();
  for (const pid of pids) total += cpuMs(pid) ?? 0;
  return total;
}
