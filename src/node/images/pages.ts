// The HTTP answers of the built-in images that need nothing but the request: pure functions of
// (spec, pod, request). netexec, which runs commands and exits, lives in netexec.ts.

import type { BuiltinSpec } from './spec.js';

export interface PodInfo {
  name: string;
  namespace: string;
  ip: string;
  /** The container's environment, for images configured by it (postgres). */
  env?: Record<string, string | undefined>;
}

export interface RequestView {
  method: string;
  /** Path and query, as sent. */
  url: string;
  httpVersion: string;
  /** `ip:port` of the client. */
  client: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** The nginx inside the ikubernetes/myapp images. */
const MYAPP_NGINX_VERSION = 'nginx/1.12.2';

// The body of nginx's stock index.html, the same in every version.
const NGINX_WELCOME_BODY = `<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

// nginx's stock index.html, which tutorials check by its title.
const NGINX_WELCOME = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
${NGINX_WELCOME_BODY}`;

// The same page before nginx 1.21 (the 612 bytes that old tutorials show).
const NGINX_WELCOME_OLD = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
    body {
        width: 35em;
        margin: 0 auto;
        font-family: Tahoma, Verdana, Arial, sans-serif;
    }
</style>
</head>
<body>
${NGINX_WELCOME_BODY}`;

/** nginx's welcome page of that version. */
function nginxWelcome(version: string): string {
  const [major, minor] = version.split('.').map(Number);
  return major! < 1 || (major === 1 && minor! < 21) ? NGINX_WELCOME_OLD : NGINX_WELCOME;
}

/** lyzhang1999/backend: Flask 2 behind Werkzeug's development server. */
const FLASK_SERVER = 'Werkzeug/2.2.3 Python/3.8.16';
const WERKZEUG_NOT_FOUND = `<!doctype html>
<html lang=en>
<title>404 Not Found</title>
<h1>Not Found</h1>
<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>
`;

/** lyzhang1999/frontend: create-react-app's development server (webpack-dev-server on Express),
 *  which answers every page path with the app's index.html. */
const REACT_INDEX = `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <link rel="icon" href="/favicon.ico" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="theme-color" content="#000000" />
    <meta name="description" content="Web site created using create-react-app" />
    <title>React App</title>
  <script defer src="/static/js/bundle.js"></script></head>
  <body>
    <noscript>You need to enable JavaScript to run this app.</noscript>
    <div id="root"></div>
  </body>
</html>
`;

const json = (status: number, value: unknown): HttpAnswer => ({
  status,
  headers: { 'Content-Type': 'application/json', Server: FLASK_SERVER },
  body: `${JSON.stringify(value)}\n`,
});

function flaskBackend(pod: PodInfo, req: RequestView): HttpAnswer {
  const path = pathOf(req.url);
  if (path === '/healthy') return json(200, { healthy: true });
  if (path === '/host_name') return json(200, { host_name: pod.name });
  return { status: 404, headers: { 'Content-Type': 'text/html; charset=utf-8', Server: FLASK_SERVER }, body: WERKZEUG_NOT_FOUND };
}

const nginxNotFound = (server: string): string =>
  `<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`;

const html = (status: number, body: string, server?: string): HttpAnswer => ({
  status,
  headers: { 'Content-Type': 'text/html', ...(server ? { Server: server } : {}) },
  body,
});

const text = (body: string, status = 200): HttpAnswer => ({
  status,
  headers: { 'Content-Type': 'text/plain; charset=utf-8' },
  body,
});

const pathOf = (url: string): string => new URL(url, 'http://x').pathname;

/** nginx serving a document root of the given files. */
function staticSite(files: Record<string, string>, server: string, req: RequestView): HttpAnswer {
  let path = pathOf(req.url);
  if (path.endsWith('/')) path += 'index.html';
  const body = files[path];
  return body === undefined ? html(404, nginxNotFound(server), server) : html(200, body, server);
}

function echoText(spec: BuiltinSpec, pod: PodInfo, req: RequestView): string {
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `\t${k}=${Array.isArray(v) ? v.join(', ') : v}`)
    .join('\n');
  return [
    `Hostname: ${pod.name}`,
    '',
    'Pod Information:',
    `\tnamespace: ${pod.namespace}`,
    `\tpod IP: ${pod.ip}`,
    `\timage: ${spec.image ?? ''}`,
    '',
    'Request Information:',
    `\tclient_address=${req.client}`,
    `\tmethod=${req.method}`,
    `\trequest_uri=${req.url}`,
    `\trequest_version=${req.httpVersion}`,
    '',
    'Request Headers:',
    headers,
    '',
  ].join('\n');
}

/** registry.k8s.io/hpa-example's index.php: a million square roots, then `OK!`. The loop is
 *  the point: each request costs CPU, so load drives an HPA. */
function phpApache(): HttpAnswer {
  let x = 0.0001;
  for (let i = 0; i <= 1_000_000; i++) x += Math.sqrt(x);
  return { status: 200, headers: { 'Content-Type': 'text/html; charset=UTF-8', Server: 'Apache/2.4.10 (Debian)', 'X-Powered-By': 'PHP/5.6.40' }, body: Number.isFinite(x) ? 'OK!' : '' };
}

/** The answer of every built-in HTTP image except netexec. */
export function pageAnswer(spec: BuiltinSpec, pod: PodInfo, req: RequestView): HttpAnswer {
  switch (spec.kind) {
    case 'myapp':
      return staticSite(
        {
          '/index.html': `Hello MyApp | Version: ${spec.version ?? 'v1'} | <a href="hostname.html">Pod Name</a>\n`,
          '/hostname.html': `${pod.name}\n`,
        },
        MYAPP_NGINX_VERSION,
        req,
      );
    case 'nginx': {
      const version = spec.version ?? '1.27.3';
      return staticSite({ '/index.html': nginxWelcome(version) }, `nginx/${version}`, req);
    }
    case 'flask-backend':
      return flaskBackend(pod, req);
    case 'react-frontend':
      return { status: 200, headers: { 'X-Powered-By': 'Express', 'Content-Type': 'text/html; charset=utf-8' }, body: REACT_INDEX };
    case 'tomcat':
      return html(
        200,
        `<!DOCTYPE html>\n<html>\n<head><title>Apache Tomcat/8.0.35</title></head>\n<body>\n<h1>Apache Tomcat/8.0.35</h1>\n<p>If you're seeing this, you've successfully installed Tomcat. Congratulations!</p>\n<p>Served by pod ${pod.name}</p>\n</body>\n</html>\n`,
        'Apache-Coyote/1.1',
      );
    case 'hello-app':
      return text(`Hello, world!\nVersion: ${spec.version ?? '1.0.0'}\nHostname: ${pod.name}\n`);
    case 'node-hello':
      return text('Hello Kubernetes!');
    case 'http-echo':
      return text(`${spec.text ?? ''}\n`);
    case 'serve-hostname':
      return text(pod.name);
    case 'hpa-example':
      return phpApache();
    default:
      return text(echoText(spec, pod, req));
  }
}

/** The UDP answer of a built-in image (netexec's commands are in netexec.ts). */
export function udpAnswer(spec: BuiltinSpec, pod: PodInfo, message: string, client: string): string | undefined {
  if (spec.kind === 'serve-hostname') return pod.name;
  if (spec.kind === 'echo') return `${pod.name} ${client} ${message}`;
  return undefined;
}
