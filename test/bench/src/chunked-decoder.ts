/**
 * Incremental decoder of HTTP/1.1 chunked transfer coding (RFC 9112 §7.1): push any split of the body,
 * get the payload pieces back as views of the pushed buffers (no copy). Trailers are not expected on a
 * live stream and are skipped. A malformed size line or a missing CRLF after the data throws.
 */
export class ChunkedDecoderError extends Error {
  readonly code = 'ERR_BENCH_CHUNKED';
}

const CR = 13;
const LF = 10;
const MAX_SIZE_LINE = 1024;

export class ChunkedDecoder {
  /** the zero-size last chunk was read */
  ended = false;
  #state: 'size' | 'data' | 'crlf' | 'trailer' = 'size';
  #line = '';
  #left = 0;
  #crlfLeft = 0;

  push(buf: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let pos = 0;
    while (pos < buf.length && !this.ended) {
      switch (this.#state) {
        case 'size': {
          const lf = buf.indexOf(LF, pos);
          const end = lf < 0 ? buf.length : lf;
          for (let i = pos; i < end; i++) this.#line += String.fromCharCode(buf[i]!);
          if (this.#line.length > MAX_SIZE_LINE) throw new ChunkedDecoderError('chunk size line too long');
          pos = end;
          if (lf < 0) break;
          pos++; // the LF
          const text = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
          this.#line = '';
          const sizeText = text.split(';', 1)[0]!.trim();
          if (!/^[0-9a-fA-F]{1,8}$/.test(sizeText)) throw new ChunkedDecoderError(`bad chunk size line ${JSON.stringify(text.slice(0, 40))}`);
          this.#left = parseInt(sizeText, 16);
          this.#state = this.#left === 0 ? 'trailer' : 'data';
          break;
        }
        case 'data': {
          const n = Math.min(this.#left, buf.length - pos);
          out.push(buf.subarray(pos, pos + n));
          pos += n;
          this.#left -= n;
          if (this.#left === 0) {
            this.#state = 'crlf';
            this.#crlfLeft = 2;
          }
          break;
        }
        case 'crlf': {
          const expected = this.#crlfLeft === 2 ? CR : LF;
          if (buf[pos] !== expected) throw new ChunkedDecoderError('missing CRLF after chunk data');
          pos++;
          if (--this.#crlfLeft === 0) this.#state = 'size';
          break;
        }
        case 'trailer': {
          // trailer lines until an empty line
          const lf = buf.indexOf(LF, pos);
          const end = lf < 0 ? buf.length : lf;
          for (let i = pos; i < end; i++) this.#line += String.fromCharCode(buf[i]!);
          pos = end;
          if (lf < 0) break;
          pos++;
          const line = this.#line.endsWith('\r') ? this.#line.slice(0, -1) : this.#line;
          this.#line = '';
          if (line === '') this.ended = true;
          break;
        }
      }
    }
    return out;
  }
}
