// Writes the option tables of docs/configuration.md and docs/migration.md from the option descriptors.
// Usage: npx tsc -b && node scripts/gen-docs.mjs [--check]   (--check: exit 1 if a file is stale, write nothing)
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

const docs = new URL('../packages/server/dist/src/option-docs.js', import.meta.url);
if (!existsSync(docs)) {
  console.error('gen-docs: packages/server is not compiled: run `npx tsc -b` first');
  process.exit(1);
}
const { OPTION_DOC_FILES, renderOptionDocs } = await import(docs.href);
const check = process.argv.includes('--check');
let stale = 0;
for (const file of OPTION_DOC_FILES) {
  const path = new URL(`../${file}`, import.meta.url);
  const text = readFileSync(path, 'utf8');
  const next = renderOptionDocs(text);
  if (next === text) continue;
  stale++;
  if (check) console.error(`${file} is stale`);
  else {
    writeFileSync(path, next);
    console.log(`wrote ${file}`);
  }
}
if (check && stale > 0) {
  console.error('regenerate with: npx tsc -b && node scripts/gen-docs.mjs');
  process.exit(1);
}
