import type { Frame } from '@flvcast/media';

/**
 * A frame encoded in one container (one FLV tag, later a run of TS packets...), made once per stream and
 * format and shared by reference by every viewer of that format: nobody may mutate `bytes`.
 */
export interface Packet {
  readonly frame: Frame;
  readonly bytes: Uint8Array;
}
