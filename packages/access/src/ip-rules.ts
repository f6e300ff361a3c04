import { BlockList, isIP } from 'node:net';
import { normalizeIp, type AccessHook, type AccessRefusal } from './access-context.js';

/** Allow and deny lists of addresses and CIDR blocks (IPv4 and IPv6), e.g. `10.0.0.0/8`, `::1`. */
export interface IpRules {
  /** When not empty, only these may. */
  allow?: readonly string[];
  /** Never these (checked first: deny wins over allow). */
  deny?: readonly string[];
}

/** Returns why `rule` is not an address or CIDR block, or undefined when it is one. */
export function invalidIpRule(rule: string): string | undefined {
  const [address = '', prefix, extra] = rule.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return `expected an IP address or CIDR block, got ${JSON.stringify(rule)}`;
  if (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128))) {
    return `bad prefix length in ${JSON.stringify(rule)}`;
  }
  return undefined;
}

/** Compiles rules into node's BlockList. Throws a TypeError naming the first bad rule. */
export function ipBlockList(rules: readonly string[]): BlockList {
  const list = new BlockList();
  for (const rule of rules) {
    const problem = invalidIpRule(rule);
    if (problem !== undefined) throw new TypeError(problem);
    const [address = '', prefix] = rule.split('/');
    const plain = normalizeIp(address);
    const type = isIP(plain) === 4 ? 'ipv4' : 'ipv6';
    if (prefix === undefined) list.addAddress(plain, type);
    // A prefix written for a mapped address (::ffff:a.b.c.d/104) counts on the IPv4 part.
    else list.addSubnet(plain, plain === address ? Number(prefix) : Math.max(0, Number(prefix) - 96), type);
  }
  return list;
}

/** True when `ip` is in `list`; IPv4-mapped IPv6 addresses are checked as IPv4. */
export function ipInList(list: BlockList, ip: string): boolean {
  const plain = normalizeIp(ip);
  const family = isIP(plain);
  if (family === 0) return false;
  return list.check(plain, family === 4 ? 'ipv4' : 'ipv6');
}

/** Compiled IP rules: the refusal (403) for an address outside them, or undefined when it may. */
export type IpFilter = (ip: string) => AccessRefusal | undefined;

/** Compiles IP rules once (throws a TypeError naming the first bad rule), or undefined when there are none. */
export function ipFilter(rules: IpRules): IpFilter | undefined {
  const allow = rules.allow ?? [];
  const deny = rules.deny ?? [];
  if (allow.length === 0 && deny.length === 0) return undefined;
  const allowList = ipBlockList(allow);
  const denyList = ipBlockList(deny);
  return (ip) => {
    if (ipInList(denyList, ip)) return { status: 403, reason: `address ${ip} is denied` };
    if (allow.length > 0 && !ipInList(allowList, ip)) return { status: 403, reason: `address ${ip} is not allowed` };
    return undefined;
  };
}

/** An access hook from IP rules (403 outside them), or undefined when there are none. */
export function ipRulesHook(rules: IpRules): AccessHook | undefined {
  const filter = ipFilter(rules);
  return filter && ((ctx) => filter(ctx.ip));
}
