/**
 * A WebSocket viewer (the `ws` client; WS-FLV, and WS-TS alike): binary messages are one byte stream of the
 * container; a text message is a framing error.
 */
import WebSocket from 'ws';
import type { StreamViewer } from './stream-viewer.js';
import { wallNow } from './ingest-log.js';
import type { ViewerConnection, ViewerEvents } from './viewer-connection.js';

export class WsFlvConnection implements ViewerConnection {
  readonly viewer: StreamViewer;
  readonly requestAt: number;
  readonly #ws: WebSocket;
  #answered = false;
  #closed = false;

  constructor(url: URL, viewer: StreamViewer, events: ViewerEvents) {
    this.viewer = viewer;
    this.requestAt = wallNow();
    const ws = new WebSocket(url, { perMessageDeflate: false });
    this.#ws = ws;
    let error: string | undefined;
    const answer = (ok: boolean, reason?: string): void => {
      if (this.#answered) return;
      this.#answered = true;
      events.onAnswer(ok, wallNow(), reason);
    };
    ws.once('upgrade', () => answer(true));
    ws.once('unexpected-response', (_req, res) => {
      answer(false, `status ${res.statusCode}`);
      ws.terminate();
    });
    ws.on('message', (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => {
      const at = wallNow();
      if (!isBinary) {
        viewer.fail();
        return;
      }
      if (Buffer.isBuffer(data)) viewer.push(data, at);
      else if (Array.isArray(data)) for (const d of data) viewer.push(d, at);
      else viewer.push(new Uint8Array(data), at);
    });
    ws.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message));
    ws.once('close', () => {
      answer(false, error ?? 'closed before the upgrade');
      if (this.#closed) return;
      this.#closed = true;
      events.onClose();
    });
  }

  close(): void {
    this.#ws.terminate();
  }
}
