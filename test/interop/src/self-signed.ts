import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TestCert {
  /** PEM; also the CA clients trust (it signs itself). */
  cert: string;
  key: string;
  certPath: string;
  keyPath: string;
}

let made: Promise<TestCert> | undefined;

/**
 * A throwaway self-signed certificate for localhost, 127.0.0.1 and ::1, made once per run with the
 * `selfsigned` package (pure JS: no openssl needed on a fresh machine), written to a temp dir for the CLI.
 */
export function testCert(): Promise<TestCert> {
  made ??= (async () => {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      curve: 'P-256',
      notAfterDate: new Date(Date.now() + 24 * 3600 * 1000),
      extensions: [
        { name: 'basicConstraints', cA: true },
        { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
      ],
    });
    const dir = mkdtempSync(join(tmpdir(), 'flvcast-tls-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    writeFileSync(certPath, pems.cert);
    writeFileSync(keyPath, pems.private);
    return { cert: pems.cert, key: pems.private, certPath, keyPath };
  })();
  return made;
}
