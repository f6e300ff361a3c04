/**
 * What the soak knows of each viewer, whatever its kind (HTTP, WS, RTMP play): its bytes, its silences while
 * served, whether the server refused it, and for a slow viewer the pause/resume cycle that makes it slow.
 */

/** A silence longer than this, once media flowed, is a gap. */
export const GAP_MS = 1000;

const now = (): number => performance.now();
const rand = (min: number, max: number): number => min + Math.random() * (max - min);

export interface Viewer {
  kind: string;
  stream: string;
  slow: boolean;
  /** Longest silences (> GAP_MS) while connected: [from, to]. */
  gaps: Array<[number, number]>;
  bytes: number;
  /**
   * Why the server did not serve this viewer (e.g. an RTMP player's `NetStream.Play.Failed`), when it said
   * so; such a viewer is counted as failing, not silently as one that got nothing.
   */
  failed?: string;
  /** when it failed (performance.now()): a refusal during its publisher's restart is excused */
  failedAt?: number;
  close(): void;
  readonly closed: boolean;
}

/** The servers' ports a viewer kind may connect to. */
export interface SoakPorts {
  http: number;
  rtmp: number;
}

export interface ClientKind {
  name: string;
  open(ports: SoakPorts, stream: string, slow: boolean): Viewer;
}

/** Marks a viewer the server refused (the first reason stays). */
export function refused(viewer: Viewer, reason: string): void {
  if (viewer.failed !== undefined) return;
  viewer.failed = reason;
  viewer.failedAt = now();
}

/** Shared by every kind: arrival bookkeeping, and for slow viewers a pause/resume cycle. */
export function track(viewer: Viewer, pause: () => void, resume: () => void): { data: (n: number) => void; end: () => void } {
  let last = now();
  let paused = false;
  const cycle = viewer.slow
    ? setInterval(() => {
        paused = !paused;
        if (paused) pause();
        else resume();
      }, rand(1_500, 4_000))
    : undefined;
  return {
    data(n) {
      const t = now();
      if (viewer.bytes > 0 && t - last > GAP_MS) viewer.gaps.push([last, t]);
      viewer.bytes += n;
      last = t;
    },
    end() {
      clearInterval(cycle);
    },
  };
}
