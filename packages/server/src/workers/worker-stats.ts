import type { ClusterView, RemoteTraffic, RemoteViewers, ViewerGroup, WorkerSummary } from '@flvcast/fastify-ops';
import { MAX_STREAMS_PER_MESSAGE, type WorkerReport } from './worker-messages.js';

interface Slot {
  readonly id: number;
  pid: number | null;
  state: WorkerSummary['state'];
  startedAt: number;
  restarts: number;
  report: WorkerReport | undefined;
  reportAt: number | undefined;
  /** Traffic of the processes this slot had before the current one (so totals never go down). */
  past: { bytesOut: number; droppedTags: number; sessions: Record<string, number> };
}

const emptyTraffic = () => ({ bytesOut: 0, droppedTags: 0, sessions: {} as Record<string, number> });

/**
 * The primary's picture of its workers, from their reports: viewers per stream summed over workers, their
 * traffic since the server started, and each worker's process. What the API and metrics add to the
 * primary's own figures (`ClusterView`). A worker that dies takes its viewers with it at once; its traffic
 * stays in the totals.
 */
export class WorkerStats implements ClusterView {
  readonly #slots = new Map<number, Slot>();
  readonly #now: () => number;
  #viewers: Map<string, RemoteViewers> | undefined;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** A process for `slot` was forked (the first, or a restart). */
  started(id: number, pid: number | null, restart: boolean): void {
    const slot = this.#slot(id);
    this.#retire(slot);
    slot.pid = pid;
    slot.state = 'starting';
    slot.startedAt = this.#now();
    if (restart) slot.restarts++;
  }

  /** The slot's process serves (its HTTP listeners are up). */
  up(id: number): void {
    this.#slot(id).state = 'up';
  }

  report(id: number, report: WorkerReport): void {
    const slot = this.#slot(id);
    slot.report = { ...report, streams: report.streams.slice(0, MAX_STREAMS_PER_MESSAGE), pulls: report.pulls.slice(0, MAX_STREAMS_PER_MESSAGE) };
    slot.reportAt = this.#now();
    this.#viewers = undefined;
  }

  /** The slot's process is gone: its viewers went with it; `next` is what happens to the slot now. */
  exited(id: number, next: 'restarting' | 'stopping'): void {
    const slot = this.#slot(id);
    this.#retire(slot);
    slot.pid = null;
    slot.state = next;
  }

  /** Every worker is being asked to drain. */
  stopping(): void {
    for (const slot of this.#slots.values()) slot.state = 'stopping';
  }

  viewers(): ReadonlyMap<string, RemoteViewers> {
    if (this.#viewers !== undefined) return this.#viewers;
    const sum = new Map<string, { total: number; groups: Map<string, ViewerGroup>; droppedTags: number }>();
    for (const slot of this.#slots.values()) {
      for (const [name, remote] of slot.report?.streams ?? []) {
        let entry = sum.get(name);
        if (entry === undefined) sum.set(name, (entry = { total: 0, groups: new Map(), droppedTags: 0 }));
        entry.total += remote.total;
        entry.droppedTags += remote.droppedTags;
        for (const g of remote.groups) {
          const key = `${g.protocol} ${g.format}`;
          const group = entry.groups.get(key);
          if (group === undefined) entry.groups.set(key, { ...g });
          else group.count += g.count;
        }
      }
    }
    const out = new Map<string, RemoteViewers>();
    for (const [name, e] of sum) out.set(name, { total: e.total, groups: [...e.groups.values()], droppedTags: e.droppedTags });
    this.#viewers = out;
    return out;
  }

  traffic(): RemoteTraffic {
    const out = emptyTraffic();
    for (const slot of this.#slots.values()) {
      for (const t of [slot.past, slot.report?.traffic]) {
        if (t === undefined) continue;
        out.bytesOut += t.bytesOut;
        out.droppedTags += t.droppedTags;
        for (const [p, n] of Object.entries(t.sessions)) out.sessions[p] = (out.sessions[p] ?? 0) + n;
      }
    }
    return out;
  }

  workers(): WorkerSummary[] {
    const now = this.#now();
    return [...this.#slots.values()]
      .sort((a, b) => a.id - b.id)
      .map((slot) => ({
        id: slot.id,
        pid: slot.pid,
        state: slot.state,
        viewers: slot.report?.viewers ?? 0,
        pulls: slot.report?.pulls ?? [],
        uptimeMs: slot.pid === null ? 0 : Math.round(now - slot.startedAt),
        restarts: slot.restarts,
        cpu: slot.report?.cpu ?? { userSeconds: 0, systemSeconds: 0 },
        rssBytes: slot.report?.rssBytes ?? 0,
        reportAgeMs: slot.reportAt === undefined ? null : Math.round(now - slot.reportAt),
      }));
  }

  #slot(id: number): Slot {
    let slot = this.#slots.get(id);
    if (slot === undefined) {
      slot = { id, pid: null, state: 'starting', startedAt: this.#now(), restarts: 0, report: undefined, reportAt: undefined, past: emptyTraffic() };
      this.#slots.set(id, slot);
    }
    return slot;
  }

  /** The last report of a process that is gone: its traffic joins the past, its viewers leave. */
  #retire(slot: Slot): void {
    const last = slot.report?.traffic;
    if (last !== undefined) {
      slot.past.bytesOut += last.bytesOut;
      slot.past.droppedTags += last.droppedTags;
      for (const [p, n] of Object.entries(last.sessions)) slot.past.sessions[p] = (slot.past.sessions[p] ?? 0) + n;
    }
    slot.report = undefined;
    slot.reportAt = undefined;
    this.#viewers = undefined;
  }
}
