/** An AMF0 value as JavaScript sees it. Objects and ECMA arrays both decode to plain objects. */
export type Amf0Value =
  | number
  | boolean
  | string
  | null
  | undefined
  | Date
  | Amf0Value[]
  | Amf0Object
  | Amf0EcmaArray;

export interface Amf0Object {
  [key: string]: Amf0Value;
}

/** Wraps an object so the encoder writes it as an ECMA array (type 0x08), as onMetaData traditionally is. */
export class Amf0EcmaArray {
  constructor(public readonly entries: Record<string, Amf0Value>) {}
}
