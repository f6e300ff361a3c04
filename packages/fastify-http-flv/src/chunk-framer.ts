const CRLF = Buffer.from('\r\n');

/**
 * HTTP/1.1 chunked framing (`<hex size>\r\n<data>\r\n`) built once per tag and shared by every HTTP/1.1
 * viewer: each tag is one chunk, so its framed bytes are the same for all of them. Keyed weakly by the
 * tag's own bytes, so a framed tag lives exactly as long as the tag does.
 */
export class ChunkFramer {
  #framed = new WeakMap<Uint8Array, Buffer>();

  frame(data: Uint8Array): Buffer {
    let framed = this.#framed.get(data);
    if (framed === undefined) {
      framed = Buffer.concat([Buffer.from(`${data.byteLength.toString(16)}\r\n`), data, CRLF]);
      this.#framed.set(data, framed);
    }
    return framed;
  }
}

/** The last chunk of a chunked body. */
export const LAST_CHUNK = Buffer.from('0\r\n\r\n');
