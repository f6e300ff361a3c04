/**
 * Transport framing built once per tag and shared by every viewer of that transport: each tag is sent as
 * one unit (one HTTP chunk, one WebSocket message), so its framed bytes are the same for all of them.
 * Keyed weakly by the tag's own bytes, so a framed tag lives exactly as long as the tag does.
 */
export class FrameCache {
  #framed = new WeakMap<Uint8Array, Uint8Array>();

  constructor(private readonly frameOf: (data: Uint8Array) => Uint8Array) {}

  frame(data: Uint8Array): Uint8Array {
    let framed = this.#framed.get(data);
    if (framed === undefined) {
      framed = this.frameOf(data);
      this.#framed.set(data, framed);
    }
    return framed;
  }
}

const CRLF = Buffer.from('\r\n');

/** HTTP/1.1 chunked framing: `<hex size>\r\n<data>\r\n`. */
export function httpChunk(data: Uint8Array): Uint8Array {
  return Buffer.concat([Buffer.from(`${data.byteLength.toString(16)}\r\n`), data, CRLF]);
}

/** The last chunk of a chunked body. */
export const LAST_HTTP_CHUNK = Buffer.from('0\r\n\r\n');

/** A server-to-client WebSocket binary message in one frame (RFC 6455 §5.2: FIN, opcode 2, unmasked). */
export function wsBinaryFrame(data: Uint8Array): Uint8Array {
  const n = data.byteLength;
  const headerSize = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
  const framed = Buffer.allocUnsafe(headerSize + n);
  framed[0] = 0x82;
  if (n < 126) {
    framed[1] = n;
  } else if (n < 0x10000) {
    framed[1] = 126;
    framed.writeUInt16BE(n, 2);
  } else {
    framed[1] = 127;
    framed.writeBigUInt64BE(BigInt(n), 2);
  }
  framed.set(data, headerSize);
  return framed;
}
