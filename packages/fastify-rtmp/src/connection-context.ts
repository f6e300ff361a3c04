import type { Amf0Value } from '@flvcast/amf0';
import type { Hub } from '@flvcast/hub';
import type { LimitReporter } from '@flvcast/limits';
import type { RtmpServerSession } from '@flvcast/rtmp';
import type { FastifyBaseLogger } from 'fastify';
import type { ResolvedRtmpOptions } from './options.js';

/**
 * What the publish and play sides of a connection get from it: its session, its socket (only through these
 * writes and ends), its log and reporter. Kept small so the sides never reach into the connection itself.
 */
export interface ConnectionContext {
  readonly id: string;
  readonly hub: Hub;
  readonly session: RtmpServerSession;
  readonly options: ResolvedRtmpOptions;
  readonly reporter: LimitReporter;
  /** Read at each use: a publish binds its stream to every later line of the connection. */
  readonly log: FastifyBaseLogger;
  readonly remoteAddress: string;
  /** `rtmps` on a TLS socket, else `rtmp`. */
  readonly protocol: string;
  /** The URL the client connected with, and its connect command object (undefined before connect). */
  readonly tcUrl: string | undefined;
  readonly connectCommand: Readonly<Record<string, Amf0Value>> | undefined;
  /** The socket closed: answers that arrive later are dropped. */
  readonly closed: boolean;
  /** Writes the session's pending output (replies, statuses, control) to the socket. */
  flush(): void;
  /** Writes shared media bytes after the session's own output; false when the socket is behind. */
  writeMedia(chunks: readonly Uint8Array[]): boolean;
  /** Closes our side once what was written has gone (after a refusal or a final status). */
  end(): void;
  /** Drops the socket at once. */
  destroy(): void;
  /** The graceful end the server's shutdown uses (ReconnectRequest where supported). */
  shutdown(): Promise<void>;
  /** Every later log line of the connection carries `stream` (set once a publish is accepted). */
  bindLogStream(stream: string): void;
  /** A play was asked for: the publisher-side timeouts stop applying. */
  startedPlaying(): void;
  /** Whether every stream the connection plays is paused (a paused player may stay quiet for stallTimeoutMs). */
  pausedPlaying(allPaused: boolean): void;
  /** A player stopped: with nothing left to play or publish, the connection is held to idleTimeoutMs again. */
  stoppedPlaying(): void;
}
