import { option } from '@flvcast/options';
import type { AccessEndHook, AccessHook } from './access-context.js';
import { resolveSignedUrls, type SignedUrlsOptions } from './signed-urls-options.js';

/**
 * The descriptors of the access options every plugin takes (publish and play, HTTP and RTMP): declared here
 * once, each plugin naming and documenting its own (`onPlay`, `onPublish`, `signedUrls`, `playSignedUrls`…).
 */
export const accessOption = {
  /** A hook deciding whether a client may start (`onPlay`, `onPublish`). */
  hook: (doc: string) => option.callback<AccessHook>(doc),
  /** A notification when an admitted client ends (`onStop`, `onUnpublish`). */
  endHook: (doc: string) => option.callback<AccessEndHook>(doc),
  /** HMAC-signed names required (`signedUrls`); resolve the value with `resolveSignedUrls`. */
  signedUrls: (doc: string) =>
    option.custom({
      typeName: '`{ secret, kickOnExpiry? }`',
      expected: '{ secret, kickOnExpiry? }',
      is: (_v): _v is SignedUrlsOptions => true,
      check: (v) => {
        const resolved = resolveSignedUrls(v);
        return typeof resolved === 'string' ? resolved : undefined;
      },
      doc,
    }),
} as const;
