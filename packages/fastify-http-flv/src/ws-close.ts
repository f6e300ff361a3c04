import type { SubscriberEndReason } from '@flvcast/hub';
import type { WebSocket } from 'ws';

/** WebSocket close codes: 1000 for a stream that ended, 1001 when the server goes away, 4xxx for the rest. */
export const WS_CLOSE_CODES: Record<SubscriberEndReason, number> = {
  unpublished: 1000,
  closed: 1001,
  stalled: 4408,
  kicked: 4000,
};

/** Closes a WS-FLV viewer with the code that says why. */
export function closeWs(ws: WebSocket, reason: SubscriberEndReason): void {
  ws.close(WS_CLOSE_CODES[reason], reason);
}
