/**
 * An HTTP viewer over a raw `net` socket (HTTP-FLV, and the TS and ADTS mounts alike): writes the GET itself,
 * reads the response head, then the body (chunked transfer coding, or until close without it) into a
 * `StreamViewer` of its container. No http module, no agent:
 * the cost per viewer on the harness side stays small and every byte is accounted for.
 */
import net from 'node:net';
import { ChunkedDecoder } from './chunked-decoder.js';
import { ReadThrottle } from './read-throttle.js';
import type { StreamViewer } from './stream-viewer.js';
import { wallNow } from './ingest-log.js';
import type { ViewerConnection, ViewerEvents } from './viewer-connection.js';

const MAX_HEAD = 16 * 1024;
const HEAD_END = Buffer.from('\r\n\r\n');

export class HttpFlvConnection implements ViewerConnection {
  readonly viewer: StreamViewer;
  readonly requestAt: number;
  readonly #socket: net.Socket;
  readonly #events: ViewerEvents;
  #head: Buffer | undefined = Buffer.alloc(0);
  #chunked: ChunkedDecoder | undefined;
  #answered = false;
  #closed = false;
  #error: string | undefined;

  /** `readBytesPerSecond` > 0 makes this a slow viewer that reads no faster than that. */
  constructor(url: URL, viewer: StreamViewer, events: ViewerEvents, readBytesPerSecond = 0) {
    this.viewer = viewer;
    this.#events = events;
    this.requestAt = wallNow();
    const socket = net.connect(Number(url.port || 80), url.hostname);
    this.#socket = socket;
    socket.setNoDelay(true);
    if (readBytesPerSecond > 0) {
      const throttle = new ReadThrottle(socket, readBytesPerSecond);
      socket.on('data', (chunk: Buffer) => throttle.consumed(chunk.length));
    }
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nAccept: */*\r\nUser-Agent: flvcast-bench\r\n\r\n`);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (err: NodeJS.ErrnoException) => (this.#error ??= err.code ?? err.message));
    socket.once('close', () => this.#finish());
  }

  #onData(chunk: Buffer): void {
    const at = wallNow();
    if (this.#head !== undefined) {
      const head = this.#head.length === 0 ? chunk : Buffer.concat([this.#head, chunk]);
      const end = head.indexOf(HEAD_END);
      if (end < 0) {
        if (head.length > MAX_HEAD) this.#answer(false, at, 'response head too long');
        else this.#head = head;
        return;
      }
      this.#head = undefined;
      const lines = head.subarray(0, end).toString('latin1').split('\r\n');
      const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
      if (status?.[1] !== '200') return this.#answer(false, at, status ? `status ${status[1]}` : 'not an HTTP response');
      const chunked = lines.some((l) => /^transfer-encoding:.*chunked/i.test(l));
      if (chunked) this.#chunked = new ChunkedDecoder();
      this.#answer(true, at);
      const rest = head.subarray(end + HEAD_END.length);
      if (rest.length > 0) this.#body(rest, at);
      return;
    }
    this.#body(chunk, at);
  }

  #body(bytes: Buffer, at: number): void {
    if (this.#chunked === undefined) {
      this.viewer.push(bytes, at);
      return;
    }
    let pieces: Uint8Array[];
    try {
      pieces = this.#chunked.push(bytes);
    } catch {
      this.viewer.fail();
      this.close();
      return;
    }
    for (const p of pieces) this.viewer.push(p, at);
  }

  #answer(ok: boolean, at: number, reason?: string): void {
    if (this.#answered) return;
    this.#answered = true;
    this.#events.onAnswer(ok, at, reason);
    if (!ok) this.close();
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (!this.#answered) {
      this.#answered = true;
      this.#events.onAnswer(false, wallNow(), this.#error ?? 'closed before the response');
    }
    this.#events.onClose();
  }

  close(): void {
    this.#socket.destroy();
  }
}
