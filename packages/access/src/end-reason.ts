/**
 * Why a client ended when its signed URL ran out mid-stream (`kickOnExpiry`): the `reason` that onStop /
 * onUnpublish hooks, SRS-style callbacks and the plugins' log lines carry.
 */
export const EndReasonTokenExpired = 'token-expired' as const;
export type EndReasonTokenExpired = typeof EndReasonTokenExpired;
