import type { AccessStatus } from './access-context.js';

/** Thrown by an access hook to refuse with a given status; the message is the reason given to the client. */
export class AccessDeniedError extends Error {
  override readonly name = 'AccessDeniedError';
  readonly code = 'ERR_FLVCAST_ACCESS_DENIED';

  constructor(
    readonly status: AccessStatus,
    reason: string,
  ) {
    super(reason);
  }
}
