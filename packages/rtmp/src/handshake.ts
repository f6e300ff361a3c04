import { bytesEqual, concatBytes, randomBytes, readUint32BE, writeUint32BE } from './bytes.js';
import { RtmpError, RtmpErrorCode } from './rtmp-error.js';

/** HMAC-SHA256, injected so this package needs no Node-only crypto. */
export type HmacSha256 = (key: Uint8Array, data: Uint8Array) => Uint8Array;

export const RTMP_VERSION = 3;
export const HANDSHAKE_SIZE = 1536;
const DIGEST_SIZE = 32;

// The digest handshake keys: a text prefix followed by the same 32 constant bytes.
// C1/S1 digests use only the text part; S2/C2 digests are keyed with the full key.
const KEY_TAIL = [
  0xf0, 0xee, 0xc2, 0x4a, 0x80, 0x68, 0xbe, 0xe8, 0x2e, 0x00, 0xd0, 0xd1, 0x02, 0x9e, 0x7e, 0x57,
  0x6e, 0xec, 0x5d, 0x2d, 0x29, 0x80, 0x6f, 0xab, 0x93, 0xb8, 0xe6, 0x36, 0xcf, 0xeb, 0x31, 0xae,
];
function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}
/** "Genuine Adobe Flash Player 001" + tail (62 bytes); C1 digests use the first 30. */
export const FP_KEY = new Uint8Array([...ascii('Genuine Adobe Flash Player 001'), ...KEY_TAIL]);
/** "Genuine Adobe Flash Media Server 001" + tail (68 bytes); S1 digests use the first 36. */
export const FMS_KEY = new Uint8Array([...ascii('Genuine Adobe Flash Media Server 001'), ...KEY_TAIL]);
const FP_KEY_TEXT = FP_KEY.subarray(0, 30);
const FMS_KEY_TEXT = FMS_KEY.subarray(0, 36);

/**
 * Where the 764-byte digest block sits in C1/S1 (after time + version).
 * Schema 0: key block first (8..771), digest block at 772. Schema 1: digest block at 8, key after.
 * A digest block starts with 4 offset bytes; the digest lives at sum(offset bytes) % 728 past them.
 */
export type HandshakeSchema = 0 | 1;

export function digestOffset(c1s1: Uint8Array, schema: HandshakeSchema): number {
  const base = schema === 0 ? 772 : 8;
  const sum = (c1s1[base] as number) + (c1s1[base + 1] as number) + (c1s1[base + 2] as number) + (c1s1[base + 3] as number);
  return base + 4 + (sum % 728);
}

/** The bytes of C1/S1 a digest covers: everything but the digest itself. */
function withoutDigest(c1s1: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(HANDSHAKE_SIZE - DIGEST_SIZE);
  out.set(c1s1.subarray(0, offset), 0);
  out.set(c1s1.subarray(offset + DIGEST_SIZE), offset);
  return out;
}

/** Computes and writes the digest of a C1/S1 in place; returns the digest. */
export function signC1S1(c1s1: Uint8Array, schema: HandshakeSchema, key: Uint8Array, hmac: HmacSha256): Uint8Array {
  const offset = digestOffset(c1s1, schema);
  const digest = hmac(key, withoutDigest(c1s1, offset)).subarray(0, DIGEST_SIZE);
  c1s1.set(digest, offset);
  return c1s1.slice(offset, offset + DIGEST_SIZE);
}

/** Returns the digest if C1/S1 carries a valid one in this schema. */
export function validateC1S1(c1s1: Uint8Array, schema: HandshakeSchema, key: Uint8Array, hmac: HmacSha256): Uint8Array | undefined {
  const offset = digestOffset(c1s1, schema);
  const expected = hmac(key, withoutDigest(c1s1, offset)).subarray(0, DIGEST_SIZE);
  const actual = c1s1.subarray(offset, offset + DIGEST_SIZE);
  return bytesEqual(expected, actual) ? actual.slice() : undefined;
}

