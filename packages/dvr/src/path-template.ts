import { isAbsolute, join, normalize, relative, sep } from 'node:path';

/** What a recording's path is made of: the stream's name parts and the moment its file opened. */
export interface DvrPathVars {
  readonly vhost: string;
  readonly app: string;
  readonly stream: string;
  /** Epoch ms. Calendar fields are the server's local time, as SRS's. */
  readonly at: number;
}

/** SRS's name for "no vhost": what `[vhost]` becomes for a stream published without one. */
export const DEFAULT_VHOST = '__defaultVhost__';

/** The file name a template that is a directory alone gets (SRS's own default). */
const DEFAULT_FILE = '[stream].[timestamp].flv';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A dvrPath as configured, made a full template: one that does not end in `.flv` is a directory, and gets
 * `[stream].[timestamp].flv` inside it. Relative templates stay relative (to the server's working directory).
 */
export function dvrTemplate(path: string): string {
  if (/\.flv$/i.test(path)) return path;
  return join(path, DEFAULT_FILE);
}

/**
 * The static prefix of a template: its directories up to the first one with a variable. Every recording
 * lies below it, so it is where the crash repair looks for `.tmp` files and what VOD serves (`--vod-dir`).
 */
export function dvrRoot(template: string): string {
  const parts = normalize(dvrTemplate(template)).split(sep);
  parts.pop(); // the file name
  const fixed: string[] = [];
  for (const part of parts) {
    if (part.includes('[')) break;
    fixed.push(part);
  }
  const root = fixed.join(sep);
  return root === '' ? (isAbsolute(template) ? sep : '.') : root;
}

/**
 * A variable's value made safe as (part of) one path segment: anything but letters, digits, `_ - .` becomes
 * `_`, and a value that is only dots (`.`, `..`) or empty is replaced. The hub already refuses such names;
 * this holds even for a key that did not come through it.
 */
function segmentSafe(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9_.-]/g, '_');
  return /^\.*$/.test(cleaned) ? `_${cleaned.replace(/\./g, '_')}` : cleaned;
}

/**
 * The path of a recording: the template with SRS's variables replaced: `[vhost] [app] [stream]`, `[2006]`
 * year, `[01]` month, `[02]` day, `[15]` hour, `[04]` minute, `[05]` second, `[999]` millisecond (local
 * time), `[timestamp]` epoch ms. Unknown `[...]` are left as they are. Throws when the result would leave
 * the template's static directory (it cannot with safe names; this is the last guard).
 */
export function renderDvrPath(template: string, vars: DvrPathVars): string {
  const full = dvrTemplate(template);
  const d = new Date(vars.at);
  const values: Record<string, string> = {
    vhost: segmentSafe(vars.vhost === '' ? DEFAULT_VHOST : vars.vhost),
    app: segmentSafe(vars.app),
    stream: segmentSafe(vars.stream),
    '2006': String(d.getFullYear()),
    '01': pad(d.getMonth() + 1),
    '02': pad(d.getDate()),
    '15': pad(d.getHours()),
    '04': pad(d.getMinutes()),
    '05': pad(d.getSeconds()),
    '999': pad(d.getMilliseconds(), 3),
    timestamp: String(vars.at),
  };
  const path = normalize(full.replace(/\[([A-Za-z0-9]+)\]/g, (whole, name: string) => values[name] ?? whole));
  const root = dvrRoot(full);
  const rel = relative(root, path);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) throw new Error(`recording path ${JSON.stringify(path)} is not below ${JSON.stringify(root)}`);
  return path;
}
