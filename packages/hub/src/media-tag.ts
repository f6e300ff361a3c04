/**
 * One FLV tag serialized once (tag header + payload + PreviousTagSize) and shared by reference by every
 * viewer: nobody may mutate `bytes`.
 */
export interface MediaTag {
  readonly type: 8 | 9 | 18;
  /** Corrected stream timestamp (ms). */
  readonly timestamp: number;
  readonly bytes: Uint8Array;
  /** A video keyframe that starts a GOP (not a sequence header). */
  readonly keyframe: boolean;
  /** Codec configuration (sequence header): always delivered, never dropped. */
  readonly config: boolean;
}
