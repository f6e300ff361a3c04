/**
 * How the TS muxer turns a frame's FLV time stamp into its PES DTS: DTS = (timestamp + offset) × 90. The
 * benchmark inverts it to find the published frame a TS viewer's PES carries.
 */
export const TS_DTS_OFFSET_MS = 0;
