export { isRenderable, type DataFrame, type Frame, type MediaFrame } from './frame.js';
export type { StreamState, TrackLayout, TrackState } from './stream-state.js';
export type { Format, Muxer } from './muxer.js';
