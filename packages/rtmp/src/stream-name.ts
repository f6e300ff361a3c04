/** Splits a publish/play name like 'cam1?token=abc' into the name and its query parameters. */
export function parseStreamName(raw: string): { name: string; query: Record<string, string> } {
  const q = raw.indexOf('?');
  if (q < 0) return { name: raw, query: {} };
  const query: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(raw.slice(q + 1))) {
    if (!Object.hasOwn(query, k)) query[k] = v; // first value wins, like most servers
  }
  return { name: raw.slice(0, q), query };
}
