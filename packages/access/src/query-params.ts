// Pure (no Node APIs): the RTMP protocol package reads stream names with it too, through
// `@flvcast/access/query`.

/** Query parameters as the access checks see them: one string per name. */
export type QueryParams = Record<string, string>;

/**
 * The one way flvcast reads query parameters, for every protocol: the HTTP-FLV/WS-FLV URL (already parsed
 * by the web framework, given as an object), the RTMP publish/play name (`cam1?token=…`) and the RTMP
 * tcUrl (`rtmp://host/live?key=…`, given as a string).
 *
 * - A string is read as `application/x-www-form-urlencoded` (WHATWG URLSearchParams): percent-decoding,
 *   `+` as a space. It never throws: a bad escape (`%zz`) stays as written, bytes that are not UTF-8
 *   become U+FFFD. A leading `?` is skipped.
 * - An object is a framework's parse (Fastify's `request.query`, with an array for a repeated name, and
 *   whatever an app's own `querystringParser` returns): string values are kept, anything else is dropped.
 * - A repeated name: the first value wins (as in most servers).
 * - `__proto__` is never a name (it could not be an own property of a plain record).
 */
export function parseQuery(input: unknown): QueryParams {
  const out: QueryParams = {};
  if (typeof input === 'string') {
    for (const [name, value] of new URLSearchParams(input)) keep(out, name, value);
  } else if (input !== null && typeof input === 'object') {
    for (const [name, value] of Object.entries(input)) {
      const first: unknown = Array.isArray(value) ? value[0] : value;
      if (typeof first === 'string') keep(out, name, first);
    }
  }
  return out;
}

/** Splits `name?query` (an RTMP stream name, a tcUrl) at its first `?`: what comes before, and the parameters after. */
export function splitQuery(raw: string): { path: string; query: QueryParams } {
  const q = raw.indexOf('?');
  return q < 0 ? { path: raw, query: {} } : { path: raw.slice(0, q), query: parseQuery(raw.slice(q + 1)) };
}

function keep(out: QueryParams, name: string, value: string): void {
  if (name !== '__proto__' && !Object.hasOwn(out, name)) out[name] = value;
}
