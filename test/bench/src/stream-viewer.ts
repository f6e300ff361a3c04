/** What a viewer connection feeds, whatever the container (FLV, MPEG-TS, ADTS): one per viewer. */
export interface StreamViewer {
  /** container bytes, `at` = wall-clock arrival of the socket read that carried them */
  push(chunk: Uint8Array, at: number): void;
  /** a framing error (counted once per viewer; its parsing stops, its bytes are still counted) */
  fail(): void;
  /** container bytes received (the HTTP body after de-chunking, or the WS message payloads) */
  bytes: number;
  /** bytes at the start of the measurement window */
  markBytes: number;
  /**
   * elementary-stream bytes received (TS: PES payloads; ADTS: frames without their headers), to compare
   * with the codec data the publisher sent; FLV viewers compare FLV bytes and leave this 0
   */
  mediaBytes: number;
  markMediaBytes: number;
  /** set for a late joiner: called once, with the arrival time of the first decodable frame */
  onKeyframe: ((at: number) => void) | undefined;
}
