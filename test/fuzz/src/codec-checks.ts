import { check } from './harness.js';

/** A picture size parsed from a parameter set is a positive integer, or absent. */
export function checkSize(what: string, width: number | undefined, height: number | undefined): void {
  for (const [name, v] of [['width', width], ['height', height]] as const) {
    if (v !== undefined) check(Number.isSafeInteger(v) && v > 0, () => `${what} ${name} ${v}`);
  }
}

/** NAL units handed back are views inside the record, never past its end. */
export function checkViews(what: string, record: Uint8Array, views: readonly Uint8Array[]): void {
  for (const v of views) {
    check(v.buffer === record.buffer && v.byteOffset >= record.byteOffset && v.byteOffset + v.length <= record.byteOffset + record.length, `${what}: a NAL unit view outside the record`);
  }
}
