import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { ClientHandshake, RtmpError, ServerHandshake } from '../src/index.js';

const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => new Uint8Array(createHmac('sha256', key).update(data).digest());

const tail = Buffer.from('F0EEC24A8068BEE82E00D0D1029E7E576EEC5D2D29806FAB93B8E636CFEB31AE', 'hex');
const fpKeyText = Buffer.from('Genuine Adobe Flash Player 001');
const fmsKeyText = Buffer.from('Genuine Adobe Flash Media Server 001');
const fmsKeyFull = Buffer.concat([fmsKeyText, tail]);

/** Independent re-statement of the digest layout (schema 0: digest block at 772; schema 1: at 8). */
function offsetOf(b: Uint8Array, schema: 0 | 1): number {
  const base = schema === 0 ? 772 : 8;
  return base + 4 + (((b[base] ?? 0) + (b[base + 1] ?? 0) + (b[base + 2] ?? 0) + (b[base + 3] ?? 0)) % 728);
}
function digestOf(b: Uint8Array, offset: number, key: Uint8Array): Buffer {
  return createHmac('sha256', key).update(b.subarray(0, offset)).update(b.subarray(offset + 32)).digest();
}

function concat(parts: Uint8Array[]): Buffer {
  return Buffer.concat(parts);
}

test('simple handshake: S0 S1 S2 shape, S2 echoes C1, rest after C2', () => {
  const hs = new ServerHandshake({ hmacSha256, now: () => 0x01020304 });
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(1000, 0); // time
  c1.writeUInt32BE(0, 4); // zero: simple handshake
  const r1 = hs.push(concat([Uint8Array.of(3), c1]));
  assert.equal(r1.done, false);
  const out = concat(r1.output);
  assert.equal(out.length, 1 + 1536 + 1536);
  assert.equal(out[0], 3); // S0: version 3
  assert.equal(out.readUInt32BE(1), 0x01020304); // S1 time from now()
  assert.equal(out.readUInt32BE(5), 0); // S1 zero field
  assert.deepEqual(out.subarray(1537), c1); // S2 = C1 echo
  assert.equal(hs.schema, undefined);

  const c2 = out.subarray(1, 1537);
  const extra = Uint8Array.of(0x02, 0x00, 0x00);
  const r2 = hs.push(concat([c2, extra]));
  assert.equal(r2.done, true);
  assert.deepEqual(r2.output, []);
  assert.deepEqual(Buffer.from(r2.rest), Buffer.from(extra));
  assert.equal(hs.done, true);
});

test('handshake tolerates bytes split at any point', () => {
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0, 4);
  const all = concat([Uint8Array.of(3), c1, randomBytes(1536), Uint8Array.of(9, 8, 7)]);
  for (const step of [1, 7, 1536, 1537, 3000]) {
    const hs = new ServerHandshake({ hmacSha256 });
    const outputs: Uint8Array[] = [];
    const rests: Uint8Array[] = [];
    let done = false;
    for (let i = 0; i < all.length; i += step) {
      const r = hs.push(all.subarray(i, i + step));
      outputs.push(...r.output);
      if (r.done) {
        done = true;
        rests.push(r.rest);
      }
    }
    assert.equal(done, true);
    assert.equal(concat(outputs).length, 3073);
    assert.deepEqual([...concat(rests)], [9, 8, 7]);
  }
});

test('C0 other than 3 is a handshake error', () => {
  const hs = new ServerHandshake({ hmacSha256 });
  assert.throws(
    () => hs.push(Uint8Array.of(6)),
    (e: unknown) => e instanceof RtmpError && e.code === 'ERR_RTMP_HANDSHAKE',
  );
  assert.throws(() => new ServerHandshake({ hmacSha256 }).push(Uint8Array.of(0x47, 0x45, 0x54)), /version 71/);
});

test('non-zero version without a valid digest falls back to the simple handshake', () => {
  const hs = new ServerHandshake({ hmacSha256 });
  const c1 = randomBytes(1536);
  c1.writeUInt32BE(0x80000702, 4);
  const out = concat(hs.push(concat([Uint8Array.of(3), c1])).output);
  assert.equal(hs.schema, undefined);
  assert.deepEqual(out.subarray(1537), c1);
});

for (const schema of [0, 1] as const) {
  test(`complex handshake, C1 digest in schema ${schema}: S1 and S2 digests validate`, () => {
    const c1 = randomBytes(1536);
    c1.writeUInt32BE(0, 0);
    c1.writeUInt32BE(0x80000702, 4); // Flash Player version: non-zero
    const c1Offset = offsetOf(c1, schema);
    const c1Digest = digestOf(c1, c1Offset, fpKeyText);
    c1Digest.copy(c1, c1Offset);

    const hs = new ServerHandshake({ hmacSha256 });
    const out = concat(hs.push(concat([Uint8Array.of(3), c1])).output);
    assert.equal(hs.schema, schema);
    assert.equal(out[0], 3);
    const s1 = out.subarray(1, 1537);
    const s2 = out.subarray(1537);
    assert.notEqual(s1.readUInt32BE(4), 0); // server version present
    // S1: digest in the same schema, keyed with the first 36 bytes of the FMS key
    const s1Offset = offsetOf(s1, schema);
    assert.deepEqual(s1.subarray(s1Offset, s1Offset + 32), digestOf(s1, s1Offset, fmsKeyText));
    // S2: last 32 bytes = HMAC(HMAC(full FMS key, C1 digest), first 1504 bytes)
    const key = createHmac('sha256', fmsKeyFull).update(c1Digest).digest();
    assert.deepEqual(s2.subarray(1504), createHmac('sha256', key).update(s2.subarray(0, 1504)).digest());
    assert.notDeepEqual(s2, c1);

    const r = hs.push(randomBytes(1536));
    assert.equal(r.done, true);
  });
}

test('client handshake against the server handshake', () => {
  const client = new ClientHandshake();
  const server = new ServerHandshake({ hmacSha256 });
  const s = server.push(client.start());
  const c = client.push(concat(s.output));
  assert.equal(c.done, true);
  const tail = Uint8Array.of(1, 2);
  const s2 = server.push(concat([...c.output, tail]));
  assert.equal(s2.done, true);
  assert.deepEqual([...s2.rest], [1, 2]);
});
