/**
 * Makes a socket a slow reader: it consumes at most `bytesPerSecond` (in 100 ms slices) and is paused in
 * between, so the kernel buffers fill and the server sees a peer that drains at that rate — what a viewer
 * on a thin link looks like from the server's side.
 */
import type net from 'node:net';

const SLICE_MS = 100;

export class ReadThrottle {
  #budget: number;
  readonly #perSlice: number;
  readonly #timer: NodeJS.Timeout;

  constructor(
    private readonly socket: net.Socket,
    bytesPerSecond: number,
  ) {
    this.#perSlice = (bytesPerSecond * SLICE_MS) / 1000;
    this.#budget = this.#perSlice;
    this.#timer = setInterval(() => {
      // a read can overshoot the budget by one socket read: the debt is paid off in later slices
      this.#budget = Math.min(this.#budget + this.#perSlice, this.#perSlice);
      if (this.#budget > 0 && this.socket.isPaused()) this.socket.resume();
    }, SLICE_MS);
    socket.once('close', () => clearInterval(this.#timer));
  }

  /** Call with each read's size. */
  consumed(bytes: number): void {
    this.#budget -= bytes;
    if (this.#budget <= 0) this.socket.pause();
  }
}
