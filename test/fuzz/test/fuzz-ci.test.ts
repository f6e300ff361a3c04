/**
 * The CI fuzz pass: every target for its fixed count (each target's `ciRuns`) with a fixed, printed seed
 * (FLVCAST_FUZZ_SEED overrides), through the same CLI as `pnpm fuzz --ci`, in watched child processes: a
 * hang or a crash fails its target instead of the run. Within 90 s on a 2-core machine.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunResult } from '../src/harness.js';
import { targets } from '../src/targets/index.js';

const cli = fileURLToPath(new URL('../src/cli.js', import.meta.url));

test('every fuzz target holds its contract for its CI count (fixed seed)', { timeout: 180_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flvcast-fuzz-ci-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const report = join(dir, 'report.json');
  const run = spawnSync(process.execPath, [cli, '--ci', '--report', report, '--out', dir], { encoding: 'utf8', timeout: 170_000 });
  // The CLI prints its seed and a line per target; the runner shows it with the test.
  for (const line of `${run.stdout}${run.stderr}`.trimEnd().split('\n')) t.diagnostic(line);
  assert.equal(run.signal, null, 'the fuzz pass was killed (over its time)');
  const { results } = JSON.parse(readFileSync(report, 'utf8')) as { results: Record<string, { result?: RunResult; crash?: string }> };
  for (const target of targets) {
    const outcome = results[target.name];
    assert.ok(outcome !== undefined, `${target.name} did not run`);
    assert.equal(outcome.crash, undefined, `${target.name}: ${outcome.crash}`);
    assert.equal(outcome.result?.failure, undefined, `${target.name}: ${outcome.result?.failure?.message}\n${run.stdout}`);
    assert.ok(outcome.result!.execs >= target.ciRuns, `${target.name} ran ${outcome.result!.execs} of ${target.ciRuns}`);
  }
  assert.equal(run.status, 0, run.stdout);
});
