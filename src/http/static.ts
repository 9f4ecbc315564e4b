/**
 * The viewer's files (index.html and its assets, built into dist/viewer by `npm run build`), served read-only:
 * GET/HEAD only, no path outside the viewer directory (`..`, encoded or not, and symbolic links that lead out are
 * refused), no dot files, content types by extension, ETag/304, and cache headers that let fingerprinted assets be
 * cached for good while index.html is always revalidated.
 */
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendText } from './respond.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** `name-0123abcd.js`, `name.0123abcdef.css`: the bundler's content hash in the name, so the file never changes */
const FINGERPRINTED = /[.-][A-Za-z0-9_]{8,}\.[a-z0-9]+$/;

/** The package's root directory (where package.json is), from the sources (src/http) or the build (dist/src/http). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return process.cwd();
}

export function defaultViewerDir(): string {
  return join(packageRoot(), 'dist', 'viewer');
}

export interface StaticFiles {
  readonly dir: string;
  /** Answers a GET/HEAD for `pathname` (already split from the query); always sends a response. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
}

export function staticFiles(dir: string): StaticFiles {
  const root = resolve(dir);
  let realRoot: string | undefined;
  const notFound = (res: ServerResponse): void => sendText(res, 404, 'not found');

  return {
    dir: root,
    async serve(req, res, pathname) {
      let rel: string;
      try {
        rel = decodeURIComponent(pathname);
      } catch {
        sendText(res, 400, 'bad request: the path is not valid percent-encoding');
        return;
      }
      if (rel === '/' || rel === '') rel = '/index.html';
      const segments = rel.split(/[/\\]/).filter((s) => s.length > 0);
      // no way up, no dot files (.git, .env), no NUL bytes
      if (rel.includes('\0') || segments.some((s) => s === '..' || s.startsWith('.'))) {
        notFound(res);
        return;
      }
      try {
        realRoot ??= await realpath(root);
      } catch {
        // the viewer has not been built
        if (rel === '/index.html') {
          sendText(res, 503, `the viewer is not built (no ${join(root, 'index.html')}): run \`npm run build\`, then reload`, { 'retry-after': '10' });
        } else notFound(res);
        return;
      }
      const file = resolve(realRoot, ...segments);
      if (!file.startsWith(realRoot + sep)) {
        notFound(res);
        return;
      }
      let real: string;
      try {
        real = await realpath(file);
      } catch {
        if (rel === '/index.html') sendText(res, 503, `the viewer is not built (no ${file}): run \`npm run build\`, then reload`, { 'retry-after': '10' });
        else notFound(res);
        return;
      }
      if (!real.startsWith(realRoot + sep)) {
        notFound(res); // a symbolic link that leads out of the viewer directory
        return;
      }
      const st = await stat(real).catch(() => undefined);
      if (!st?.isFile()) {
        notFound(res);
        return;
      }
      const etag = `W/"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}"`;
      const headers: Record<string, string | number> = {
        'content-type': CONTENT_TYPES[extname(real).toLowerCase()] ?? 'application/octet-stream',
        'cache-control': rel !== '/index.html' && FINGERPRINTED.test(real) ? 'public, max-age=31536000, immutable' : 'no-cache',
        etag,
        'last-modified': st.mtime.toUTCString(),
        'x-content-type-options': 'nosniff',
      };
      if (req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers);
        res.end();
        return;
      }
      headers['content-length'] = st.size;
      res.writeHead(200, headers);
      if (req.method === 'HEAD') {
        res.end();
        return;
      }
      const stream = createReadStream(real);
      stream.on('error', () => res.destroy());
      stream.pipe(res);
    },
  };
}
