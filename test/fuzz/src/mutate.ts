/**
 * Inputs made from the seed corpus: a seed picked by index, then a short list of edits (bit flips, boundary
 * and marker values, length-field edits, truncations, deletions, repeats, random insertions, splices of
 * other seeds). Edits are data, so fast-check shrinks a failure to the fewest, smallest edits.
 */
import fc from 'fast-check';
import { concatBytes } from './harness.js';

/** Byte values worth trying anywhere: the edges of signed and unsigned fields. */
export const BOUNDARY_BYTES = [0x00, 0x01, 0x02, 0x03, 0x07, 0x08, 0x09, 0x0a, 0x0f, 0x10, 0x1f, 0x3f, 0x40, 0x7f, 0x80, 0xc0, 0xfe, 0xff] as const;

export type Edit =
  | { readonly op: 'flip'; readonly at: number; readonly bit: number }
  | { readonly op: 'set'; readonly at: number; readonly value: number }
  | { readonly op: 'length'; readonly at: number; readonly width: 1 | 2 | 3 | 4; readonly kind: number; readonly delta: number }
  | { readonly op: 'truncate'; readonly at: number }
  | { readonly op: 'delete'; readonly at: number; readonly length: number }
  | { readonly op: 'repeat'; readonly at: number; readonly length: number; readonly times: number }
  | { readonly op: 'insert'; readonly at: number; readonly bytes: Uint8Array }
  | { readonly op: 'splice'; readonly at: number; readonly seed: number; readonly from: number; readonly length: number; readonly replace: boolean };

export interface MutationOptions {
  /** Byte values that mean something to the parser (type markers, tag types, message types). */
  markers?: readonly number[];
  /** At most this many edits per input (default 6). */
  maxEdits?: number;
  /** Longest result kept (default 1 MiB): mutations must not grow inputs without bound. */
  maxLength?: number;
}

const position = fc.nat();

function editArbitrary(seedCount: number, markers: readonly number[]): fc.Arbitrary<Edit> {
  const values = [...new Set([...BOUNDARY_BYTES, ...markers])];
  return fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: position, bit: fc.integer({ min: 0, max: 7 }) }) },
    { weight: 3, arbitrary: fc.record({ op: fc.constant('set' as const), at: position, value: fc.oneof(fc.constantFrom(...values), fc.integer({ min: 0, max: 255 })) }) },
    {
      weight: 3,
      arbitrary: fc.record({
        op: fc.constant('length' as const),
        at: position,
        width: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const),
        kind: fc.integer({ min: 0, max: 5 }),
        delta: fc.integer({ min: -8, max: 8 }),
      }),
    },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: position }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('repeat' as const), at: position, length: fc.integer({ min: 1, max: 256 }), times: fc.integer({ min: 1, max: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), at: position, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }) },
    {
      weight: 2,
      arbitrary: fc.record({
        op: fc.constant('splice' as const),
        at: position,
        seed: fc.integer({ min: 0, max: Math.max(0, seedCount - 1) }),
        from: position,
        length: fc.integer({ min: 1, max: 512 }),
        replace: fc.boolean(),
      }),
    },
  );
}


/** Writes `value` big-endian in `width` bytes at `at` (clipped to the array). */
function writeUint(b: Uint8Array, at: number, width: number, value: number): void {
  for (let i = 0; i < width && at + i < b.length; i++) b[at + i] = Math.floor(value / 2 ** (8 * (width - 1 - i))) & 0xff;
}

function readUint(b: Uint8Array, at: number, width: number): number {
  let v = 0;
  for (let i = 0; i < width; i++) v = v * 256 + (b[at + i] ?? 0);
  return v;
}

