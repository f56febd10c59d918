// What the tutorial images print to their log, as the real ones do: their start-up lines once
// they listen, and Werkzeug's request lines for the Flask backend. Pure functions.

import { pgLogLine } from './postgres.js';
import type { PodInfo, RequestView } from './pages.js';
import type { BuiltinSpec } from './spec.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number): string => String(n).padStart(2, '0');

/** Werkzeug's request line: `10.244.0.1 - - [05/Dec/2026 04:50:00] "GET /healthy HTTP/1.1" 200 -` */
export function werkzeugLine(req: RequestView, status: number, at: Date): string {
  const ip = req.client.slice(0, req.client.lastIndexOf(':'));
  const when = `${pad(at.getUTCDate())}/${MONTHS[at.getUTCMonth()]}/${at.getUTCFullYear()} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}`;
  return `${ip} - - [${when}] "${req.method} ${req.url} HTTP/${req.httpVersion}" ${status} -`;
}

/** The image's own lines once it listens on `port`; undefined for images that print none of
 *  their own (the generic "listening on" lines are logged instead). */
export function startupLines(spec: BuiltinSpec, pod: PodInfo, port: number, at: Date): string[] | undefined {
  switch (spec.kind) {
    case 'postgres':
      return [
        pgLogLine(at, 1, 'LOG', 'starting PostgreSQL 17.2 (Debian 17.2-1.pgdg120+1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit'),
        pgLogLine(at, 1, 'LOG', `listening on IPv4 address "0.0.0.0", port ${port}`),
        pgLogLine(at, 1, 'LOG', `listening on Unix socket "/var/run/postgresql/.s.PGSQL.${port}"`),
        pgLogLine(at, 1, 'LOG', 'database system is ready to accept connections'),
      ];
    case 'flask-backend':
      return [
        " * Serving Flask app 'app'",
        ' * Debug mode: off',
        'WARNING: This is a development server. Do not use it in a production deployment. Use a production WSGI server instead.',
        ' * Running on all addresses (0.0.0.0)',
        ` * Running on http://127.0.0.1:${port}`,
        ` * Running on http://${pod.ip}:${port}`,
        'Press CTRL+C to quit',
      ];
    case 'react-frontend':
      return [
        'yarn run v1.22.19',
        '$ react-scripts start',
        'Starting the development server...',
        '',
        'Compiled successfully!',
        '',
        'You can now view frontend in the browser.',
        '',
        `  Local:            http://localhost:${port}`,
        `  On Your Network:  http://${pod.ip}:${port}`,
        '',
        'Note that the development build is not optimized.',
        'To create a production build, use yarn build.',
        '',
        'webpack compiled successfully',
      ];
    default:
      return undefined;
  }
}
