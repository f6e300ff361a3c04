import fc from 'fast-check';
import {
  ClientHandshake,
  FMS_KEY,
  FP_KEY,
  HANDSHAKE_SIZE,
  RtmpErrorCode,
  ServerHandshake,
  signC1S1,
  validateC1S1,
  validateC2S2,
  type HandshakeSchema,
} from '@flvcast/rtmp';
import { clientHandshakes, hmacSha256, serverSessions } from '../corpus.js';
import { check, concatBytes, defineTarget, typed } from '../harness.js';
import { mutated, sometimes, splitBytes, splits } from '../mutate.js';

const codes = Object.values(RtmpErrorCode);
const C0C1C2 = 1 + 2 * HANDSHAKE_SIZE;

/** C0 C1 C2 of a client: the simple schema (zero version) or a digest in schema 0 or 1, from random bytes. */
function clientHello(schema: 'simple' | HandshakeSchema, random: Uint8Array): Uint8Array {
  const out = new Uint8Array(C0C1C2);
  out[0] = 3;
  const c1 = out.subarray(1, 1 + HANDSHAKE_SIZE);
  for (let i = 8; i < HANDSHAKE_SIZE; i++) c1[i] = random[i % random.length]!;
  if (schema !== 'simple') {
    c1.set([0x80, 0x00, 0x07, 0x02], 4); // a Flash Player version: asks for the digest handshake
    signC1S1(c1, schema, FP_KEY.subarray(0, 30), hmacSha256);
  }
  out.set(random.subarray(0, 64), 1 + HANDSHAKE_SIZE);
  return out;
}

const randomBlock = fc.uint8Array({ minLength: 64, maxLength: 64 });

export default defineTarget({
  name: 'rtmp-handshake',
  entry: '@flvcast/rtmp ServerHandshake (simple, digest schema 0 and 1) and ClientHandshake',
  errorCodes: codes,
  ciRuns: 4000,
  input: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        side: fc.constant('server' as const),
        hello: fc.oneof(
          fc.tuple(fc.constantFrom('simple' as const, 0 as const, 1 as const), randomBlock).map(([s, r]) => clientHello(s, r)),
          fc.constantFrom(...clientHandshakes()),
        ),
        // Edits mostly land in C1 or C0; the tail is the start of the chunk stream.
        edits: sometimes(fc.array(fc.tuple(fc.integer({ min: 0, max: C0C1C2 - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }), 2),
        tail: fc.uint8Array({ maxLength: 32 }),
        cut: sometimes(fc.integer({ min: 0, max: C0C1C2 })),
        splits,
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        side: fc.constant('client' as const),
        bytes: mutated(serverSessions().map((s) => s.subarray(0, C0C1C2 + 64)), { markers: [3, 6] }),
        splits,
      }),
    },
  ),
  run(input) {
    if (input.side === 'client') return runClient(input.bytes, input.splits);
    let bytes = input.hello.slice();
    for (const [at, v] of input.edits ?? []) bytes[at] = v;
    bytes = concatBytes(input.cut === undefined ? bytes : bytes.subarray(0, input.cut), input.tail) as typeof bytes;
    const expectSchema = input.edits === undefined ? detect(bytes) : 'unknown';
    const hs = new ServerHandshake({ hmacSha256, now: () => 0x12345678 });
    const out: Uint8Array[] = [];
    let rest: Uint8Array[] = [];
    for (const piece of splitBytes(bytes, input.splits)) {
      const r = typed(codes, () => hs.push(piece));
      if (r.error) {
        check(bytes[0] !== 3, 'refused a version 3 C0');
        return;
      }
      if (hs.done) rest.push(r.value.rest);
      out.push(...r.value.output);
      check(r.value.done === hs.done, 'done flag disagrees with the handshake state');
    }
    check(bytes.length === 0 || bytes[0] === 3, 'accepted a C0 that is not version 3');
    const sent = out.reduce((n, b) => n + b.length, 0);
    if (bytes.length < 1 + HANDSHAKE_SIZE) {
      check(sent === 0, 'answered before C1 was complete');
      return;
    }
    check(out.length === 3 && out[0]!.length === 1 && out[0]![0] === 3 && out[1]!.length === HANDSHAKE_SIZE && out[2]!.length === HANDSHAKE_SIZE, 'S0 S1 S2 malformed');
    check(hs.done === bytes.length >= C0C1C2, 'done before C2, or not done after it');
    if (hs.done) {
      rest = rest.filter((b) => b.length > 0);
      const tail = concatBytes(...rest);
      check(tail.length === bytes.length - C0C1C2 && tail.every((b, i) => b === bytes[C0C1C2 + i]), 'the bytes after C2 were not handed on exactly');
    }
    const c1 = bytes.subarray(1, 1 + HANDSHAKE_SIZE);
    const [s1, s2] = [out[1]!, out[2]!];
    if (expectSchema !== 'unknown') check(hs.schema === (expectSchema === 'simple' ? undefined : expectSchema), () => `schema ${hs.schema}, expected ${expectSchema}`);
    if (hs.schema === undefined) {
      check(s2.every((b, i) => b === c1[i]), 'simple handshake: S2 does not echo C1');
    } else {
      // The digest answer verifies as a Flash client would verify it.
      check(validateC1S1(s1, hs.schema, FMS_KEY.subarray(0, 36), hmacSha256) !== undefined, 'S1 digest does not verify');
      const digest = validateC1S1(c1, hs.schema, FP_KEY.subarray(0, 30), hmacSha256)!;
      check(validateC2S2(s2, digest, FMS_KEY, hmacSha256), 'S2 does not verify against the client digest');
    }
  },
});

function detect(bytes: Uint8Array): 'simple' | HandshakeSchema | 'unknown' {
  if (bytes.length < 1 + HANDSHAKE_SIZE) return 'unknown';
  const c1 = bytes.subarray(1, 1 + HANDSHAKE_SIZE);
  if (c1[4] === 0 && c1[5] === 0 && c1[6] === 0 && c1[7] === 0) return 'simple';
  for (const schema of [0, 1] as const) if (validateC1S1(c1, schema, FP_KEY.subarray(0, 30), hmacSha256)) return schema;
  return 'simple';
}

function runClient(bytes: Uint8Array, sizes: number[]): void {
  const hs = new ClientHandshake({ now: () => 0 });
  const hello = hs.start();
  check(hello.length === 1 + HANDSHAKE_SIZE && hello[0] === 3, 'C0 C1 malformed');
  const out: Uint8Array[] = [];
  for (const piece of splitBytes(bytes, sizes)) {
    const r = typed(codes, () => hs.push(piece));
    if (r.error) return;
    out.push(...r.value.output);
  }
  if (bytes.length >= 1 + HANDSHAKE_SIZE) {
    check(out.length === 1 && out[0]!.every((b, i) => b === bytes[1 + i]), 'C2 does not echo S1');
  } else check(out.length === 0, 'C2 sent before S1 was complete');
  check(hs.done === bytes.length >= C0C1C2, 'client done flag wrong');
}
