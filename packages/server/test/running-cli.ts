import assert from 'node:assert/strict';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

export interface RunningCli {
  child: ChildProcessWithoutNullStreams;
  /** Everything the server logged so far (stdout). */
  out(): string;
  /** The demo stream's HTTP-FLV URL from the ready line. */
  liveUrl: string;
}

/** Starts the real `flvcast --demo` with these arguments and environment; resolves once it logged its ready lines. */
export async function startCli(t: TestContext, args: string[], env: Record<string, string>): Promise<RunningCli> {
  // The API listener's default port (8081) would clash between tests running side by side.
  const child = spawn(process.execPath, [cli, '--demo', ...args], { env: { ...process.env, FLVCAST_LOG_LEVEL: 'info', FLVCAST_API_LISTEN: '127.0.0.1:0', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  t.after(() => child.kill('SIGKILL'));
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const ready = /live now: (http:\/\/[^\s"\\]+)/;
  const deadline = Date.now() + 10_000;
  while (!ready.test(out)) {
    assert.ok(Date.now() < deadline, `no ready line in ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, out: () => out, liveUrl: ready.exec(out)![1]! };
}
