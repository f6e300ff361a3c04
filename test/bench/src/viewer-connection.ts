/** What the worker needs from a viewer connection, whatever its protocol. */
import type { FlvViewer } from './flv-viewer.js';

export interface ViewerEvents {
  /** response headers arrived: `ok` when the stream is being served (200 / WS open) */
  onAnswer(ok: boolean, at: number): void;
  /** the connection ended (by the server, an error, or close()) */
  onClose(): void;
}

export interface ViewerConnection {
  readonly viewer: FlvViewer;
  /** wall-clock ms when the request was sent / the connection was opened */
  readonly requestAt: number;
  close(): void;
}
