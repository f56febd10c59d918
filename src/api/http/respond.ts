// Writing responses: JSON bodies, Status errors and Warning headers.

import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { errors, StatusError } from '../../util/status-errors.js';

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Any thrown value becomes a Status; unexpected ones are 500s (and logged by the caller). */
export function toStatusError(e: unknown): StatusError {
  if (e instanceof StatusError) return e;
  return errors.internal(e instanceof Error ? e.message : String(e));
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = toStatusError(e);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, err.code, err.toStatus());
}

/** `Warning: 299 - "text"` headers; kubectl prints each as `Warning: text`. */
export function setWarnings(res: ServerResponse, warnings: string[]): void {
  if (!warnings.length) return;
  res.setHeader('Warning', [...new Set(warnings)].map((w) => `299 - ${JSON.stringify(w)}`));
}

/** Answers an upgrade request with a plain HTTP Status instead of switching protocols. */
export function refuseUpgrade(socket: Duplex, err: StatusError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}
