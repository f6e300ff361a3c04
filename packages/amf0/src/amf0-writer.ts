import { Amf0Error, Amf0ErrorCode } from './amf0-error.js';
import { Amf0Marker } from './amf0-marker.js';
import { Amf0EcmaArray, type Amf0Value } from './amf0-value.js';

const utf8 = new TextEncoder();
const MAX_DEPTH = 64;

/** Growable byte sink: values are small (commands, metadata), so a doubling buffer is enough. */
class ByteSink {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  length = 0;

  reserve(n: number): void {
    if (this.length + n <= this.bytes.byteLength) return;
    let size = this.bytes.byteLength * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number): void {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  u16(v: number): void {
    this.reserve(2);
    this.view.setUint16(this.length, v);
    this.length += 2;
  }
  u32(v: number): void {
    this.reserve(4);
    this.view.setUint32(this.length, v);
    this.length += 4;
  }
  f64(v: number): void {
    this.reserve(8);
    this.view.setFloat64(this.length, v);
    this.length += 8;
  }
  raw(b: Uint8Array): void {
    this.reserve(b.byteLength);
    this.bytes.set(b, this.length);
    this.length += b.byteLength;
  }
}

function writeKey(sink: ByteSink, key: string): void {
  const b = utf8.encode(key);
  if (b.byteLength > 0xffff) throw new Amf0Error(Amf0ErrorCode.tooLarge, `property name of ${b.byteLength} bytes`, sink.length);
  sink.u16(b.byteLength);
  sink.raw(b);
}

function writeProperties(sink: ByteSink, obj: Record<string, Amf0Value>, depth: number): void {
  for (const [key, value] of Object.entries(obj)) {
    writeKey(sink, key);
    writeValue(sink, value, depth + 1);
  }
  sink.u16(0);
  sink.u8(Amf0Marker.objectEnd);
}

function writeValue(sink: ByteSink, value: Amf0Value, depth: number): void {
  if (depth > MAX_DEPTH) throw new Amf0Error(Amf0ErrorCode.tooDeep, `nesting deeper than ${MAX_DEPTH}`, sink.length);
  if (value === null) return sink.u8(Amf0Marker.null);
  if (value === undefined) return sink.u8(Amf0Marker.undefined);
  switch (typeof value) {
    case 'number':
      sink.u8(Amf0Marker.number);
      return sink.f64(value);
    case 'boolean':
      sink.u8(Amf0Marker.boolean);
      return sink.u8(value ? 1 : 0);
    case 'string': {
      const b = utf8.encode(value);
      if (b.byteLength > 0xffff) {
        sink.u8(Amf0Marker.longString);
        sink.u32(b.byteLength);
      } else {
        sink.u8(Amf0Marker.string);
        sink.u16(b.byteLength);
      }
      return sink.raw(b);
    }
  }
  if (value instanceof Date) {
    sink.u8(Amf0Marker.date);
    sink.f64(value.getTime());
    return sink.u16(0);
  }
  if (Array.isArray(value)) {
    sink.u8(Amf0Marker.strictArray);
    sink.u32(value.length);
    for (const item of value) writeValue(sink, item, depth + 1);
    return;
  }
  if (value instanceof Amf0EcmaArray) {
    sink.u8(Amf0Marker.ecmaArray);
    sink.u32(Object.keys(value.entries).length);
    return writeProperties(sink, value.entries, depth);
  }
  sink.u8(Amf0Marker.object);
  writeProperties(sink, value, depth);
}

/** Encodes values back to back, as in a command or data message body. */
export function encodeAmf0(...values: Amf0Value[]): Uint8Array {
  const sink = new ByteSink();
  for (const value of values) writeValue(sink, value, 0);
  return sink.bytes.slice(0, sink.length);
}
