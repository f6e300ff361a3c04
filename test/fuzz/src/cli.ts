/**
 * `pnpm fuzz`: runs every target (or `--target a,b`) for `--seconds` or `--runs` each, prints the seed, and
 * replays a run with `--seed`. Targets run in child processes watched by this one: a child that stops
 * reporting progress (a hang no in-process check can interrupt) or dies (a crash, memory exhausted) is
 * reported with the target and the execution count, and a hang is replayed at once in trace mode to
 * capture the input that hangs.
 *
 *   pnpm fuzz                                # every target, 10 s each, random seed
 *   pnpm fuzz --seconds 60 --jobs 2          # a longer pass on two cores
 *   pnpm fuzz --runs 1000000 --report r.json # a fixed count, figures as JSON
 *   pnpm fuzz --target hub --seed 0x5eed2026 # replay one target of a pass
 *   pnpm fuzz --ci                           # the CI pass: each target's fixed count, the fixed seed
 *   pnpm fuzz --list
 */
import { fork } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runTarget, showInput, targetSeed, type RunResult } from './harness.js';
import { targets } from './targets/index.js';

/** The CI pass's seed (FLVCAST_FUZZ_SEED overrides): fixed, so coverage and results are the same every run. */
export const CI_SEED = 0x5eed2026;
/** A child that reports nothing for this long is stuck (one execution's own bound is 2 s). */
const WATCHDOG_MS = 30_000;

type ChildMessage = { type: 'start'; target: string } | { type: 'progress'; target: string; execs: number } | { type: 'result'; result: RunResult } | { type: 'input'; target: string };

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    target: { type: 'string' },
    jobs: { type: 'string' },
    ci: { type: 'boolean' },
    list: { type: 'boolean' },
    report: { type: 'string' },
    out: { type: 'string' },
    trace: { type: 'string' },
    child: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

const num = (s: string | undefined): number | undefined => (s === undefined ? undefined : Number(s));
const hex = (n: number): string => `0x${n.toString(16)}`;


function selected(): string[] {
  if (args.target === undefined) return targets.map((t) => t.name);
  const names = args.target.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!targets.some((t) => t.name === n)) throw new Error(`unknown target ${n} (see --list)`);
  return names;
}

// --- child: run targets in this process, report through IPC -----------------------------------------------

function child(): void {
  const send = (m: ChildMessage): void => void process.send!(m);
  const seed = num(args.seed)!;
  for (const name of selected()) {
    const target = targets.find((t) => t.name === name)!;
    send({ type: 'start', target: name });
    const runs = args.ci ? target.ciRuns : num(args.runs);
    const result = runTarget(target, {
      seed,
      ...(runs === undefined ? {} : { runs }),
      ...(args.seconds === undefined ? {} : { seconds: Number(args.seconds) }),
      onProgress: (execs) => send({ type: 'progress', target: name, execs }),
      // Trace mode (hang replay): every input is on disk before it runs, so the one that hangs is the last.
      ...(args.trace === undefined ? {} : { onInput: (input: unknown) => writeFileSync(args.trace!, showInput(input)) }),
    });
    // IPC is JSON: the input goes as its printable form (byte arrays as hex).
    if (result.failure !== undefined) result.failure.counterexample = showInput(result.failure.counterexample);
    send({ type: 'result', result });
  }
  process.disconnect();
}

// --- parent: spread targets over child processes, watch them, report -------------------------------------

interface Outcome {
  result?: RunResult;
  crash?: string;
  hangInput?: string;
}

const self = fileURLToPath(import.meta.url);

