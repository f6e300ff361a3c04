import { httpFlvOwnOptionDescriptors } from '@flvcast/fastify-http-flv';
import { opsApiOptionDescriptors, opsMetricsOptionDescriptors } from '@flvcast/fastify-ops';
import { relayOptionDescriptors } from '@flvcast/fastify-relay';
import { dvrOptionDescriptors } from '@flvcast/fastify-dvr';
import { rtmpOptionDescriptors } from '@flvcast/fastify-rtmp';
import { vodOptionDescriptors } from '@flvcast/fastify-vod';
import { hubOptionDescriptors } from '@flvcast/hub';
import { markdownTable, optionColumns, replaceGenerated, typeText, type OptionColumn, type OptionTable } from '@flvcast/options';
import { envName, flagName } from './config.js';
import { flvcastOptionDescriptors } from './server-options.js';

/** The docs whose option tables are generated (paths from the repository root). */
export const OPTION_DOC_FILES = ['docs/configuration.md', 'docs/migration.md'] as const;

/** The command that rewrites them. */
export const REGENERATE_OPTION_DOCS = 'npx tsc -b && node scripts/gen-docs.mjs';

const code = (text: string): string => `\`${text}\``;

const serverColumns: readonly OptionColumn[] = [
  { header: 'key', cell: (name) => code(name) },
  { header: 'flag', cell: (name, d) => code(`--${flagName(name)}`) + (d.kind === 'list' ? ' (repeatable)' : '') },
  { header: 'environment', cell: (name, d) => code(envName(name)) + (d.kind === 'list' ? ' (comma-separated)' : '') },
  optionColumns.type,
  optionColumns.default,
  optionColumns.doc,
];

/** Where each option table lives: the packages that take it. */
const PACKAGE_TABLES: ReadonlyArray<readonly [string, string, OptionTable]> = [
  ['hub', '@flvcast/hub', hubOptionDescriptors],
  ['fastify-http-flv', '@flvcast/fastify-http-flv', httpFlvOwnOptionDescriptors],
  ['fastify-rtmp', '@flvcast/fastify-rtmp', rtmpOptionDescriptors],
  ['fastify-relay', '@flvcast/fastify-relay', relayOptionDescriptors],
  ['fastify-vod', '@flvcast/fastify-vod', vodOptionDescriptors],
  ['fastify-dvr', '@flvcast/fastify-dvr', dvrOptionDescriptors],
  ['fastify-ops-api', '@flvcast/fastify-ops (API)', opsApiOptionDescriptors],
  ['fastify-ops-metrics', '@flvcast/fastify-ops (metrics)', opsMetricsOptionDescriptors],
];

/** Every renamed option: old → new, the unit change, where the old spelling is still accepted. */
function renamedTable(): string {
  const rows = ['| old spelling | new option | value | accepted by |', '| --- | --- | --- | --- |'];
  const seen = new Set<string>();
  for (const [, pkg, table] of PACKAGE_TABLES) {
    for (const [name, d] of Object.entries(table)) {
      for (const alias of d.aliases ?? []) {
        if (seen.has(alias.name)) continue;
        seen.add(alias.name);
        const value =
          alias.factor === undefined || alias.factor === 1 ? `same value (${d.unit ?? typeText(d)})` : `${alias.unit ?? 'old unit'} → ${d.unit ?? 'new unit'}: × ${alias.factor}`;
        const where = [pkg, ...(pkg === '@flvcast/hub' ? ['@flvcast/fastify-http-flv'] : [])].map(code);
        if (name in flvcastOptionDescriptors) {
          where.push(`the server: ${code(`--${flagName(alias.name)}`)} → ${code(`--${flagName(name)}`)}, ${code(envName(alias.name))} → ${code(envName(name))}`);
        }
        rows.push(`| ${code(alias.name)} | ${code(name)} | ${value} | ${where.join(', ')} |`);
      }
    }
  }
  return rows.join('\n');
}

/** The generated sections by marker name (`<!-- generated:NAME -->`). */
export function optionDocSections(): Record<string, string> {
  const sections: Record<string, string> = {};
  for (const [marker, , table] of PACKAGE_TABLES) sections[`options:${marker}`] = markdownTable(table);
  sections['options:server'] = markdownTable(flvcastOptionDescriptors, serverColumns);
  sections['options:renamed'] = renamedTable();
  return sections;
}

/** The text with every generated section it holds rewritten from the descriptors. */
export function renderOptionDocs(text: string): string {
  let out = text;
  for (const [name, content] of Object.entries(optionDocSections())) if (out.includes(`<!-- generated:${name} -->`)) out = replaceGenerated(out, name, content);
  return out;
}
