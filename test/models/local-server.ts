// A throwaway HTTP server on 127.0.0.1 for download tests: each test installs its own handler and
// inspects the requests it received. Never reaches beyond the loopback interface.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, index: number) => void | Promise<void>;

export interface RecordedRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
}

export interface LocalServer {
  /** Absolute URL of a path on this server. */
  url(path: string): string;
  /** Replaces the handler and forgets earlier requests. */
  handle(handler: Handler): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startLocalServer(): Promise<LocalServer> {
  let handler: Handler = (_req, res) => {
    res.writeHead(500).end('no handler');
  };
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    Promise.resolve(handler(req, res, requests.length - 1)).catch((err) => {
      res.destroy(err as Error);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    handle(h) {
      handler = h;
      requests.length = 0;
    },
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A GGUF-looking payload: the magic followed by random bytes. */
export function fakeGguf(bytes: number): Buffer {
  return Buffer.concat([Buffer.from('GGUF', 'latin1'), randomBytes(bytes - 4)]);
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The start offset of a `Range: bytes=N-` request header, or undefined. */
export function rangeStart(req: http.IncomingMessage): number | undefined {
  const m = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
  return m ? Number(m[1]) : undefined;
}

/** Serves `payload` the way a range-capable static server does (RFC 9110: 200, 206 or 416). */
export function serveWithRanges(req: http.IncomingMessage, res: http.ServerResponse, payload: Buffer): void {
  const start = rangeStart(req);
  if (start === undefined) {
    res.writeHead(200, { 'content-length': payload.length, 'accept-ranges': 'bytes' }).end(payload);
  } else if (start >= payload.length) {
    res.writeHead(416, { 'content-range': `bytes */${payload.length}` }).end();
  } else {
    res.writeHead(206, {
      'content-length': payload.length - start,
      'content-range': `bytes ${start}-${payload.length - 1}/${payload.length}`,
    }).end(payload.subarray(start));
  }
}

/**
 * Announces `bodyLength` bytes, sends only `slice`, then kills the connection once the slice has
 * been handed to the kernel, like a connection dropped mid-transfer.
 */
export function sendThenDrop(res: http.ServerResponse, status: number, headers: http.OutgoingHttpHeaders, slice: Buffer): void {
  res.writeHead(status, headers);
  res.write(slice, () => res.socket?.destroy());
}
