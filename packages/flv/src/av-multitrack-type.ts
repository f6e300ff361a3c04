/** Enhanced RTMP AvMultitrackType, shared by the audio and video multitrack headers. */
export const AvMultitrackType = {
  oneTrack: 0,
  manyTracks: 1,
  manyTracksManyCodecs: 2,
} as const;

export type AvMultitrackType = (typeof AvMultitrackType)[keyof typeof AvMultitrackType];
