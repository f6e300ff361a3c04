import { composeAccessHooks, httpCallbackHook, httpCallbackNotifier, ipRulesHook, redactToken, type HttpCallbackOptions } from '@flvcast/access';
import type { HttpFlvPluginOptions } from '@flvcast/fastify-http-flv';
import type { RtmpPluginOptions } from '@flvcast/fastify-rtmp';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { FlvcastConfig } from './config.js';

export type PlayAccess = Pick<HttpFlvPluginOptions, 'onPlay' | 'onStop' | 'signedUrls' | 'wsAllowedOrigins' | 'accessTimeoutMs'>;
type PublishAccess = Pick<RtmpPluginOptions, 'onPublish' | 'onUnpublish' | 'signedUrls' | 'accessTimeoutMs'>;
/** Play's checks as the RTMP plugin takes them (its `signedUrls` is publish's; one timeout bounds both hooks). */
/** Play's checks as the VOD plugin takes them (no WebSocket there, so no Origin list). */
export type VodPlayAccess = Omit<PlayAccess, 'wsAllowedOrigins'>;
type RtmpPlayAccess = Pick<RtmpPluginOptions, 'onPlay' | 'onStop' | 'playSignedUrls' | 'accessTimeoutMs'>;

/**
 * The plugins' access options from the server config: IP lists first (cheap, local), then the HTTP
 * callbacks; signed URLs and the Origin allow-list are the plugins' own options.
 */
export function accessOptions(config: FlvcastConfig, log: FastifyBaseLogger): { play: PlayAccess; publish: PublishAccess; rtmpPlay: RtmpPlayAccess } {
  const callbacks = (urls: string[]): HttpCallbackOptions | undefined =>
    urls.length === 0 ? undefined : { urls, timeoutMs: config.callbackTimeoutMs, onFailure: config.callbackFailure, log: log.child({ plugin: 'http-callback' }) };
  // Callbacks run one after the other, each bounded by callbackTimeoutMs: the hook's own bound must let them finish.
  const hookTimeout = (urls: string[]): number => Math.min(600_000, Math.max(5000, config.callbackTimeoutMs * urls.length + 1000));
  const signed = (action: 'publish' | 'play') =>
    config.signedUrlSecret !== '' && config.signedUrlActions.includes(action) ? { secret: config.signedUrlSecret, kickOnExpiry: config.signedUrlKick } : undefined;

  const onPlay = callbacks(config.onPlayUrl);
  const onStop = callbacks(config.onStopUrl);
  const onPublish = callbacks(config.onPublishUrl);
  const onUnpublish = callbacks(config.onUnpublishUrl);
  const play: PlayAccess = {
    onPlay: composeAccessHooks(ipRulesHook({ allow: config.playAllow, deny: config.playDeny }), onPlay && httpCallbackHook('on_play', onPlay)),
    onStop: onStop && httpCallbackNotifier('on_stop', onStop),
    signedUrls: signed('play'),
    wsAllowedOrigins: config.wsAllowedOrigins,
    accessTimeoutMs: hookTimeout(config.onPlayUrl),
  };
  return {
    play,
    publish: {
      onPublish: composeAccessHooks(ipRulesHook({ allow: config.publishAllow, deny: config.publishDeny }), onPublish && httpCallbackHook('on_publish', onPublish)),
      onUnpublish: onUnpublish && httpCallbackNotifier('on_unpublish', onUnpublish),
      signedUrls: signed('publish'),
      accessTimeoutMs: hookTimeout(config.onPublishUrl),
    },
    rtmpPlay: {
      onPlay: play.onPlay,
      onStop: play.onStop,
      playSignedUrls: play.signedUrls,
      accessTimeoutMs: Math.max(hookTimeout(config.onPlayUrl), hookTimeout(config.onPublishUrl)),
    },
  };
}

/** The play checks for VOD files: the live viewers' (signed URLs, IP rules, on_play, on_stop), without the WS Origin list. */
export function vodPlayAccess(play: PlayAccess): VodPlayAccess {
  const { wsAllowedOrigins: _origins, ...rest } = play;
  return rest;
}

/** Fastify's own request serializer, with the URL's signed-URL token cut out. */
export function redactedRequest(req: FastifyRequest): Record<string, unknown> {
  return {
    method: req.method,
    url: redactToken(req.url),
    version: req.headers['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
