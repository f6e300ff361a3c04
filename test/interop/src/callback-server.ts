import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An operator's SRS-style callback service on loopback: it records each JSON body and answers `{ code }`. */
export interface CallbackServer {
  /** e.g. http://127.0.0.1:41234 (append any path). */
  readonly url: string;
  /** The bodies received, in order. */
  readonly calls: Record<string, unknown>[];
  close(): Promise<void>;
}

/** Starts one; `code(body)` decides each answer (0 allows, anything else refuses). */
export async function startCallbackServer(code: (body: Record<string, unknown>) => number): Promise<CallbackServer> {
  const calls: Record<string, unknown>[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      calls.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ code: code(body) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
