import { createHmac } from 'node:crypto';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { RtmpServerSession, type RtmpEvent } from '@flvcast/rtmp';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

/** One connection the test server saw: what the client said, and the media it published. */
export interface SeenConnection {
  socket: Socket;
  session: RtmpServerSession;
  events: RtmpEvent[];
  /** Set when the client asked to play: the stream id to send media on. */
  playStreamId?: number;
}

/**
 * A plain RTMP server for the relay tests: the pure server session over a loopback socket, accepting
 * every publish and play, recording every event (connect command object, publish name and query).
 * `read: false` accepts TCP and never reads (a destination that does not read).
 */
export async function startTestServer(opts: { read?: boolean } = {}): Promise<{ port: number; url: string; connections: SeenConnection[]; sockets: Set<Socket>; close(): Promise<void>; server: Server }> {
  const connections: SeenConnection[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    if (opts.read === false) {
      socket.pause();
      return;
    }
    const session = new RtmpServerSession({ hmacSha256 });
    const seen: SeenConnection = { socket, session, events: [] };
    connections.push(seen);
    socket.on('data', (data: Buffer) => {
      let events: RtmpEvent[];
      try {
        events = session.push(data);
      } catch {
        socket.destroy();
        return;
      }
      for (const e of events) {
        seen.events.push(e);
        if (e.type === 'publish') session.acceptPublish(e.streamId);
        if (e.type === 'play') {
          session.acceptPlay(e.streamId);
          seen.playStreamId = e.streamId;
        }
      }
      for (const chunk of session.takeOutput()) socket.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `rtmp://127.0.0.1:${port}`,
    connections,
    sockets,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** Sends media to a playing client of the test server. */
export function sendToPlayer(conn: SeenConnection, type: number, timestamp: number, payload: Uint8Array): void {
  conn.session.sendMedia(conn.playStreamId!, type, timestamp, payload);
  for (const chunk of conn.session.takeOutput()) conn.socket.write(chunk);
}
