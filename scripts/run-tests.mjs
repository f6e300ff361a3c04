// Runs every compiled test file of the workspace with node's test runner.
// Usage: node scripts/run-tests.mjs [substring filter...]
import { readdirSync, statSync, existsSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

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
const filters = process.argv.slice(2);
const selected = files.filter((f) => filters.length === 0 || filters.some((s) => f.includes(s))).sort();
if (selected.length === 0) {
  console.error('no test files found (did `tsc -b` run?)');
  process.exit(1);
}
const result = spawnSync(process.execPath, ['--enable-source-maps', '--test', '--test-concurrency=2', ...selected], { stdio: 'inherit' });
process.exit(result.status ?? 1);
