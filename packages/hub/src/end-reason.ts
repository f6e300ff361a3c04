/** Why a viewer's stream ended: one list for the hub, the transports, logs, hooks and the API. */
export const EndReason = {
  /** The publisher left and did not come back within the grace window. */
  unpublished: 'unpublished',
  /** The viewer accepted no bytes for `stallTimeoutMs`. */
  stalled: 'stalled',
  /** The hub is closing (server shutdown). */
  closed: 'closed',
  /** Removed on purpose (API kick). */
  kicked: 'kicked',
  /** Its signed URL expired while it watched (kickOnExpiry). */
  tokenExpired: 'token-expired',
  /** The viewer went away on its own (its connection closed). */
  left: 'left',
} as const;
export type EndReason = (typeof EndReason)[keyof typeof EndReason];

/** Reasons the hub (or its owner) ends a viewer for; `left` is the viewer's own doing. */
export type HubEndReason = Exclude<EndReason, 'left'>;
