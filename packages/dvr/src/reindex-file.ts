import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { FlvError, FlvFileIndexer, seekableLayout, type FlvFileIndex } from '@flvcast/flv';

/** Bytes read or copied at a time. */
const CHUNK_BYTES = 1024 * 1024;

/** The file is not FLV (or not even its header is there): nothing was written. */
export class NotFlvError extends Error {
  readonly code = 'ERR_DVR_NOT_FLV';
}

/** Scans an FLV file from disk in 1 MiB reads (constant memory). Throws NotFlvError for a file that is not FLV. */
export async function indexFlvFile(path: string): Promise<FlvFileIndex> {
  const fh = await open(path, 'r');
  try {
    const indexer = new FlvFileIndexer();
    const buf = new Uint8Array(CHUNK_BYTES);
    for (let pos = 0; ; ) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead === 0) break;
      pos += bytesRead;
      indexer.push(buf.subarray(0, bytesRead));
    }
    return indexer.result();
  } catch (err) {
    if (err instanceof FlvError) throw new NotFlvError(`${path}: not an FLV file (${err.message})`, { cause: err });
    throw err;
  } finally {
    await fh.close();
  }
}

/**
 * Writes `dest`: `src` made seekable (seekableLayout: a new onMetaData with the keyframes index, the tags up
 * to the last whole one), streamed, never the whole file in memory. `dest` may be `src` (in place): the
 * copy goes to a temporary file beside it that replaces it at the end. Returns the index of `src` and the
 * size written.
 */
export async function reindexFlvFile(src: string, dest: string): Promise<{ index: FlvFileIndex; size: number }> {
  const index = await indexFlvFile(src);
  const layout = seekableLayout(index);
  const part = `${dest}.reindex-${process.pid}`;
  const input = await open(src, 'r');
  let output: FileHandle | undefined;
  try {
    output = await open(part, 'w');
    await output.write(layout.head);
    const buf = new Uint8Array(CHUNK_BYTES);
    let at = layout.head.length;
    for (const { start, end } of layout.copy) {
      for (let pos = start; pos < end; ) {
        const { bytesRead } = await input.read(buf, 0, Math.min(buf.length, end - pos), pos);
        if (bytesRead === 0) throw new Error(`${src} became shorter while it was copied`);
        await output.write(buf, 0, bytesRead, at);
        pos += bytesRead;
        at += bytesRead;
      }
    }
    await output.sync();
    await output.close();
    output = undefined;
    await rename(part, dest);
    return { index, size: layout.size };
  } catch (err) {
    await output?.close().catch(() => undefined);
    await rm(part, { force: true });
    throw err;
  } finally {
    await input.close();
  }
}
