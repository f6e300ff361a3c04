/**
 * The control header each Opus packet carries in a TS (the Opus-in-MPEG-TS mapping ffmpeg and GStreamer
 * implement): the 11-bit prefix 0x3FF, no trim or extension flags (0x7FE0),
 * then au_size as a run of 0xFF bytes and one final byte below 0xFF, adding up to the packet size.
 */
export function opusControlHeader(packetSize: number): Uint8Array {
  const runs = Math.floor(packetSize / 255);
  const h = new Uint8Array(2 + runs + 1);
  h[0] = 0x7f;
  h[1] = 0xe0;
  h.fill(0xff, 2, 2 + runs);
  h[2 + runs] = packetSize % 255;
  return h;
}
