/** What the worker needs from a viewer connection, whatever its protocol. */
import type { StreamViewer } from './stream-viewer.js';

export interface ViewerEvents {
  /**
   * The request has its answer: `ok` when the stream is being served (200 / WS upgrade); otherwise
   * `reason` says why not (e.g. "status 404", "ECONNRESET", "closed before the response").
   */
  onAnswer(ok: boolean, at: number, reason?: string): void;
  /** the connection ended (by the server, an error, or close()) */
  onClose(): void;
}

export interface ViewerConnection {
  readonly viewer: StreamViewer;
  /** wall-clock ms when the request was sent / the connection was opened */
  readonly requestAt: number;
  close(): void;
}
