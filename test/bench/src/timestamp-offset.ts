/**
 * An edge restarts a pulled stream's timestamps at 0 (its hub's `TimestampCorrector`), and so does a worker
 * process pulling from its primary, so their viewers' tags no longer carry the publisher's timestamps and the
 * latency match on (type, timestamp, size) finds nothing. The shift is one constant per pull. This finds it from
 * video frame sizes, which vary enough at 2.5 Mbit/s that a frame's size, with the right shift, points at one
 * published frame: each sampled video tag votes for (published timestamp − its timestamp) of every published
 * frame of its size. One group of samples may mix pulls (viewers on one shared port land on either worker), so
 * every shift with a good share of the votes is kept, most voted first.
 */

/** Published video frames by payload size → their timestamps. */
export type FramesBySize = ReadonlyMap<number, readonly number[]>;

/**
 * `samples`: flattened [type, timestamp, size, arrival] × n, as the viewer workers report them. The shifts to
 * add to their timestamps that at least a tenth of the video samples used (at most `maxSamples`, at least 5)
 * agree on, most voted first; none when no shift gets that many.
 */
export function timestampOffsets(samples: readonly number[], published: FramesBySize, maxSamples = 600): number[] {
  const votes = new Map<number, number>();
  let used = 0;
  for (let i = 0; i + 3 < samples.length && used < maxSamples; i += 4) {
    // video only: AAC frames take a handful of sizes, which would vote for many shifts
    if (samples[i] !== 9 || samples[i + 2]! < 0) continue;
    used++;
    for (const ts of published.get(samples[i + 2]!) ?? []) {
      const shift = ts - samples[i + 1]!;
      votes.set(shift, (votes.get(shift) ?? 0) + 1);
    }
  }
  if (used < 5) return [];
  return [...votes]
    .filter(([, n]) => n * 10 >= used)
    .sort((a, b) => b[1] - a[1])
    .map(([shift]) => shift);
}

/**
 * The latency of one sample under the candidate shifts: of the shifts whose (type, timestamp + shift, size) was
 * published, the smallest non-negative arrival difference. A wrong shift is a whole number of frames off, and
 * usually a GOP or more (pulls start on a keyframe), so it lands on another frame far from the right one.
 */
export function shiftedLatency(at: number, timestamp: number, shifts: readonly number[], arrivalAt: (timestamp: number) => number | undefined): number | undefined {
  let best: number | undefined;
  for (const shift of shifts) {
    const ingestAt = arrivalAt(timestamp + shift);
    if (ingestAt === undefined) continue;
    const latency = at - ingestAt;
    // both clocks are this machine's wall clock, read in different processes: allow a rounding ms below 0
    if (latency >= -1 && (best === undefined || latency < best)) best = latency;
  }
  return best;
}
