import type { Frame } from '@flvcast/media';

/**
 * A frame encoded in one container (one FLV tag, later a run of TS packets...), made once per stream and
 * format and shared by reference by every viewer of that format: nobody may mutate `bytes`.
 */
export interface Packet {
  readonly frame: Frame;
  readonly bytes: Uint8Array;
  /**
   * Its place in its output's packet sequence (0, 1, 2… in the order the muxer encoded them), so a viewer
   * can tell when it did not get the packet before this one; absent for packets outside the sequence (a
   * metadata update made for the viewers already playing).
   */
  readonly seq?: number;
}