/** S2/C2 of the digest handshake: random bytes whose last 32 bytes sign the first 1504, keyed by the peer's digest. */
export function makeC2S2(peerDigest: Uint8Array, fullKey: Uint8Array, hmac: HmacSha256): Uint8Array {
  const out = randomBytes(HANDSHAKE_SIZE);
  const key = hmac(fullKey, peerDigest);
  out.set(hmac(key, out.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).subarray(0, DIGEST_SIZE), HANDSHAKE_SIZE - DIGEST_SIZE);
  return out;
}

export function validateC2S2(c2s2: Uint8Array, ownDigest: Uint8Array, fullKey: Uint8Array, hmac: HmacSha256): boolean {
  const key = hmac(fullKey, ownDigest);
  const expected = hmac(key, c2s2.subarray(0, HANDSHAKE_SIZE - DIGEST_SIZE)).subarray(0, DIGEST_SIZE);
  return bytesEqual(expected, c2s2.subarray(HANDSHAKE_SIZE - DIGEST_SIZE));
}

export interface HandshakeResult {
  /** bytes to send to the peer, in order */
  output: Uint8Array[];
  /** true once the handshake is over; from then on bytes are chunk stream */
  done: boolean;
  /** bytes received after the handshake (the start of the chunk stream) */
  rest: Uint8Array;
}

export interface ServerHandshakeOptions {
  hmacSha256: HmacSha256;
  /** clock for the time field of S1, in ms (only its low 32 bits are sent) */
  now?: () => number;
}

/** The version field FMS puts in S1 of a digest handshake; clients only check it is non-zero. */
const SERVER_VERSION = 0x04050001;
const EMPTY = new Uint8Array(0);

/**
 * Server side of the handshake (RTMP 1.0 §5.2): reads C0, C1, C2; answers S0+S1+S2 once C1 is in.
 * Uses the digest ("complex") handshake when C1 carries a valid digest, the simple echo otherwise.
 */
export class ServerHandshake {
  #hmac: HmacSha256;
  #now: () => number;
  #pending: Uint8Array = EMPTY;
  #stage: 'c0' | 'c1' | 'c2' | 'done' = 'c0';
  #complex: HandshakeSchema | undefined;

  constructor(opts: ServerHandshakeOptions) {
    this.#hmac = opts.hmacSha256;
    this.#now = opts.now ?? (() => Date.now());
  }

  get done(): boolean {
    return this.#stage === 'done';
  }

  /** The digest schema the client used, or undefined for the simple handshake (known once C1 is in). */
  get schema(): HandshakeSchema | undefined {
    return this.#complex;
  }

