/** CPU time and memory of a process, read from /proc (Linux only). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let clockTicks: number | undefined;

/** Clock ticks per second of /proc/<pid>/stat times (`getconf CLK_TCK`, 100 on Linux almost always). */
function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** The parent pid and utime + stime (ms) of `pid` from /proc/<pid>/stat, or undefined if the process is gone. */
function readStat(pid: number): { ppid: number; cpuMs: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may contain spaces: split after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state), fields[1] field 4 (ppid); utime and stime are fields 14 and 15.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { ppid: Number(fields[1]), cpuMs: ((utime + stime) * 1000) / ticksPerSecond() };
}

/** utime + stime of `pid` in milliseconds, or undefined if the process is gone. */
export function cpuMs(pid: number): number | undefined {
  return readStat(pid)?.cpuMs;
}

export interface ProcEntry {
  pid: number;
  ppid: number;
  cpuMs: number;
}

/** `root` and every process below it (children, their children…), from a process table. */
export function processTree(root: number, table: readonly ProcEntry[]): ProcEntry[] {
  const children = new Map<number, ProcEntry[]>();
  for (const e of table) {
    const list = children.get(e.ppid);
    if (list === undefined) children.set(e.ppid, [e]);
    else list.push(e);
  }
  const self = table.find((e) => e.pid === root);
  if (self === undefined) return [];
  const out: ProcEntry[] = [];
  const todo = [self];
  // a pid seen twice would mean a cycle in a table read while processes came and went: stop there
  const seen = new Set<number>();
  while (todo.length > 0) {
    const e = todo.pop()!;
    if (seen.has(e.pid)) continue;
    seen.add(e.pid);
    out.push(e);
    todo.push(...(children.get(e.pid) ?? []));
  }
  return out;
}

/**
 * CPU used by a process tree between two snapshots (pid → ms). A process born in between counts from 0; one
 * that exited in between is lost (the kernel adds its time to the parent's cutime when reaped, which utime +
 * stime leave out), so a worker that dies mid-window makes the figure low, never high.
 */
export function treeCpuDelta(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}

/** The CPU time (ms) of `root` and its descendants now, by pid (Linux: every /proc/<pid>/stat). */
export function treeCpuMs(root: number): Map<number, number> {
  const table: ProcEntry[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat !== undefined) table.push({ pid: Number(name), ...stat });
  }
  return new Map(processTree(root, table).map((e) => [e.pid, e.cpuMs]));
}

/** Resident set size (VmRSS) of `pid` in bytes, or undefined if the process is gone. */
export function rssBytes(pid: number): number | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** This process's own CPU time (user + system) in milliseconds. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