/** Runs `names` in one child after another child as needed; resolves with an outcome per target. */
async function runInChildren(names: string[], seed: number, extra: string[], onResult: (name: string, o: Outcome) => void): Promise<void> {
  let queue = names.slice();
  while (queue.length > 0) {
    const current = { name: queue[0]!, execs: 0 };
    const done = new Set<string>();
    const reason = await new Promise<string | undefined>((resolve) => {
      const c = fork(self, ['--child', '--seed', String(seed), '--target', queue.join(','), ...extra], { execArgv: ['--max-old-space-size=2048', '--enable-source-maps'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      let timer = setTimeout(() => stuck(), WATCHDOG_MS);
      const stuck = (): void => {
        c.kill('SIGKILL');
        resolve(`no progress for ${WATCHDOG_MS / 1000} s (a hang) after at least ${current.execs} executions`);
      };
      c.on('message', (m: ChildMessage) => {
        clearTimeout(timer);
        timer = setTimeout(stuck, WATCHDOG_MS);
        if (m.type === 'start') Object.assign(current, { name: m.target, execs: 0 });
        else if (m.type === 'progress') current.execs = m.execs;
        else if (m.type === 'result') {
          done.add(m.result.target);
          onResult(m.result.target, { result: m.result });
        }
      });
      c.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(done.size === queue.length ? undefined : `the child process died (${signal ?? `exit ${code}`}) after at least ${current.execs} executions`);
      });
    });
    queue = queue.filter((n) => !done.has(n));
    if (reason === undefined) continue;
    // The target that was running failed hard; replay a hang in trace mode to catch its input.
    const name = queue.shift()!;
    const outcome: Outcome = { crash: reason };
    if (reason.includes('hang') && !extra.includes('--trace')) outcome.hangInput = await traceHang(name, seed, extra);
    onResult(name, outcome);
  }
}

/** Replays a hang with the same seed and budget (slower: each input is written first) to capture its input. */
async function traceHang(name: string, seed: number, extra: string[]): Promise<string> {
  const file = join(outDir(), `${name}-${hex(seed)}-trace.json`);
  const budget = extra.map((a, i) => (extra[i - 1] === '--seconds' ? String(Number(a) * 3) : a));
  let captured = '';
  await runInChildren([name], seed, [...budget, '--trace', file], (_n, o) => {
    if (o.crash !== undefined) {
      try {
        captured = readFileSync(file, 'utf8');
      } catch {
        captured = '';
      }
    }
  });
  return captured === '' ? 'not reproduced in trace mode' : `the input that hangs is in ${file}`;
}

function outDir(): string {
  const dir = args.out ?? join(tmpdir(), 'flvcast-fuzz');
  mkdirSync(dir, { recursive: true });
  return dir;
}

function pad(s: string | number, n: number, left = false): string {
  const t = typeof s === 'number' ? s.toLocaleString('en-US') : s;
  return left ? t.padStart(n) : t.padEnd(n);
}

async function parent(): Promise<number> {
  if (args.help) {
    console.log(readFileSync(self, 'utf8').split('*/')[0]);
    return 0;
  }
  if (args.list) {
    for (const t of targets) console.log(`${pad(t.name, 26)} ${t.entry}`);
    return 0;
  }
  const names = selected();
  const seed = args.seed !== undefined ? Number(args.seed) >>> 0 : args.ci ? Number(process.env.FLVCAST_FUZZ_SEED ?? CI_SEED) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
  const seconds = num(args.seconds) ?? (args.ci || args.runs !== undefined ? undefined : 10);
  const extra = [...(seconds === undefined ? [] : ['--seconds', String(seconds)]), ...(args.runs === undefined ? [] : ['--runs', args.runs]), ...(args.ci ? ['--ci'] : [])];
  const jobs = Math.max(1, Math.min(names.length, num(args.jobs) ?? 1));
  const budget = args.ci ? 'each target\'s CI count' : [args.runs === undefined ? '' : `${args.runs} runs`, seconds === undefined ? '' : `${seconds} s`].filter(Boolean).join(' or ');
  console.log(`flvcast fuzz: seed ${hex(seed)} (replay: pnpm fuzz --seed ${hex(seed)}${args.target ? ` --target ${args.target}` : ''}), ${names.length} targets, ${budget} each, ${jobs} job(s)`);
  const results: Record<string, Outcome> = {};
  let failed = 0;
  const report = (name: string, o: Outcome): void => {
    results[name] = o;
    const r = o.result;
    if (r !== undefined) {
      const rate = r.execs / (r.ms / 1000);
      const status = r.failure === undefined ? 'ok' : 'FAILED';
      console.log(`  ${pad(name, 24)} ${pad(r.execs, 11, true)} execs ${pad((r.ms / 1000).toFixed(1), 7, true)} s ${pad(Math.round(rate), 9, true)}/s  typed errors ${pad(Math.round((100 * r.typedErrors) / Math.max(1, r.execs)) + '%', 4, true)}  ${status}`);
      if (r.failure !== undefined) {
        failed++;
        const file = join(outDir(), `${name}-${hex(seed)}.json`);
        writeFileSync(file, String(r.failure.counterexample));
        console.log(`    ${r.failure.message.split('\n').join('\n    ')}`);
        console.log(`    counterexample (after ${r.failure.shrinks} shrinks): ${file}`);
        console.log(`    replay: pnpm fuzz --target ${name} --seed ${hex(seed)} (target seed ${hex(targetSeed(seed, name))}, path ${r.failure.path})`);
      }
    } else {
      failed++;
      console.log(`  ${pad(name, 24)} FAILED: ${o.crash}${o.hangInput === undefined ? '' : `; ${o.hangInput}`}`);
      console.log(`    replay: pnpm fuzz --target ${name} --seed ${hex(seed)}`);
    }
  };
  const started = performance.now();
  // Targets are dealt round-robin to the jobs; each job is one child process at a time.
  await Promise.all(Array.from({ length: jobs }, (_, j) => runInChildren(names.filter((_n, i) => i % jobs === j), seed, extra, report)));
  const total = Object.values(results).reduce((n, o) => n + (o.result?.execs ?? 0), 0);
  console.log(`${failed === 0 ? 'all targets held' : `${failed} target(s) FAILED`}: ${total.toLocaleString('en-US')} executions in ${((performance.now() - started) / 1000).toFixed(1)} s, seed ${hex(seed)}`);
  if (args.report !== undefined) writeFileSync(args.report, JSON.stringify({ seed: hex(seed), budget, results }, (_k, v: unknown) => (v instanceof Uint8Array ? showInput(v) : v), 2));
  return failed === 0 ? 0 : 1;
}

if (args.child) child();
else process.exitCode = await parent();
