import {
  KeyedCounter as Counter,
  LimitReporter as Reporter,
  LogThrottle as Throttle,
  type LogThrottleOptions as ThrottleOptions,
  type WarnLogger as Logger,
} from '@flvcast/limits';

// The limit bookkeeping and reporting moved to @flvcast/limits. These aliases keep what apps and tests
// import from @flvcast/hub working for one release.

/** @deprecated import from @flvcast/limits */
export const KeyedCounter = Counter;
/** @deprecated import from @flvcast/limits */
export type KeyedCounter = Counter;

/** @deprecated import from @flvcast/limits */
export const LogThrottle = Throttle;
/** @deprecated import from @flvcast/limits */
export type LogThrottle = Throttle;
/** @deprecated import from @flvcast/limits */
export type LogThrottleOptions = ThrottleOptions;

/**
 * @deprecated import from @flvcast/limits, where codes must come from its registry (LOG_CODES); this alias
 * still takes any string code, so apps reporting codes of their own keep compiling.
 */
export const LimitReporter = Reporter<string>;
/** @deprecated import from @flvcast/limits */
export type LimitReporter = Reporter<string>;
/** @deprecated import from @flvcast/limits */
export type WarnLogger = Logger;
