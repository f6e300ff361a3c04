import type { StreamKey } from '@flvcast/hub';

/** A mount template such as SRS's `[vhost]/[app]/[stream].flv`, turned into a route and a key reader. */
export interface Mount {
  /** Fastify route path, e.g. `/:app/:stream.flv`. */
  readonly url: string;
  /** The extension, which picks the container (`flv`). */
  readonly extension: string;
  readonly hasVhost: boolean;
  key(params: Record<string, string | undefined>): StreamKey;
}

const TEMPLATE = /^(?:\[vhost\]\/)?\[app\]\/\[stream\]\.([a-z0-9]{1,8})$/;

/** Returns undefined when the template is not one of the supported shapes. */
export function parseMount(template: string): Mount | undefined {
  const t = template.replace(/^\/+/, '');
  const match = TEMPLATE.exec(t);
  if (match === null) return undefined;
  const extension = match[1]!;
  const hasVhost = t.startsWith('[vhost]/');
  return {
    url: hasVhost ? `/:vhost/:app/:stream.${extension}` : `/:app/:stream.${extension}`,
    extension,
    hasVhost,
    key: (params) => ({ vhost: hasVhost ? (params.vhost ?? '') : '', app: params.app ?? '', stream: params.stream ?? '' }),
  };
}
