/** Codes of the errors this package throws (all at construction: the directory's own work never throws). */
export const ClusterErrorCode = {
  badOption: 'ERR_CLUSTER_BAD_OPTION',
} as const;

export type ClusterErrorCode = (typeof ClusterErrorCode)[keyof typeof ClusterErrorCode];

export class ClusterError extends Error {
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    /** The option at fault. */
    readonly option?: string,
  ) {
    super(message);
    this.name = 'ClusterError';
  }
}
