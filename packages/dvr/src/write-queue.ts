/** Writes a batch of chunks, in order, after every earlier batch (a file's append). */
export type WriteChunks = (chunks: readonly Uint8Array[]) => Promise<void>;

/** Chunks per write call: well under every platform's IOV_MAX (1024 on Linux). */
const MAX_BATCH_CHUNKS = 512;

/**
 * When an idle queue writes: at once (the default), or once `bytes` are pending or `ms` after the first
 * pending chunk, whichever comes first. A file needs no low latency, and a write per tag (dozens a second
 * per stream, each a trip through libuv's thread pool) costs more CPU than the bytes themselves.
 */
export interface Coalesce {
  readonly bytes: number;
  readonly ms: number;
}

/**
 * The bytes on their way to one file: appended in order by one write at a time, whatever arrived meanwhile
 * going in the next (one writev). It only counts what it holds (`queuedBytes`); the recording refuses
 * tags past its bound, so a slow disk costs at most that much memory. The first failed write ends it: what
 * is queued is let go, later pushes are ignored, and `onError` hears of it once.
 */
export class WriteQueue {
  queuedBytes = 0;
  writtenBytes = 0;
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #running: Promise<void> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #error: Error | undefined;

  constructor(
    private readonly write: WriteChunks,
    private readonly onError: (err: Error) => void,
    private readonly coalesce?: Coalesce,
  ) {}

  get error(): Error | undefined {
    return this.#error;
  }

  push(chunks: readonly Uint8Array[]): void {
    if (this.#error !== undefined) return;
    for (const c of chunks) {
      this.#pending.push(c);
      this.#pendingBytes += c.byteLength;
      this.queuedBytes += c.byteLength;
    }
    if (this.#running !== undefined) return;
    const coalesce = this.coalesce;
    if (coalesce === undefined || this.#pendingBytes >= coalesce.bytes) this.#start();
    else this.#timer ??= setTimeout(() => this.#start(), coalesce.ms);
  }

  /** Resolves once everything pushed so far is written (or the queue failed). */
  async drained(): Promise<void> {
    if (this.#running === undefined && this.#pending.length > 0) this.#start();
    while (this.#running !== undefined) await this.#running;
  }

  #start(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#running ??= this.#run();
  }

  async #run(): Promise<void> {
    try {
      while (this.#pending.length > 0 && this.#error === undefined) {
        const batch = this.#pending.splice(0, MAX_BATCH_CHUNKS);
        const bytes = batch.reduce((n, c) => n + c.byteLength, 0);
        this.#pendingBytes -= bytes;
        try {
          await this.write(batch);
        } catch (err) {
          this.#fail(err as Error);
          return;
        }
        this.queuedBytes -= bytes;
        this.writtenBytes += bytes;
      }
    } finally {
      this.#running = undefined;
    }
  }

  #fail(err: Error): void {
    this.#error = err;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#pendingBytes = 0;
    this.queuedBytes = 0;
    this.onError(err);
  }
}
