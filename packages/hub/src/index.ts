export { Hub } from './hub.js';
export { HubError, HubErrorCode } from './hub-error.js';
export {
  defaultHubOptions,
  hubOptionDescriptors,
  resolveHubOptions,
  validateHubOptions,
  type DeprecatedHubOptions,
  type HubOptions,
  type HubOptionsInput,
} from './hub-options.js';
export { LiveStream, type TrackState } from './live-stream.js';
export type { Packet } from './packet.js';
export { StreamOutput } from './stream-output.js';
export { EndReason, type HubEndReason } from './end-reason.js';
export { Publisher, PublisherEndReason, type PublisherHandlers, type PublisherInfo, type Source } from './publisher.js';
export { invalidKeyPart, isValidName, streamKeyToString, type StreamKey } from './stream-key.js';
export { Subscriber, SubscriberEndReason, type SinkOrFactory, type SubscriberInfo, type SubscriberSink } from './subscriber.js';
export { TimestampCorrector } from './timestamp-corrector.js';
export { GopCache } from './gop-cache.js';
export { AudioWindow } from './audio-window.js';
export { HubEvents, type AccessDenial, type HubEventMap, type LimitHit, type RecordEvent } from './hub-events.js';
export { IngestRate } from './ingest-rate.js';
export { summarizeStream, type StreamSummary } from './stream-summary.js';
export { KeyedCounter, LimitReporter, LogThrottle, type LogThrottleOptions, type WarnLogger } from './deprecated-limits.js';
export type { ResolveRequest, ResolverOptions, StreamResolver } from './stream-resolver.js';
export { ViewerLimits, type ViewerLimit, type ViewerLimitOptions, type ViewerSlot } from './viewer-limits.js';
