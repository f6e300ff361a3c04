import type { HubEndReason } from '@flvcast/hub';
import type { WebSocket } from 'ws';

/** WebSocket close codes: 1000 for a stream that ended, 1001 when the server goes away, 4xxx for the rest. */
export const WS_CLOSE_CODES: Record<HubEndReason, number> = {
  unpublished: 1000,
  closed: 1001,
  stalled: 4408,
  kicked: 4000,
  'token-expired': 4401,
};

/** Closes a WS-FLV viewer with the code that says why (a signed URL that expired: 4401 "token expired"). */
export function closeWs(ws: WebSocket, reason: HubEndReason): void {
  ws.close(WS_CLOSE_CODES[reason], reason === 'token-expired' ? 'token expired' : reason);
}
