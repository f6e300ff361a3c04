import type { StreamKey } from '@flvcast/hub';

/** A mount template such as SRS's `[vhost]/[app]/[stream].flv`, turned into a route and a key reader. */
export interface Mount {
  /** Fastify route path, e.g. `/:app/:stream.flv`. */
  readonly url: string;
  readonly hasVhost: boolean;
  key(params: Record<string, string | undefined>): StreamKey;
}

const TEMPLATE = /^(?:\[vhost\]\/)?\[app\]\/\[stream\]\.flv$/;

/** Returns undefined when the template is not one of the supported shapes. */
export function parseMount(template: string): Mount | undefined {
  const t = template.replace(/^\/+/, '');
  if (!TEMPLATE.test(t)) return undefined;
  const hasVhost = t.startsWith('[vhost]/');
  return {
    url: hasVhost ? '/:vhost/:app/:stream.flv' : '/:app/:stream.flv',
    hasVhost,
    key: (params) => ({ vhost: hasVhost ? (params.vhost ?? '') : '', app: params.app ?? '', stream: params.stream ?? '' }),
  };
}
