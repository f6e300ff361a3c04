import { redactToken } from '@flvcast/access';
import type { FastifyInstance } from 'fastify';

/** A forward as @flvcast/fastify-relay reports it (`fastify.relay.forwards()`); typed here by shape only. */
export interface ForwardStatusLike {
  readonly stream: string;
  readonly url: string;
  readonly state: string;
  readonly connectedSince: number | undefined;
  readonly bytes: number;
  readonly drops: number;
  readonly skips: number;
  readonly reconnects: number;
  readonly queuedBytes: number;
  readonly socketBufferedBytes: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | undefined;
}

/** A pull as @flvcast/fastify-relay reports it (`fastify.relay.pulls()`). */
export interface PullStatusLike {
  readonly stream: string;
  readonly url: string;
  readonly onDemand: boolean;
  readonly state: string;
  readonly connectedSince: number | undefined;
  readonly bytes: number;
  readonly reconnects: number;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: number } | undefined;
}

/** What the ops plugins read from the `relay` decorator when the relay plugin is registered (or shared). */
export interface RelayStatusSource {
  forwards(): readonly ForwardStatusLike[];
  pulls(): readonly PullStatusLike[];
}

/** The app's relay status, looked up when asked (so registration order does not matter); undefined without one. */
export function relayOf(fastify: FastifyInstance): RelayStatusSource | undefined {
  const relay = (fastify as unknown as { relay?: unknown }).relay;
  return relay !== null && typeof relay === 'object' && typeof (relay as RelayStatusSource).forwards === 'function' ? (relay as RelayStatusSource) : undefined;
}

/** A destination or upstream URL fit for the API and labels: credentials and signed-URL tokens cut out. */
export function safeUrl(url: string): string {
  return redactToken(url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1'));
}

/** Where a URL goes, for metric labels: scheme, host, path; no query (tokens), no credentials. */
export function destinationLabel(url: string): string {
  return safeUrl(url).replace(/[?#].*$/, '');
}

/** Error messages name URLs among other words: each word is redacted on its own. */
const redactWords = (text: string): string => text.split(' ').map(redactToken).join(' ');
const error = (e: ForwardStatusLike['lastError']) => (e === undefined ? null : { code: e.code, message: redactWords(e.message), at: new Date(e.at).toISOString() });
const since = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());

/** A forward as the API answers it. */
export function summarizeForward(f: ForwardStatusLike) {
  return {
    stream: f.stream,
    url: safeUrl(f.url),
    state: f.state,
    connectedSince: since(f.connectedSince),
    bytes: f.bytes,
    drops: f.drops,
    skips: f.skips,
    reconnects: f.reconnects,
    queuedBytes: f.queuedBytes,
    socketBufferedBytes: f.socketBufferedBytes,
    lastError: error(f.lastError),
  };
}

/** A pull as the API answers it. */
export function summarizePull(p: PullStatusLike) {
  return {
    stream: p.stream,
    url: safeUrl(p.url),
    onDemand: p.onDemand,
    state: p.state,
    connectedSince: since(p.connectedSince),
    bytes: p.bytes,
    reconnects: p.reconnects,
    lastError: error(p.lastError),
  };
}
