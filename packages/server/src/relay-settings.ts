import { httpCallbackLookup } from './forward-callback.js';
import { invalidStreamPattern, parseRtmpUrl, parseStreamName, type ForwardLookup, type ForwardRule, type PullRule } from '@flvcast/relay';
import type { RelayPluginOptions } from '@flvcast/fastify-relay';
import type { FastifyBaseLogger } from 'fastify';

/** `left=right` at the first `=`; undefined without one. */
function split(text: string): [string, string] | undefined {
  const eq = text.indexOf('=');
  return eq <= 0 ? undefined : [text.slice(0, eq), text.slice(eq + 1)];
}

const urlProblem = (url: string): string | undefined => {
  try {
    parseRtmpUrl(url);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

/** A `forward` setting's problem (`pattern=rtmp[s]://…`), undefined when fine. */
export function forwardRuleProblem(text: string): string | undefined {
  const parts = split(text);
  if (parts === undefined) return `expected pattern=rtmp://host/app[/stream], got ${JSON.stringify(text)}`;
  return invalidStreamPattern(parts[0]) ?? urlProblem(parts[1]);
}

/** A `pull` setting's problem (`app/stream=url`), undefined when fine. */
export function pullRuleProblem(text: string): string | undefined {
  const parts = split(text);
  if (parts === undefined || parseStreamName(parts[0]) === undefined) return `expected app/stream=rtmp://host/app/stream or app/stream=http://host/x.flv, got ${JSON.stringify(text)}`;
  const url = parts[1];
  if (/^https?:\/\/\S+$/i.test(url)) return undefined;
  const problem = urlProblem(url);
  if (problem !== undefined) return `${problem} (or an http(s):// FLV URL)`;
  return parseRtmpUrl(url).stream === undefined ? `${url} names no stream to play` : undefined;
}

/** The relay plugin's rules and lookup from the server's settings. */
export function relaySettings(
  config: { forward: string[]; pull: string[]; pullOnDemand: string[]; pullIdleMs: number; onForwardUrl: string[]; callbackTimeoutMs: number },
  log: FastifyBaseLogger,
): Pick<RelayPluginOptions, 'forward' | 'pull' | 'onForward'> {
  const forward: ForwardRule[] = config.forward.map((text) => {
    const [match, url] = split(text)!;
    return { match, url };
  });
  const pull: PullRule[] = [
    ...config.pull.map((text) => ({ stream: split(text)![0], url: split(text)![1] })),
    ...config.pullOnDemand.map((text) => ({ stream: split(text)![0], url: split(text)![1], onDemand: true, idleMs: config.pullIdleMs })),
  ];
  const onForward: ForwardLookup | undefined =
    config.onForwardUrl.length === 0 ? undefined : httpCallbackLookup({ urls: config.onForwardUrl, timeoutMs: config.callbackTimeoutMs, log: log.child({ plugin: 'http-callback' }) });
  return { forward, pull, ...(onForward === undefined ? {} : { onForward }) };
}
