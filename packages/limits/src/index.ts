export { KeyedCounter } from './keyed-counter.js';
export type { LimitEvents, LimitHit } from './limit-hit.js';
export { LimitReporter, type WarnLogger } from './limit-reporter.js';
export { LOG_CODES, isLogCode, logCodeOf, type LogCode } from './log-codes.js';
export { LogThrottle, type LogThrottleOptions } from './log-throttle.js';
