/** A loopback RTMP server for the soak's player tests: `RtmpServerSession` over `net`, each play handed to the test. */
import { createHmac } from 'node:crypto';
import net from 'node:net';
import { RtmpServerSession } from '@flvcast/rtmp';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

export interface Play {
  name: string;
  accept(): void;
  refuse(code: string, description: string): void;
  media(type: number, timestamp: number, payload: Uint8Array): void;
  socket: net.Socket;
}

export async function rtmpTestServer(onPlay: (play: Play) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const session = new RtmpServerSession({ hmacSha256 });
    const flush = (): void => {
      for (const b of session.takeOutput()) socket.write(b);
    };
    socket.on('data', (d: Buffer) => {
      for (const e of session.push(d)) {
        if (e.type !== 'play') continue;
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
        });
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
