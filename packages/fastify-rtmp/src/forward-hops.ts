import type { Amf0Value } from '@flvcast/amf0';

/** Beyond any real chain of servers: a larger claim is read as this (and refused by any sane limit). */
const MAX_HOPS = 1000;

/**
 * The servers a published stream crossed before reaching us, as a forwarding flvcast announces them (the
 * forward contract): a number `flvcastHops` in the connect command object and `flvcastHops=N` in the publish
 * name's query. The larger of the two counts (a relay that rewrote one of them cannot lower the count);
 * absent or not a non-negative integer: 0, an encoder.
 */
export function forwardHops(connect: Readonly<Record<string, Amf0Value>> | undefined, query: Readonly<Record<string, string>>): number {
  const fromConnect = connect?.['flvcastHops'];
  const a = typeof fromConnect === 'number' ? hopCount(fromConnect) : 0;
  const raw = query['flvcastHops'];
  const b = raw !== undefined && /^\d{1,6}$/.test(raw) ? hopCount(Number(raw)) : 0;
  return Math.max(a, b);
}

function hopCount(n: number): number {
  return Number.isInteger(n) && n >= 0 ? Math.min(n, MAX_HOPS) : 0;
}
