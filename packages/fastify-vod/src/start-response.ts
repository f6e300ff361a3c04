import type { FileHandle } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { configurationsBefore, type FlvFileIndex, type TagSpan } from '@flvcast/flv';
import { MAX_METADATA_BYTES } from './file-facts.js';

/** A `?start=`/`?starttime=` response: what goes before the file's bytes from `offset`, and its length. */
export interface StartBody {
  readonly prefix: Buffer;
  readonly offset: number;
  /** Content-Length: the prefix and the file from `offset` to its end. */
  readonly length: number;
}

/**
 * The head a player needs to start at a keyframe in the middle of a file, read from the open file: its FLV
 * header (with PreviousTagSize0, as nginx's flv module sends it), then as SRS does its onMetaData and the
 * sequence headers in force at `offset` (each whole tag with its PreviousTagSize, in file order).
 */
export async function startBody(handle: FileHandle, index: FlvFileIndex, offset: number, size: number): Promise<StartBody> {
  const spans: TagSpan[] = [{ offset: 0, end: index.header.headerSize + 4 }];
  const meta = index.metadata;
  if (meta !== undefined && meta.offset < offset && meta.end - meta.offset <= MAX_METADATA_BYTES) spans.push(meta);
  spans.push(...configurationsBefore(index, offset));
  const parts: Buffer[] = [];
  for (const span of spans) {
    const buf = Buffer.alloc(span.end - span.offset);
    const { bytesRead } = await handle.read(buf, 0, buf.length, span.offset);
    if (bytesRead !== buf.length) throw new Error(`the file changed while it was read (a tag at ${span.offset} is cut)`);
    parts.push(buf);
  }
  const prefix = Buffer.concat(parts);
  return { prefix, offset, length: prefix.length + Math.max(0, size - offset) };
}

/** The body itself: the prefix, then the file from `offset` up to `size` (the handle is closed at the end). */
export function startStream(handle: FileHandle, body: StartBody, size: number): Readable {
  const rest = handle.createReadStream({ start: body.offset, end: size - 1, autoClose: true, highWaterMark: 256 * 1024 });
  // Pulled as the client reads (backpressure); a client that leaves ends the iteration, which closes the file.
  return Readable.from(
    (async function* () {
      yield body.prefix;
      yield* rest;
    })(),
    { objectMode: false },
  );
}
