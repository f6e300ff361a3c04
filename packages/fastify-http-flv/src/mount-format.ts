import type { Format } from '@flvcast/media';
import { adtsFormat, flvFormat, mp3Format, tsFormat } from '@flvcast/mux';

/** What a mount's extension serves: the container, its content type, and the protocol names it is counted under. */
export interface MountFormat {
  readonly format: Format;
  readonly contentType: string;
  /** As in logs, the API and metrics: `http-flv` and `ws-flv` for `.flv`. */
  readonly protocols: { readonly http: string; readonly ws: string };
}

/**
 * The formats a mount's extension may name, built in. A new container is one muxer and one entry here; the
 * default `mount` list has one template per entry, so a new row is served without configuration.
 */
export const MOUNT_FORMATS: Readonly<Record<string, MountFormat>> = {
  flv: { format: flvFormat, contentType: 'video/x-flv', protocols: { http: 'http-flv', ws: 'ws-flv' } },
  ts: { format: tsFormat, contentType: 'video/MP2T', protocols: { http: 'http-ts', ws: 'ws-ts' } },
  // RFC 6381's type for ADTS (SRS says audio/x-aac; browsers' <audio> and radio apps take either).
  aac: { format: adtsFormat, contentType: 'audio/aac', protocols: { http: 'http-aac', ws: 'ws-aac' } },
  mp3: { format: mp3Format, contentType: 'audio/mpeg', protocols: { http: 'http-mp3', ws: 'ws-mp3' } },
};

/** The default `mount` list: `[app]/[stream].<ext>` for every built-in format. */
export function defaultMounts(): string[] {
  return Object.keys(MOUNT_FORMATS).map((ext) => `[app]/[stream].${ext}`);
}

/** The format for an extension, from the plugin's `formats` option or the built-in table. */
export function mountFormat(extension: string, extra: Readonly<Record<string, { format: Format; contentType: string }>> = {}): MountFormat | undefined {
  const own = extra[extension];
  if (own !== undefined) return { ...own, protocols: { http: `http-${extension}`, ws: `ws-${extension}` } };
  return MOUNT_FORMATS[extension];
}
