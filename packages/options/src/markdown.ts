import type { OptionDescriptor, OptionTable } from './descriptor.js';

/** A column of an options table: its header and how one option fills it (markdown inline text). */
export interface OptionColumn {
  readonly header: string;
  cell(name: string, d: OptionDescriptor): string;
}

const code = (text: string): string => `\`${text}\``;

/** The type and range as the docs show them: `integer 128–16777215 (bytes)`, `boolean`, `"a" | "b"`. */
export function typeText(d: OptionDescriptor): string {
  const unit = d.unit === undefined ? '' : ` (${d.unit})`;
  switch (d.kind) {
    case 'boolean':
    case 'string':
      return d.kind;
    case 'integer':
    case 'number': {
      const range =
        d.min !== undefined && d.max !== undefined ? ` ${d.min}–${d.max}` : d.min !== undefined ? ` ≥ ${d.min}` : d.max !== undefined ? ` ≤ ${d.max}` : '';
      return `${d.kind}${range}${unit}`;
    }
    case 'enum':
      return (d.values ?? []).map((v) => code(JSON.stringify(v))).join(' \\| ');
    case 'list':
      return d.values === undefined ? 'list of strings' : `list of ${d.values.map((v) => code(JSON.stringify(v))).join(', ')}`;
    case 'custom':
      return d.typeName ?? 'value';
  }
}

function humanBytes(n: number): string | undefined {
  for (const [unit, size] of [['GiB', 1024 ** 3], ['MiB', 1024 ** 2], ['KiB', 1024]] as const) if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  return undefined;
}

/** The default as the docs show it: `4096`, `"auto"`, `["0.0.0.0:8080"]`, `8388608` (8 MiB), — for none. */
export function defaultText(d: OptionDescriptor): string {
  if (d.defaultText !== undefined) return d.defaultText;
  if (d.default === undefined) return '—';
  const shown = code(JSON.stringify(d.default));
  const human = d.unit === 'bytes' && typeof d.default === 'number' ? humanBytes(d.default) : undefined;
  return human === undefined ? shown : `${shown} (${human})`;
}

/** Old spellings still accepted: `fastCache` (seconds, ×1000). */
export function aliasText(d: OptionDescriptor): string {
  return (d.aliases ?? []).map((a) => `${code(a.name)}${a.factor === undefined || a.factor === 1 ? '' : ` (${a.unit ?? 'old unit'}, ×${a.factor})`}`).join(', ');
}

export const optionColumns = {
  name: { header: 'option', cell: (name: string) => code(name) },
  type: { header: 'type', cell: (_name: string, d: OptionDescriptor) => typeText(d) },
  default: { header: 'default', cell: (_name: string, d: OptionDescriptor) => defaultText(d) },
  doc: { header: 'meaning', cell: (_name: string, d: OptionDescriptor) => d.doc + ((d.aliases ?? []).length === 0 ? '' : ` (old spelling, deprecated: ${aliasText(d)})`) },
} satisfies Record<string, OptionColumn>;

const escapeCell = (text: string): string => text.replace(/\n/g, ' ').replace(/(?<!\\)\|/g, '\\|');

/** A markdown table of the options, one row each, in the table's order. */
export function markdownTable(table: OptionTable, columns: readonly OptionColumn[] = Object.values(optionColumns)): string {
  const rows = [`| ${columns.map((c) => c.header).join(' | ')} |`, `| ${columns.map(() => '---').join(' | ')} |`];
  for (const [name, d] of Object.entries(table)) rows.push(`| ${columns.map((c) => escapeCell(c.cell(name, d))).join(' | ')} |`);
  return rows.join('\n');
}

/**
 * Replaces what stands between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` (the marker lines
 * stay). Throws when the markers are missing: a generated section never lands in a random place.
 */
export function replaceGenerated(text: string, name: string, content: string): string {
  const open = `<!-- generated:${name} -->`;
  const close = `<!-- /generated:${name} -->`;
  const start = text.indexOf(open);
  const end = text.indexOf(close);
  if (start < 0 || end < start) throw new Error(`markers ${open} … ${close} not found`);
  return `${text.slice(0, start + open.length)}\n${content.trim()}\n${text.slice(end)}`;
}
