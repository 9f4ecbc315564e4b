/**
 * Writing HTTP answers: JSON bodies, plain text, and the one error shape of the manager's API,
 * `{ "error": { "code", "message", "hint" } }`.
 */
import type { ServerResponse } from 'node:http';

export type HttpErrorCode =
  | 'ECN_HTTP_NOT_FOUND'
  | 'ECN_HTTP_BAD_REQUEST'
  | 'ECN_HTTP_METHOD_NOT_ALLOWED'
  | 'ECN_HTTP_UNAUTHORIZED'
  | 'ECN_HTTP_FORBIDDEN_ORIGIN'
  | 'ECN_HTTP_INTERNAL';

export interface HttpErrorBody { error: { code: HttpErrorCode; message: string; hint: string } }

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendError(res: ServerResponse, status: number, code: HttpErrorCode, message: string, hint: string, headers: Record<string, string> = {}): void {
  const body: HttpErrorBody = { error: { code, message, hint } };
  sendJson(res, status, body, headers);
}

export function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  const body = text.endsWith('\n') ? text : text + '\n';
  res.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