  push(bytes: Uint8Array): HandshakeResult {
    if (this.#stage === 'done') return { output: [], done: true, rest: bytes };
    this.#pending = this.#pending.length === 0 ? bytes : concatBytes([this.#pending, bytes]);
    const output: Uint8Array[] = [];
    let pos = 0;
    const buf = this.#pending;
    for (;;) {
      if (this.#stage === 'c0') {
        if (buf.length - pos < 1) break;
        const version = buf[pos] as number;
        // 6 would be RTMPE (encrypted), which we do not offer; anything else is not RTMP at all.
        if (version !== RTMP_VERSION) {
          throw new RtmpError(RtmpErrorCode.Handshake, `unsupported RTMP version ${version} in C0 (expected 3)`);
        }
        pos += 1;
        this.#stage = 'c1';
      } else if (this.#stage === 'c1') {
        if (buf.length - pos < HANDSHAKE_SIZE) break;
        const c1 = buf.slice(pos, pos + HANDSHAKE_SIZE);
        pos += HANDSHAKE_SIZE;
        output.push(new Uint8Array([RTMP_VERSION]), ...this.#answer(c1));
        this.#stage = 'c2';
      } else if (this.#stage === 'c2') {
        if (buf.length - pos < HANDSHAKE_SIZE) break;
        // C2 is not checked: encoders in the wild send anything there, and nothing depends on it.
        pos += HANDSHAKE_SIZE;
        this.#stage = 'done';
        this.#pending = EMPTY;
        return { output, done: true, rest: buf.subarray(pos) };
      } else {
        break;
      }
    }
    this.#pending = pos === 0 ? buf : buf.slice(pos);
    return { output, done: false, rest: EMPTY };
  }

  #answer(c1: Uint8Array): [Uint8Array, Uint8Array] {
    const s1 = randomBytes(HANDSHAKE_SIZE);
    writeUint32BE(s1, 0, this.#now() >>> 0);
    // A zero version field means the client does the plain echo handshake of the spec.
    if (readUint32BE(c1, 4) !== 0) {
      for (const schema of [0, 1] as const) {
        const digest = validateC1S1(c1, schema, FP_KEY_TEXT, this.#hmac);
        if (digest === undefined) continue;
        this.#complex = schema;
        writeUint32BE(s1, 4, SERVER_VERSION);
        signC1S1(s1, schema, FMS_KEY_TEXT, this.#hmac);
        return [s1, makeC2S2(digest, FMS_KEY, this.#hmac)];
      }
    }
    writeUint32BE(s1, 4, 0);
    return [s1, c1];
  }
}

export interface ClientHandshakeOptions {
  now?: () => number;
}

/** Client side of the simple handshake: enough for tests, relays and edges talking to servers that accept it. */
export class ClientHandshake {
  #now: () => number;
  #pending: Uint8Array = EMPTY;
  #stage: 'idle' | 's0' | 's1' | 's2' | 'done' = 'idle';

  constructor(opts: ClientHandshakeOptions = {}) {
    this.#now = opts.now ?? (() => Date.now());
  }

  get done(): boolean {
    return this.#stage === 'done';
  }

  /** C0 + C1, to send first. */
  start(): Uint8Array {
    if (this.#stage !== 'idle') throw new RtmpError(RtmpErrorCode.State, 'client handshake already started');
    const out = new Uint8Array(1 + HANDSHAKE_SIZE);
    out[0] = RTMP_VERSION;
    out.set(randomBytes(HANDSHAKE_SIZE - 8), 9);
    writeUint32BE(out, 1, this.#now() >>> 0);
    writeUint32BE(out, 5, 0); // zero version: ask for the simple handshake
    this.#stage = 's0';
    return out;
  }

  push(bytes: Uint8Array): HandshakeResult {
    if (this.#stage === 'done') return { output: [], done: true, rest: bytes };
    if (this.#stage === 'idle') throw new RtmpError(RtmpErrorCode.State, 'client handshake not started');
    this.#pending = this.#pending.length === 0 ? bytes : concatBytes([this.#pending, bytes]);
    const buf = this.#pending;
    const output: Uint8Array[] = [];
    let pos = 0;
    for (;;) {
      if (this.#stage === 's0') {
        if (buf.length - pos < 1) break;
        if (buf[pos] !== RTMP_VERSION) {
          throw new RtmpError(RtmpErrorCode.Handshake, `unsupported RTMP version ${String(buf[pos])} in S0 (expected 3)`);
        }
        pos += 1;
        this.#stage = 's1';
      } else if (this.#stage === 's1') {
        if (buf.length - pos < HANDSHAKE_SIZE) break;
        output.push(buf.slice(pos, pos + HANDSHAKE_SIZE)); // C2 echoes S1
        pos += HANDSHAKE_SIZE;
        this.#stage = 's2';
      } else if (this.#stage === 's2') {
        if (buf.length - pos < HANDSHAKE_SIZE) break;
        pos += HANDSHAKE_SIZE;
        this.#stage = 'done';
        this.#pending = EMPTY;
        return { output, done: true, rest: buf.subarray(pos) };
      } else {
        break;
      }
    }
    this.#pending = pos === 0 ? buf : buf.slice(pos);
    return { output, done: false, rest: EMPTY };
  }
}
