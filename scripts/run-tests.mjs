// Runs every compiled test file of the workspace with node's test runner.
// Usage: node scripts/run-tests.mjs [--coverage] [substring filter...]
//   --coverage: the parser packages' tests run under c8 first, checked against coverage-floors.json.
import { readdirSync, readFileSync, statSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';

const roots = ['packages', 'test'];
const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.test.js')) files.push(path);
  }
}
for (const root of roots) {
  for (const pkg of readdirSync(root)) {
    const dir = join(root, pkg, 'dist', 'test');
    if (!existsSync(dir)) continue;
    const before = files.length;
    walk(dir);
    // tsc never deletes output: a test moved or removed would keep running from dist/. Clean those out.
    for (const path of files.splice(before)) {
      const source = join(root, pkg, 'test', relative(dir, path).replace(/\.js$/, '.ts'));
      if (existsSync(source)) files.push(path);
      else for (const ext of ['', '.map']) for (const f of [path + ext, path.replace(/\.js$/, '.d.ts') + ext]) rmSync(f, { force: true });
    }
  }
}
const args = process.argv.slice(2);
const coverage = args.includes('--coverage');
const filters = args.filter((a) => a !== '--coverage');
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (selected.length === 0) {
  console.error('no test files found (did `tsc -b` run?)');
  process.exit(1);
}
const nodeTest = ['--enable-source-maps', '--test', '--test-concurrency=2'];
if (!coverage) {
  const result = spawnSync(process.execPath, [...nodeTest, ...selected], { stdio: 'inherit' });
  process.exit(result.status ?? 1);
}

// --coverage: the parser packages' tests (unit, property, the CI fuzz pass) run first under c8, and the
// parser files' line and branch coverage is checked against coverage-floors.json; then everything else.
const floors = JSON.parse(readFileSync('coverage-floors.json', 'utf8'));
const covered = selected.filter((f) => floors.tests.some((p) => f.startsWith(p)));
const rest = selected.filter((f) => !covered.includes(f));
const reportDir = join('.cache', 'coverage');
rmSync(reportDir, { recursive: true, force: true });
const c8 = [
  join('node_modules', 'c8', 'bin', 'c8.js'),
  '--reporter=json-summary',
  `--report-dir=${reportDir}`,
  `--temp-directory=${join(reportDir, 'v8')}`,
  ...floors.include.map((p) => `--include=${p}`),
  ...floors.exclude.map((p) => `--exclude=${p}`),
];
let status = 0;
if (covered.length > 0) {
  const started = performance.now();
  const run = spawnSync(process.execPath, [...c8, process.execPath, ...nodeTest, ...covered], { stdio: 'inherit' });
  status ||= run.status ?? 1;
  const check = spawnSync(process.execPath, [join('scripts', 'check-coverage.mjs'), join(reportDir, 'coverage-summary.json')], { stdio: 'inherit' });
  status ||= check.status ?? 1;
  console.log(`# covered tests and coverage check: ${((performance.now() - started) / 1000).toFixed(1)} s`);
}
// Run the rest whatever happened above (`status ||= spawnSync(…)` would skip it after a failure, hiding
// every failure in the rest behind one coverage floor).
if (rest.length > 0) {
  const restStatus = spawnSync(process.execPath, [...nodeTest, ...rest], { stdio: 'inherit' }).status ?? 1;
  status ||= restStatus;
}
process.exit(status);
