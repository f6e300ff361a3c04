import { SIGNED_URL_PARAMS } from './signed-url.js';

const TOKEN = new RegExp(`([?&]${SIGNED_URL_PARAMS.token}=)[^&#]*`, 'g');

/** A URL fit for logs: a signed URL's token is a credential until it expires, so its value is cut out. */
export function redactToken(url: string): string {
  return url.replace(TOKEN, '$1[redacted]');
}
