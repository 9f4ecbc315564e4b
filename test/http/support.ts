/** Raw HTTP requests for the server tests: no URL normalisation (so `..` reaches the server as sent). */
import http from 'node:http';

export interface RawResponse { status: number; headers: http.IncomingHttpHeaders; body: string }

export function request(base: string, path: string, opts: { method?: string; headers?: Record<string, string> } = {}): Promise<RawResponse> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers: opts.headers ?? {}, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

export function json(r: RawResponse): any {
  assertJson(r);
  return JSON.parse(r.body);
}

function assertJson(r: RawResponse): void {
  if (!String(r.headers['content-type']).startsWith('application/json')) throw new Error(`not JSON (${r.headers['content-type']}): ${r.body.slice(0, 200)}`);
}
