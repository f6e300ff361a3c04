/**
 * How flvcast's TS muxer (packages/mux/src/ts-muxer.ts) turns a frame's time stamp into its PES DTS:
 * DTS = (timestamp + offset) × 90, the offset being 0 there (the PCR runs 200 ms behind the DTS instead).
 * The benchmark inverts it to find the published frame a TS viewer's PES carries.
 */
export const TS_DTS_OFFSET_MS = 0;
