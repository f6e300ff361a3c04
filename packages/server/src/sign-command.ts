import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { MIN_SECRET_LENGTH, signStream } from '@flvcast/access';
import { isValidName } from '@flvcast/hub';
import { ConfigError, envName } from './config.js';

export const signUsage = `Usage: flvcast sign --stream <app/stream> [options]

Prints a signed URL (HMAC-SHA256 over action, stream, expiry and optional IP) for a server started with
the same --signed-url-secret. Play prints the HTTP-FLV URL, then the WS-FLV URL.

  --secret <secret>         the server's signed-URL secret (default: $${envName('signedUrlSecret')})
  --stream <app/stream>     stream path, or vhost/app/stream with a [vhost] mount
  --action play|publish     what the URL allows (default play); a play URL can't publish
  --expires-in <seconds>    lifetime (default 3600)
  --ip <address>            bind the URL to one client address
  --base-url <url>          server address (default http://localhost:8080 for play,
                            rtmp://localhost:1935 for publish)`;

/** `flvcast sign ...`: the URL(s) to print, one per line. Throws ConfigError on bad arguments. */
export function signCommand(argv: string[], env: Record<string, string | undefined>, nowMs = Date.now()): string[] {
  let values: Record<string, string | boolean | undefined>;
  try {
    values = parseArgs({
      args: argv,
      options: {
        secret: { type: 'string' },
        stream: { type: 'string' },
        action: { type: 'string', default: 'play' },
        'expires-in': { type: 'string', default: '3600' },
        ip: { type: 'string' },
        'base-url': { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}\n\n${signUsage}`);
  }
  if (values.help === true) return [signUsage];
  const secret = (values.secret as string | undefined) ?? env[envName('signedUrlSecret')] ?? '';
  if (secret.length < MIN_SECRET_LENGTH) throw new ConfigError(`sign: --secret (or ${envName('signedUrlSecret')}) must be at least ${MIN_SECRET_LENGTH} characters`);
  const action = values.action as string;
  if (action !== 'play' && action !== 'publish') throw new ConfigError(`sign: --action must be play or publish, got ${JSON.stringify(action)}`);
  const stream = (values.stream as string | undefined) ?? '';
  const parts = stream.split('/');
  if ((parts.length !== 2 && parts.length !== 3) || !parts.every(isValidName)) {
    throw new ConfigError(`sign: --stream must be app/stream or vhost/app/stream (letters, digits, _ - .), got ${JSON.stringify(stream)}`);
  }
  const expiresIn = Number(values['expires-in']);
  if (!Number.isInteger(expiresIn) || expiresIn < 1) throw new ConfigError(`sign: --expires-in must be a whole number of seconds, got ${JSON.stringify(values['expires-in'])}`);
  const ip = values.ip as string | undefined;
  if (ip !== undefined && isIP(ip) === 0) throw new ConfigError(`sign: --ip must be an IP address, got ${JSON.stringify(ip)}`);
  const base = ((values['base-url'] as string | undefined) ?? (action === 'play' ? 'http://localhost:8080' : 'rtmp://localhost:1935')).replace(/\/+$/, '');
  const scheme = /^([a-z]+):\/\//i.exec(base)?.[1]?.toLowerCase();
  const schemes = action === 'play' ? ['http', 'https'] : ['rtmp', 'rtmps'];
  if (scheme === undefined || !schemes.includes(scheme)) throw new ConfigError(`sign: --base-url for ${action} must start with ${schemes.map((s) => `${s}://`).join(' or ')}, got ${JSON.stringify(base)}`);

  const query = new URLSearchParams(signStream({ secret, action, stream, expiresAt: Math.floor(nowMs / 1000) + expiresIn, ...(ip === undefined ? {} : { ip }) }));
  if (action === 'publish') {
    // RTMP has no vhost in the path: the server reads it from the publish name's query.
    const [vhost, app, name] = parts.length === 3 ? parts : ['', ...parts];
    const q = vhost === '' ? query.toString() : `vhost=${vhost}&${query}`;
    return [`${base}/${app}/${name}?${q}`];
  }
  const http = `${base}/${stream}.flv?${query}`;
  return [http, http.replace(/^http/i, 'ws')];
}
