// A small HTTP proxy in front of `vite preview` for browser tests that count what the server sends: every
// request is passed through and recorded (path, status, body bytes), so a test can say how many times each
// file was downloaded and how many bytes a visit cost, counted at the server side of the browser. `rewrite`
// can change a file's body (e.g. serve the next build's sw.js, which context.route cannot intercept).
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
  /** When set and it returns a string for a path, that is the body served (the upstream one is read uncompressed). */
  rewrite: ((path: string, body: string) => string | null) | null;
  close(): Promise<void>;
}

export async function startCountingProxy(target: string, port: number): Promise<CountingProxy> {
  const to = new URL(target);
  const sent: Sent[] = [];
  const proxy = { rewrite: null as CountingProxy['rewrite'] };
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const rewrite = proxy.rewrite;
    const headers = { ...req.headers, host: to.host };
    if (rewrite) {
      delete headers['accept-encoding'];
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
    }
    const upstream = http.request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers }, (up) => {
      const record: Sent = { path, status: up.statusCode ?? 0, bytes: 0 };
      sent.push(record);
      if (rewrite) {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const original = Buffer.concat(chunks);
          const changed = rewrite(path, original.toString('utf8'));
          const body = changed === null ? original : Buffer.from(changed);
          record.bytes = body.length;
          const { etag: _etag, 'content-encoding': _encoding, ...kept } = up.headers;
          res.writeHead(up.statusCode ?? 502, { ...kept, 'content-length': String(body.length) });
          res.end(body);
        });
        return;
      }
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.on('data', (chunk: Buffer) => {
        record.bytes += chunk.length;
      });
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      res.writeHead(502);
      res.end(String(err));
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return Object.assign(proxy, {
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
  });
}
