// Checks per-file line and branch coverage (c8's json-summary) against the floors in coverage-floors.json.
// Usage: node scripts/check-coverage.mjs <coverage-summary.json> [--write]
//   --write  sets every floor to the coverage measured now (rounded down): raise floors when coverage rises.
import { readFileSync, writeFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';

const floorsFile = resolve('coverage-floors.json');
const [summaryFile, ...flags] = process.argv.slice(2);
if (summaryFile === undefined) {
  console.error('usage: node scripts/check-coverage.mjs <coverage-summary.json> [--write]');
  process.exit(2);
}
const config = JSON.parse(readFileSync(floorsFile, 'utf8'));
const summary = JSON.parse(readFileSync(summaryFile, 'utf8'));
const measured = new Map();
for (const [file, s] of Object.entries(summary)) {
  if (file === 'total') continue;
  measured.set(relative(process.cwd(), file), { lines: s.lines.pct, branches: s.branches.pct });
}

if (flags.includes('--write')) {
  const files = {};
  for (const [file, m] of [...measured].sort(([a], [b]) => a.localeCompare(b))) {
    files[file] = { lines: Math.floor(m.lines), branches: Math.floor(m.branches) };
  }
  writeFileSync(floorsFile, JSON.stringify({ ...config, files }, null, 2) + '\n');
  console.log(`coverage floors written for ${measured.size} files to ${relative(process.cwd(), floorsFile)}`);
  process.exit(0);
}

const failures = [];
const rows = [];
for (const [file, floor] of Object.entries(config.files)) {
  const m = measured.get(file);
  if (m === undefined) {
    failures.push(`${file}: no coverage measured (not loaded by the covered tests?)`);
    continue;
  }
  const low = [];
  if (m.lines < floor.lines) low.push(`lines ${m.lines}% < ${floor.lines}%`);
  if (m.branches < floor.branches) low.push(`branches ${m.branches}% < ${floor.branches}%`);
  if (low.length > 0) failures.push(`${file}: ${low.join(', ')}`);
  const raise = m.lines >= floor.lines + 1 || m.branches >= floor.branches + 1 ? '  (floor could rise)' : '';
  rows.push(`  ${file.padEnd(52)} lines ${String(m.lines).padStart(6)}% (floor ${String(floor.lines).padStart(3)})  branches ${String(m.branches).padStart(6)}% (floor ${String(floor.branches).padStart(3)})${raise}`);
}
for (const file of measured.keys()) {
  if (!(file in config.files)) failures.push(`${file}: covered but has no floor in coverage-floors.json (run with --write)`);
}
console.log(`coverage of the parser files over their unit, property and fuzz tests (floors: ${relative(process.cwd(), floorsFile)}):`);
console.log(rows.join('\n'));
if (failures.length > 0) {
  console.error(`coverage below its floor:\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
console.log(`coverage floors held for ${rows.length} files`);
