/**
 * node-media-server 4.4.3 sends a player's audio, video and data messages on message stream 0 (its
 * `Rtmp.createMessage` never sets the header's stream id), while the play and its onStatus replies are on the
 * stream createStream returned. ffmpeg and librtmp take media whatever its message stream id;
 * `RtmpClientSession` takes only media on its play stream, so against node-media-server it would get
 * Play.Start and then nothing.
 *
 * So that the benchmark's players (our own client, unchanged) can play node-media-server, media messages
 * received on stream 0 while one of our players is pushing bytes into its session are adopted onto that
 * player's stream: `RtmpConnection#receive`, which every session's socket bytes go through, is wrapped once,
 * in the viewer processes only. Nothing else changes: a server that sends media on the play stream (flvcast,
 * nginx-rtmp) is untouched, and every adoption is counted, so a run can say whether a server needed it.
 * The place to fix is the client (accept media on stream 0 while playing, as ffmpeg does): until then this shim.
 */
import { RtmpConnection, type RtmpMessage } from '@flvcast/rtmp';

/** Audio, video, data (AMF0 and AMF3). */
const MEDIA_TYPES = new Set([8, 9, 15, 18]);

let adoptInto = 0;
let installed = false;

/** Media messages adopted from stream 0 so far, in this process. */
export let adoptedMessages = 0;

function install(): void {
  if (installed) return;
  installed = true;
  const receive = RtmpConnection.prototype.receive;
  RtmpConnection.prototype.receive = function (this: RtmpConnection, bytes: Uint8Array): RtmpMessage[] {
    const messages = receive.call(this, bytes);
    if (adoptInto !== 0) {
      for (const m of messages) {
        if (m.streamId === 0 && MEDIA_TYPES.has(m.type)) {
          m.streamId = adoptInto;
          adoptedMessages++;
        }
      }
    }
    return messages;
  };
}

/**
 * Runs `push` (a player session's `push()` of one socket read) with media on stream 0 adopted onto
 * `streamId` (the player's play stream; 0 before createStream was answered: nothing adopted).
 */
export function withMediaAdoptedInto<T>(streamId: number, push: () => T): T {
  install();
  adoptInto = streamId;
  try {
    return push();
  } finally {
    adoptInto = 0;
  }
}
