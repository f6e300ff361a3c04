import { Amf0Error, Amf0ErrorCode } from './amf0-error.js';
import { Amf0Marker } from './amf0-marker.js';
import type { Amf0Object, Amf0Value } from './amf0-value.js';

/** Hostile input must not recurse the stack away: nested objects deeper than this are refused. */
const MAX_DEPTH = 64;
/**
 * A reference (0x07) repeats a complex value already read, so a few bytes can stand for a large value: 60
 * arrays each holding two references to the one before describe 2^60 elements to whoever walks or re-encodes
 * them. The values a reader returns may be bigger than its input by at most this many bytes (as encoded).
 */
export const MAX_REFERENCE_EXPANSION = 64 * 1024;

/** A complex value for 0x07 references, and its encoded size once fully read (undefined while it is being read). */
interface Referenced {
  value: Amf0Value;
  size: number | undefined;
}
const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Reads AMF0 values one after another from a byte array. */
export class Amf0Reader {
  #view: DataView;
  #bytes: Uint8Array;
  #offset = 0;
  /** Complex values seen so far, for 0x07 references. */
  #references: Referenced[] = [];
  /** Bytes that references have added to what was read so far. */
  #expanded = 0;

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
        return this.#properties({}, depth, at);
      case Amf0Marker.typedObject: {
        this.#utf8(this.#u16()); // class name: carries no meaning for RTMP/FLV
        return this.#properties({}, depth, at);
      }
      case Amf0Marker.ecmaArray: {
        this.#u32(); // the count is advisory; encoders get it wrong, the end marker is authoritative
        return this.#properties({}, depth, at);
      }
      case Amf0Marker.strictArray: {
        const count = this.#u32();
        // Each element takes at least one byte: a count beyond the input is a lie, refuse before allocating.
        this.#need(count);
        const items: Amf0Value[] = [];
        const ref = this.#referenceable(items);
        const expandedBefore = this.#expanded;
        for (let i = 0; i < count; i++) items.push(this.#value(depth + 1));
        this.#complete(ref, at, this.#expanded - expandedBefore);
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
        // A value that contains itself cannot be walked or sent on: refuse cycles.
        if (target.size === undefined) throw new Amf0Error(Amf0ErrorCode.badReference, `reference ${index} to a value that contains it`, at);
        this.#expanded += target.size;
        if (this.#expanded > MAX_REFERENCE_EXPANSION) {
          throw new Amf0Error(Amf0ErrorCode.tooLarge, `references expand the values by more than ${MAX_REFERENCE_EXPANSION} bytes`, at);
        }
        return target.value;
      }
      default:
        throw new Amf0Error(Amf0ErrorCode.unsupportedType, `unsupported AMF0 type 0x${marker.toString(16)}`, at);
    }
  }

  /** Registers a complex value for references before its content is read (references inside it are cycles). */
  #referenceable(value: Amf0Value): Referenced {
    const ref: Referenced = { value, size: undefined };
    this.#references.push(ref);
    return ref;
  }

  /** A complex value is read: its size is what it took here plus what references inside it added. */
  #complete(ref: Referenced, at: number, expandedInside: number): void {
    ref.size = this.#offset - at + expandedInside;
  }

  /** Key/value pairs up to the empty-key + object-end marker (0x00 0x00 0x09). */
  #properties(target: Amf0Object, depth: number, at: number): Amf0Object {
    const ref = this.#referenceable(target);
    const expandedBefore = this.#expanded;
    for (;;) {
      const key = this.#utf8(this.#u16());
      if (key === '') {
        // Some encoders end an ECMA array at the end of input without the 0x09 marker.
        const end = this.remaining === 0;
        if (end || this.#view.getUint8(this.#offset) === Amf0Marker.objectEnd) {
          if (!end) this.#offset++;
          this.#complete(ref, at, this.#expanded - expandedBefore);
          return target;
        }
      }
      const value = this.#value(depth + 1);
      // An own property, even for "__proto__" (an assignment would replace the object's prototype instead).
      if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
      else target[key] = value;
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
