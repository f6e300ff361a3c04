/**
 * RTMP players in the soak: our own client (`RtmpClientSession` of `@flvcast/rtmp`) over a raw socket,
 * playing `rtmp://127.0.0.1:<rtmp port>/live/<stream>`. Its bytes are the audio, video and data payloads it
 * receives (not the handshake or the commands), so a player that never got media has 0 bytes like any other
 * viewer, and its gaps are silences between media messages, accounted like the HTTP and WS viewers'.
 * A refused play (an error status such as `NetStream.Play.Failed`, an `_error`, an RTMP stream that does not
 * parse, a connection closed before `NetStream.Play.Start`) marks the viewer as failed with that reason.
 * A slow player stops reading its socket for seconds at a time, like the slow HTTP and WS viewers.
 */
import net from 'node:net';
import { RtmpClientSession, RtmpError, type RtmpClientEvent } from '@flvcast/rtmp';
import { refused, track, type ClientKind, type Viewer } from './soak-viewer.js';

export function rtmpPlayKind(name = 'rtmp-play'): ClientKind {
  return {
    name,
    open(ports, stream, slow) {
      const socket = net.connect({ port: ports.rtmp, host: '127.0.0.1' });
      const session = new RtmpClientSession({ app: 'live', tcUrl: `rtmp://127.0.0.1:${ports.rtmp}/live`, flashVer: 'LNX 9,0,124,2' });
      let closed = false;
      let playing = false;
      let error: string | undefined;
      /** the soak closed it (churn or the end): not a refusal, whatever the state */
      let leaving = false;
      const close = (): void => {
        leaving = true;
        socket.destroy();
      };
      const viewer: Viewer = { kind: name, stream, slow, gaps: [], bytes: 0, close, get closed() { return closed; } };
      const t = track(viewer, () => socket.pause(), () => socket.resume());
      const flush = (): void => {
        const out = session.takeOutput();
        if (out.length > 0 && !socket.destroyed) socket.write(out.length === 1 ? out[0]! : Buffer.concat(out));
      };
      const refuse = (reason: string): void => {
        refused(viewer, reason);
        socket.destroy();
      };
      session.start();
      session.play(stream);
      flush();
      socket.setNoDelay(true);
      socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
      socket.on('data', (d: Buffer) => {
        let events: RtmpClientEvent[];
        try {
          events = session.push(d);
        } catch (err) {
          return refuse(err instanceof RtmpError ? `RTMP ${err.code}` : 'RTMP parse error');
        }
        for (const e of events) {
          if (e.type === 'audio' || e.type === 'video' || e.type === 'metadata') t.data(e.payload.length);
          else if (e.type === 'playing') playing = true;
          else if (e.type === 'error') {
            if (!playing) return refuse(`${e.code}${e.description ? ` (${e.description})` : ''}`);
            // an error after Play.Start (e.g. the stream went away): the server ends it, as an HTTP viewer's close
            socket.destroy();
            return;
          }
        }
        flush();
      });
      socket.once('close', () => {
        closed = true;
        t.end();
        // closed by the server or the network before Play.Start: refused
        if (!playing && !leaving) refused(viewer, error ?? 'closed before NetStream.Play.Start');
      });
      return viewer;
    },
  };
}
