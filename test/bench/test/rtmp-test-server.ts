/**
 * A loopback RTMP server for the player tests: `RtmpServerSession` over `net`, each play handed to the test,
 * which accepts or refuses it and sends media through the returned `Play`.
 */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { ChunkWriter, RtmpServerSession } from '@flvcast/rtmp';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

export interface Play {
  name: string;
  accept(): void;
  refuse(code: string, description: string): void;
  media(type: number, timestamp: number, payload: Uint8Array): void;
  /** a media message on message stream 0 instead of the play stream, as node-media-server 4.4.3 sends it */
  mediaOnStream0(type: number, timestamp: number, payload: Uint8Array): void;
  socket: net.Socket;
}

export interface TestServer {
  port: number;
  close(): Promise<void>;
}

/** The chunk size the server session announces after the handshake (its default). */
const SERVER_CHUNK_SIZE = 4096;

export async function rtmpTestServer(onPlay: (play: Play) => void): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const session = new RtmpServerSession({ hmacSha256 });
    // a second writer on a chunk stream of its own, for messages the session would not send
    const raw = new ChunkWriter();
    raw.setChunkSize(SERVER_CHUNK_SIZE);
    const flush = (): void => {
      for (const b of session.takeOutput()) socket.write(b);
    };
    socket.on('data', (d: Buffer) => {
      for (const e of session.push(d)) {
        // connect is answered by the session itself
        if (e.type === 'play') {
          const streamId = e.streamId;
          onPlay({
            name: e.name,
            socket,
            accept: () => {
              session.acceptPlay(streamId);
              flush();
            },
            refuse: (code, description) => {
              session.rejectPlay(streamId, code, description);
              flush();
            },
            media: (type, timestamp, payload) => {
              session.sendMedia(streamId, type, timestamp, payload);
              flush();
            },
            mediaOnStream0: (type, timestamp, payload) => {
              flush();
              socket.write(raw.write({ csid: 9, type, streamId: 0, timestamp, payload }));
            },
          });
        }
      }
      flush();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
