/**
 * A server-to-client WebSocket binary frame (RFC 6455 §5.2: FIN + opcode 2, unmasked) built once per tag
 * and shared by every WS-FLV viewer: each tag is one message, so its frame is the same for all of them.
 * Keyed weakly by the tag's bytes, so a frame lives exactly as long as its tag.
 */
export class WsFramer {
  #framed = new WeakMap<Uint8Array, Buffer>();

  frame(data: Uint8Array): Buffer {
    let framed = this.#framed.get(data);
    if (framed === undefined) {
      const n = data.byteLength;
      const headerSize = n < 126 ? 2 : n < 0x10000 ? 4 : 10;
      framed = Buffer.allocUnsafe(headerSize + n);
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
      this.#framed.set(data, framed);
    }
    return framed;
  }
}
