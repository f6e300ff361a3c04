import { readFileSync } from 'node:fs';
import { ConfigError, where, type ConfigKey, type FlvcastConfig } from './config.js';

export interface PemPair {
  cert: Buffer;
  key: Buffer;
}

/**
 * Reads the certificate and key files two options point at. Read at startup, so a typo is a config error
 * that names the option (exit 2), not a TLS failure on the first connection.
 */
export function readPemPair(config: FlvcastConfig, certOption: ConfigKey, keyOption: ConfigKey): PemPair {
  const read = (option: ConfigKey): Buffer => {
    const path = config[option] as string;
    try {
      return readFileSync(path);
    } catch (err) {
      throw new ConfigError(`invalid configuration:\n  ${where(option)}: cannot read ${path}: ${(err as Error).message}`);
    }
  };
  return { cert: read(certOption), key: read(keyOption) };
}

/**
 * Fastify's server options for the HTTP transport: HTTPS, or HTTP/2 over TLS with allowHTTP1 so HTTP/1.1
 * clients (ffmpeg, WebSocket upgrades) still work on the same listener. Typed as a plain object on
 * purpose: Fastify's typings give HTTPS/HTTP/2 apps a different instance type, while the plugins serve
 * every transport at runtime (HTTP/2 viewers through the compatibility response, HTTP/1.1 ones straight
 * to the TLS socket), so the rest of the server keeps one instance type.
 */
export function transportOptions(config: FlvcastConfig, tls: PemPair | undefined): object {
  if (tls === undefined) return {};
  return config.http2 ? { http2: true, https: { ...tls, allowHTTP1: true } } : { https: tls };
}
