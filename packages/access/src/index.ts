export {
  normalizeIp,
  type AccessAction,
  type AccessAllowance,
  type AccessContext,
  type AccessEndContext,
  type AccessEndHook,
  type AccessHook,
  type AccessRefusal,
  type AccessStatus,
  type AccessVerdict,
} from './access-context.js';
export { AccessDeniedError } from './access-denied-error.js';
export { checkAccess, type AccessDecision } from './check-access.js';
export { composeAccessHooks } from './compose-access-hooks.js';
export { scheduleExpiry, systemExpiryClock, type ExpiryClock } from './expiry-timer.js';
export { httpCallbackHook, httpCallbackNotifier, type CallbackLogger, type HttpCallbackEvent, type HttpCallbackOptions } from './http-callback.js';
export { invalidIpRule, ipBlockList, ipFilter, ipInList, ipRulesHook, type IpFilter, type IpRules } from './ip-rules.js';
export { MIN_SECRET_LENGTH, SIGNED_URL_PARAMS, signStream, verifySignedStream, type SignStreamOptions, type SignedUrlCheck, type VerifyStreamOptions } from './signed-url.js';
export { resolveSignedUrls, type ResolvedSignedUrls, type SignedUrlsOptions } from './signed-urls-options.js';
export { redactToken } from './redact-token.js';
export { parseQuery, splitQuery, type QueryParams } from './query-params.js';
export {
  admit,
  followGrant,
  signedStreamName,
  type AccessGrant,
  type Admission,
  type AdmissionPolicy,
  type AdmissionStep,
  type FollowGrantOptions,
  type GrantFollower,
} from './admission.js';
export { EndReasonTokenExpired } from './end-reason.js';
export { accessOption } from './access-option-descriptors.js';
