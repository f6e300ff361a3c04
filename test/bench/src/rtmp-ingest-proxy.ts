/**
 * A TCP proxy in front of the server's RTMP port. Bytes pass unchanged in both directions; the
 * client→server direction is also read as RTMP: after the 3073-byte client handshake (C0 + C1, then C2
 * once S0S1S2 came back — on this direction they are simply the first 3073 bytes), the chunk stream is
 * reassembled with `ChunkReader` (which applies Set Chunk Size itself), and every audio/video message is
 * recorded in the ingest log with the time its last byte reached the proxy.
 */
import net from 'node:net';
import { inspectAudio, inspectVideo } from '@flvcast/flv';
import { ChunkReader } from '@flvcast/rtmp';
import { IngestLog, wallNow } from './ingest-log.js';

const CLIENT_HANDSHAKE_BYTES = 1 + 1536 + 1536;

export class RtmpIngestProxy {
  readonly log = new IngestLog();
  /** RTMP parse errors on the client→server direction (the bytes are forwarded anyway) */
  parseErrors = 0;
  connections = 0;
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  readonly #pruneTimer: NodeJS.Timeout;

  private constructor(server: net.Server) {
    this.#server = server;
    this.#pruneTimer = setInterval(() => this.log.prune(wallNow()), 5000);
    this.#pruneTimer.unref();
  }

  /** Listens on 127.0.0.1 (ephemeral port) and forwards every connection to `targetPort`. */
  static async start(targetPort: number): Promise<RtmpIngestProxy> {
    const server = net.createServer();
    const proxy = new RtmpIngestProxy(server);
    server.on('connection', (client) => proxy.#forward(client, targetPort));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return proxy;
  }

  get port(): number {
    return (this.#server.address() as net.AddressInfo).port;
  }

  #forward(client: net.Socket, targetPort: number): void {
    this.connections++;
    const upstream = net.connect(targetPort, '127.0.0.1');
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.#sockets.add(client).add(upstream);
    const reader = new ChunkReader();
    let handshakeLeft = CLIENT_HANDSHAKE_BYTES;
    let failed = false;
    // Our listener goes first: the arrival time is taken before the bytes are forwarded.
    client.on('data', (chunk: Buffer) => {
      if (failed) return;
      const at = wallNow();
      let bytes: Uint8Array = chunk;
      if (handshakeLeft > 0) {
        const skip = Math.min(handshakeLeft, bytes.length);
        handshakeLeft -= skip;
        bytes = bytes.subarray(skip);
        if (bytes.length === 0) return;
      }
      try {
        for (const m of reader.push(bytes)) this.log.record(m.type, m.timestamp, m.payload.length, at, esBytes(m.type, m.payload));
      } catch {
        this.parseErrors++;
        failed = true;
      }
    });
    client.pipe(upstream);
    upstream.pipe(client);
    const close = (): void => {
      client.destroy();
      upstream.destroy();
      this.#sockets.delete(client);
      this.#sockets.delete(upstream);
    };
    client.once('close', close).on('error', close);
    upstream.once('close', close).on('error', close);
  }

  async close(): Promise<void> {
    clearInterval(this.#pruneTimer);
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

/** The codec data of an audio/video message: its body after the FLV audio/video header; 0 for sequence headers. */
function esBytes(type: number, payload: Uint8Array): number {
  try {
    if (type === 9) {
      const info = inspectVideo(payload);
      return info.isSequenceHeader || info.isCommandFrame ? 0 : payload.length - info.bodyOffset;
    }
    if (type === 8) {
      const info = inspectAudio(payload);
      return info.isSequenceHeader ? 0 : payload.length - info.bodyOffset;
    }
  } catch {
    // not a tag we can read: no codec data counted
  }
  return 0;
}
