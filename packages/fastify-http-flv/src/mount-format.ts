import type { Format } from '@flvcast/media';
import { flvFormat, tsFormat } from '@flvcast/mux';

/** What a mount's extension serves: the container, its content type, and the protocol names it is counted under. */
export interface MountFormat {
  readonly format: Format;
  readonly contentType: string;
  /** As in logs, the API and metrics: `http-flv` and `ws-flv` for `.flv`. */
  readonly protocols: { readonly http: string; readonly ws: string };
}

/** The formats a mount's extension may name, built in. A new container is one muxer and one entry here. */
export const MOUNT_FORMATS: Readonly<Record<string, MountFormat>> = {
  flv: { format: flvFormat, contentType: 'video/x-flv', protocols: { http: 'http-flv', ws: 'ws-flv' } },
  ts: { format: tsFormat, contentType: 'video/MP2T', protocols: { http: 'http-ts', ws: 'ws-ts' } },
};

/** The format for an extension, from the plugin's `formats` option or the built-in table. */
export function mountFormat(extension: string, extra: Readonly<Record<string, { format: Format; contentType: string }>> = {}): MountFormat | undefined {
  const own = extra[extension];
  if (own !== undefined) return { ...own, protocols: { http: `http-${extension}`, ws: `ws-${extension}` } };
  return MOUNT_FORMATS[extension];
}
