import { parseArgs } from 'node:util';
import { extname } from 'node:path';
import { NotFlvError, reindexFlvFile } from '@flvcast/dvr';
import { ConfigError } from './config.js';

export const indexUsage = `Usage: flvcast index FILE... [--in-place | -o OUT.flv]

Makes FLV files seekable (the yamdi/flvmeta job): a new onMetaData with duration, filesize, codec ids,
size, frame rate and the keyframes { times, filepositions } index flv.js/mpegts.js seek with; a torn tail
(a crash mid-write) is cut at the last whole tag. Streams the file: any size, constant memory.

  --in-place, -i       replace each FILE (through a temporary file beside it)
  --output, -o <file>  where to write (one FILE only); default: NAME.indexed.flv beside each FILE

Exit status: 0 every file done, 1 some file failed (not FLV, unreadable), 2 bad arguments.`;

/** What `flvcast index` prints and its exit status. */
export interface IndexCommandResult {
  readonly out: string[];
  readonly err: string[];
  readonly code: 0 | 1 | 2;
}

/** The default output of `file`: `a/b.flv` → `a/b.indexed.flv`. */
export function indexedName(file: string): string {
  const ext = extname(file);
  return `${ext === '' ? file : file.slice(0, -ext.length)}.indexed${ext === '' ? '.flv' : ext}`;
}

/** `flvcast index ...`. Throws ConfigError on bad arguments (exit 2). */
export async function indexCommand(argv: string[]): Promise<IndexCommandResult> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { 'in-place': { type: 'boolean', short: 'i' }, output: { type: 'string', short: 'o' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${indexUsage}`);
  }
  const { values, positionals: files } = parsed;
  if (values.help === true) return { out: [indexUsage], err: [], code: 0 };
  if (files.length === 0) throw new ConfigError(`index: no FILE given\n\n${indexUsage}`);
  if (values.output !== undefined && (files.length > 1 || values['in-place'] === true)) throw new ConfigError('index: --output takes one FILE and no --in-place');
  const out: string[] = [];
  const err: string[] = [];
  for (const file of files) {
    const dest = values['in-place'] === true ? file : (values.output ?? indexedName(file));
    try {
      const { index, size } = await reindexFlvFile(file, dest);
      out.push(`${dest}: ${index.duration.toFixed(3)} s, ${index.keyframes.times.length} keyframes indexed, ${size} bytes`);
    } catch (e) {
      const code = (e as { code?: string }).code;
      err.push(e instanceof NotFlvError ? `flvcast index: ${(e as Error).message}` : `flvcast index: ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
  }
  return { out, err, code: err.length === 0 ? 0 : 1 };
}
