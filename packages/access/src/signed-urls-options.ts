import { MIN_SECRET_LENGTH } from './signed-url.js';

/** The `signedUrls` option both plugins take. */
export interface SignedUrlsOptions {
  /** HMAC-SHA256 key shared with whoever signs the URLs (`flvcast sign`), at least 16 characters. */
  secret: string;
  /** Cut the client when its token expires mid-stream. Default true. */
  kickOnExpiry?: boolean;
}

export interface ResolvedSignedUrls {
  secret: string;
  kickOnExpiry: boolean;
}

/** Pure check of the `signedUrls` option; returns an error message (for the plugin's FST_* error) or the resolved value. */
export function resolveSignedUrls(value: unknown): ResolvedSignedUrls | undefined | string {
  if (value === undefined || value === false) return undefined;
  if (value === null || typeof value !== 'object') return 'expected { secret, kickOnExpiry? }';
  const { secret, kickOnExpiry = true } = value as Record<string, unknown>;
  if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH) return `expected secret to be a string of at least ${MIN_SECRET_LENGTH} characters`;
  if (typeof kickOnExpiry !== 'boolean') return 'expected kickOnExpiry to be a boolean';
  return { secret, kickOnExpiry };
}