/** Applies one edit; positions are taken modulo the current length, so every edit applies to any input. */
export function applyEdit(bytes: Uint8Array, edit: Edit, seeds: readonly Uint8Array[]): Uint8Array {
  const n = bytes.length;
  const at = n === 0 ? 0 : edit.at % (n + 1);
  switch (edit.op) {
    case 'flip': {
      if (n === 0) return bytes;
      const b = bytes.slice();
      b[edit.at % n] = b[edit.at % n]! ^ (1 << edit.bit);
      return b;
    }
    case 'set': {
      if (n === 0) return Uint8Array.of(edit.value);
      const b = bytes.slice();
      b[edit.at % n] = edit.value;
      return b;
    }
    case 'length': {
      // A length, count or size field: zero, one, the largest value, what is left of the input, or off by a little.
      if (n === 0) return bytes;
      const b = bytes.slice();
      const p = edit.at % n;
      const max = 2 ** (8 * edit.width) - 1;
      const current = readUint(b, p, edit.width);
      const candidates = [0, 1, max, n - p, current + edit.delta, max >>> 1];
      const value = Math.min(max, Math.max(0, candidates[edit.kind]!));
      writeUint(b, p, edit.width, value);
      return b;
    }
    case 'truncate':
      return bytes.subarray(0, at);
    case 'delete':
      return concatBytes(bytes.subarray(0, at), bytes.subarray(Math.min(n, at + edit.length)));
    case 'repeat': {
      const piece = bytes.subarray(at, at + edit.length);
      return concatBytes(bytes.subarray(0, at), ...Array.from({ length: edit.times + 1 }, () => piece), bytes.subarray(at + piece.length));
    }
    case 'insert':
      return concatBytes(bytes.subarray(0, at), edit.bytes, bytes.subarray(at));
    case 'splice': {
      const other = seeds[edit.seed % Math.max(1, seeds.length)] ?? new Uint8Array(0);
      const from = other.length === 0 ? 0 : edit.from % other.length;
      const piece = other.subarray(from, from + edit.length);
      const rest = edit.replace ? Math.min(n, at + piece.length) : at;
      return concatBytes(bytes.subarray(0, at), piece, bytes.subarray(rest));
    }
  }
}

export function applyEdits(seed: Uint8Array, edits: readonly Edit[], seeds: readonly Uint8Array[], maxLength = 1 << 20): Uint8Array {
  let b = seed;
  for (const e of edits) {
    b = applyEdit(b, e, seeds);
    if (b.length > maxLength) b = b.subarray(0, maxLength);
  }
  return b;
}

/** A list of 1..maxEdits edits, for inputs built by a target rather than picked from the corpus. */
export function edits(opts: MutationOptions & { seedCount?: number } = {}): fc.Arbitrary<Edit[]> {
  return fc.array(editArbitrary(opts.seedCount ?? 1, opts.markers ?? []), { minLength: 1, maxLength: opts.maxEdits ?? 6 });
}

/** Mutations of `seeds`: one seed, then 1..maxEdits edits. */
export function mutated(seeds: readonly Uint8Array[], opts: MutationOptions = {}): fc.Arbitrary<Uint8Array> {
  if (seeds.length === 0) throw new Error('mutated() needs at least one seed');
  const edits = fc.array(editArbitrary(seeds.length, opts.markers ?? []), { minLength: 1, maxLength: opts.maxEdits ?? 6 });
  return fc
    .tuple(fc.integer({ min: 0, max: seeds.length - 1 }), edits)
    .map(([i, list]) => applyEdits(seeds[i]!, list, seeds, opts.maxLength));
}

/**
 * The usual byte input of a target: mostly corpus mutations, some seeds as they are (the parser's happy
 * path stays covered), some arbitrary bytes (nothing the corpus would suggest).
 */
export function bytesInput(seeds: readonly Uint8Array[], opts: MutationOptions & { maxRandomLength?: number } = {}): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 12, arbitrary: mutated(seeds, opts) },
    { weight: 1, arbitrary: fc.constantFrom(...seeds) },
    { weight: 3, arbitrary: fc.uint8Array({ maxLength: opts.maxRandomLength ?? 256 }) },
  );
}

/** `arb` in one case out of `outOf`, undefined otherwise (fc.option yields undefined only 1 time in 6). */
export function sometimes<T>(arb: fc.Arbitrary<T>, outOf = 4): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: outOf - 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

/** Chunk sizes for feeding an incremental parser: the same bytes split anywhere must give the same result. */
export const splits = fc.array(fc.oneof(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 4096 })), { minLength: 1, maxLength: 8 });

/** Cuts `bytes` into pieces whose sizes cycle through `sizes`. */
export function splitBytes(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const out: Uint8Array[] = [];
  let i = 0;
  for (let o = 0; o < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? bytes.length);
    out.push(bytes.subarray(o, o + size));
    o += size;
  }
  return out;
}
