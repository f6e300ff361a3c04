import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { waitUntil } from './tools.js';

const CLI = fileURLToPath(new URL('../../../../packages/server/dist/src/cli.js', import.meta.url));

/** A real `flvcast` process on loopback ports it picked itself, read from its JSON log. */
export interface FlvcastProcess {
  readonly child: ChildProcess;
  readonly httpUrl: string;
  readonly rtmpPort: number;
  readonly apiUrl: string;
  /** Its log so far (JSON lines). */
  out(): string;
  /** Resolves when the process has exited. */
  readonly exited: Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * Starts `node cli.js` with `args` on 127.0.0.1:0 listeners (with `--workers N`, the port the workers
 * share), without the dashboard unless `args` has `--dashboard`; stopped (SIGKILL) after the test.
 */
export async function startFlvcast(t: { after(fn: () => unknown): void }, args: string[] = []): Promise<FlvcastProcess> {
  const dashboard = args.includes('--dashboard') ? [] : ['--no-dashboard'];
  const child = spawn(process.execPath, [CLI, '--http-listen', '127.0.0.1:0', '--rtmp-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--log-format', 'json', ...dashboard, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-2_000_000)));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out = (out + d).slice(-2_000_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const kill = (signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    return exited;
  };
  t.after(() => kill());
  await waitUntil(() => out.includes('ready"') || child.exitCode !== null, 15_000, `flvcast ${args.join(' ')} to be ready`);
  if (child.exitCode !== null) throw new Error(`flvcast exited (${child.exitCode}): ${out}`);
  const http = /"msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(out.split('\n').filter((l) => !l.includes('"listener":"api"')).join('\n'));
  const api = /"listener":"api","msg":"Server listening at (http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
  const rtmp = /RTMP ingest listening on rtmp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
  if (http === null || api === null || rtmp === null) throw new Error(`flvcast's listeners not found in its log: ${out}`);
  return { child, httpUrl: http[1]!, apiUrl: api[1]!, rtmpPort: Number(rtmp[1]), out: () => out, exited, kill };
}

/** GET a JSON document of a process's API. */
export async function apiJson<T>(proc: FlvcastProcess, path: string): Promise<T> {
  return (await fetch(`${proc.apiUrl}${path}`)).json() as Promise<T>;
}
