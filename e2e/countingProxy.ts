// A small HTTP proxy in front of `vite preview` for browser tests that count what the server sends: every
// request is passed through unchanged and recorded (path, status, body bytes), so a test can say how many
// times each file was downloaded and how many bytes a visit cost, counted at the server side of the browser.
import http from 'node:http';

export interface Sent {
  path: string;
  status: number;
  bytes: number;
}

export interface PathCount {
  requests: number;
  notModified: number;
  bytes: number;
}

export interface CountingProxy {
  origin: string;
  sent: Sent[];
  /** Per path, from `since` (an index into sent) on: requests, of them 304s (a revalidation, no body), and body bytes. */
  perPath(since?: number): Map<string, PathCount>;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string, port: number): Promise<CountingProxy> {
  const to = new URL(target);
  const sent: Sent[] = [];
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      { host: to.hostname, port: to.port, path: req.url, method: req.method, headers: { ...req.headers, host: to.host } },
      (up) => {
        const record: Sent = { path: (req.url ?? '/').split('?')[0], status: up.statusCode ?? 0, bytes: 0 };
        sent.push(record);
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.on('data', (chunk: Buffer) => {
          record.bytes += chunk.length;
        });
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${port}`,
    sent,
    perPath(since = 0) {
      const out = new Map<string, PathCount>();
      for (const s of sent.slice(since)) {
        const e = out.get(s.path) ?? { requests: 0, notModified: 0, bytes: 0 };
        out.set(s.path, { requests: e.requests + 1, notModified: e.notModified + (s.status === 304 ? 1 : 0), bytes: e.bytes + s.bytes });
      }
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
