/**
 * How a step's viewers are spread over its worker processes and, when they go to several servers (the edges
 * of the cluster scenario), over those servers' URLs: worker w reads urls[w % urls], and the number of workers
 * is cut to a multiple of the URL count, so each URL gets the same share of the viewers, of the latency-sampled
 * viewers and of the harness's CPU. Split by worker rather than by viewer, because a worker samples every
 * sampleEvery-th of its viewers, which an interleaved split (viewer i → urls[i % n]) would put on one URL.
 */
export interface WorkerShare {
  /** viewers this worker holds */
  count: number;
  /** index of the URL its viewers read */
  url: number;
}

export function splitViewers(viewers: number, maxWorkers: number, urls = 1): WorkerShare[] {
  let workers = Math.min(maxWorkers, viewers);
  if (urls > 1 && workers >= urls) workers -= workers % urls;
  return Array.from({ length: workers }, (_, w) => ({
    count: Math.floor(viewers / workers) + (w < viewers % workers ? 1 : 0),
    url: w % urls,
  }));
}
