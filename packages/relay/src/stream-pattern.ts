/**
 * Whether a stream name (`app/stream` or `vhost/app/stream`) matches a pattern such as `live/*`, `live/cam*`
 * or `live/cam1`: `*` stands for any run of characters within one path segment, and the pattern has as
 * many segments as the name.
 */
export function matchStream(pattern: string, name: string): boolean {
  const p = pattern.split('/');
  const n = name.split('/');
  if (p.length !== n.length) return false;
  return p.every((seg, i) => segmentRegex(seg).test(n[i]!));
}

function segmentRegex(seg: string): RegExp {
  return new RegExp(`^${seg.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
}

/** Checks a pattern: segments of letters, digits, `_ - .` and `*`. Returns the problem or undefined. */
export function invalidStreamPattern(pattern: string): string | undefined {
  if (typeof pattern !== 'string' || pattern === '') return 'expected a pattern such as "live/*"';
  const segs = pattern.split('/');
  if (segs.length < 2 || segs.length > 3) return `expected app/stream or vhost/app/stream, got ${JSON.stringify(pattern)}`;
  if (segs.some((s) => !/^[A-Za-z0-9_.*-]+$/.test(s))) return `only letters, digits, _ - . and * in ${JSON.stringify(pattern)}`;
  return undefined;
}
