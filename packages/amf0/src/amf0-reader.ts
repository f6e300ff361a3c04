import { Amf0Error, Amf0ErrorCode } from './amf0-error.js';
import { Amf0Marker } from './amf0-marker.js';
import type { Amf0Object, Amf0Value } from './amf0-value.js';

/** Hostile input must not recurse the stack away: nested objects deeper than this are refused. */
const MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads AMF0 values one after another from a byte array. */
export class Amf0Reader {
  #view: DataView;
  #bytes: Uint8Array;
  #offset = 0;
  /** Complex values seen so far, for 0x07 references. */
  #references: Amf0Value[] = [];

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.#offset;
  }

  get remaining(): number {
    return this.#bytes.byteLength - this.#offset;
  }

  read(): Amf0Value {
    return this.#value(0);
  }

  #need(n: number): void {
    if (this.#offset + n > this.#bytes.byteLength) {
      throw new Amf0Error(Amf0ErrorCode.truncated, `need ${n} more byte(s), have ${this.remaining}`, this.#offset);
    }
  }

  #u8(): number {
    this.#need(1);
    return this.#view.getUint8(this.#offset++);
  }

  #u16(): number {
    this.#need(2);
    const v = this.#view.getUint16(this.#offset);
    this.#offset += 2;
    return v;
  }

  #u32(): number {
    this.#need(4);
    const v = this.#view.getUint32(this.#offset);
    this.#offset += 4;
    return v;
  }

  #f64(): number {
    this.#need(8);
    const v = this.#view.getFloat64(this.#offset);
    this.#offset += 8;
    return v;
  }

  #utf8(length: number): string {
    this.#need(length);
    const s = utf8.decode(this.#bytes.subarray(this.#offset, this.#offset + length));
    this.#offset += length;
    return s;
  }

  #value(depth: number): Amf0Value {
    if (depth > MAX_DEPTH) throw new Amf0Error(Amf0ErrorCode.tooDeep, `nesting deeper than ${MAX_DEPTH}`, this.#offset);
    const at = this.#offset;
    const marker = this.#u8();
    switch (marker) {
      case Amf0Marker.number:
        return this.#f64();
      case Amf0Marker.boolean:
        return this.#u8() !== 0;
      case Amf0Marker.string:
        return this.#utf8(this.#u16());
      case Amf0Marker.longString:
        return this.#utf8(this.#u32());
      case Amf0Marker.xmlDocument:
        return this.#utf8(this.#u32());
      case Amf0Marker.null:
        return null;
      case Amf0Marker.undefined:
      case Amf0Marker.unsupported:
        return undefined;
      case Amf0Marker.object:
        return this.#properties({}, depth);
      case Amf0Marker.typedObject: {
        this.#utf8(this.#u16()); // class name: carries no meaning for RTMP/FLV
        return this.#properties({}, depth);
      }
      case Amf0Marker.ecmaArray: {
        this.#u32(); // the count is advisory; encoders get it wrong, the end marker is authoritative
        return this.#properties({}, depth);
      }
      case Amf0Marker.strictArray: {
        const count = this.#u32();
        // Each element takes at least one byte: a count beyond the input is a lie, refuse before allocating.
        this.#need(count);
        const items: Amf0Value[] = [];
        this.#references.push(items);
        for (let i = 0; i < count; i++) items.push(this.#value(depth + 1));
        return items;
      }
      case Amf0Marker.date: {
        const ms = this.#f64();
        this.#u16(); // time zone: reserved, should be 0
        return new Date(ms);
      }
      case Amf0Marker.reference: {
        const index = this.#u16();
        const target = this.#references[index];
        if (target === undefined) throw new Amf0Error(Amf0ErrorCode.badReference, `reference ${index} to nothing`, at);
        return target;
      }
      default:
        throw new Amf0Error(Amf0ErrorCode.unsupportedType, `unsupported AMF0 type 0x${marker.toString(16)}`, at);
    }
  }

  /** Key/value pairs up to the empty-key + object-end marker (0x00 0x00 0x09). */
  #properties(target: Amf0Object, depth: number): Amf0Object {
    this.#references.push(target);
    for (;;) {
      const key = this.#utf8(this.#u16());
      if (key === '') {
        // Some encoders end an ECMA array at the end of input without the 0x09 marker.
        if (this.remaining === 0) return target;
        const marker = this.#view.getUint8(this.#offset);
        if (marker === Amf0Marker.objectEnd) {
          this.#offset++;
          return target;
        }
      }
      target[key] = this.#value(depth + 1);
    }
  }
}

/** Decodes every value in `bytes` (a command or data message body is a sequence of values). */
export function decodeAmf0(bytes: Uint8Array): Amf0Value[] {
  const reader = new Amf0Reader(bytes);
  const values: Amf0Value[] = [];
  while (reader.remaining > 0) values.push(reader.read());
  return values;
}
