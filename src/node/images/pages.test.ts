import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pageAnswer, udpAnswer, type RequestView } from './pages.js';
import { accessLogLine, nginxTime } from './serve.js';
import type { BuiltinSpec } from './spec.js';

const pod = { name: 'web-7d4', namespace: 'default', ip: '127.244.0.9' };
const get = (url: string): RequestView => ({ method: 'GET', url, httpVersion: '1.1', client: '127.0.0.1:4000', headers: { 'user-agent': 'curl/8' } });
const spec = (kind: BuiltinSpec['kind'], extra: Partial<BuiltinSpec> = {}): BuiltinSpec => ({ kind, host: pod.ip, listeners: [], ...extra });

describe('pageAnswer', () => {
  const cases: { name: string; spec: BuiltinSpec; url: string; status: number; body: RegExp | string }[] = [
    { name: 'myapp /', spec: spec('myapp', { version: 'v2' }), url: '/', status: 200, body: 'Hello MyApp | Version: v2 | <a href="hostname.html">Pod Name</a>\n' },
    { name: 'myapp /index.html', spec: spec('myapp'), url: '/index.html', status: 200, body: /Version: v1 / },
    { name: 'myapp /hostname.html', spec: spec('myapp'), url: '/hostname.html?x=1', status: 200, body: 'web-7d4\n' },
    { name: 'myapp elsewhere: nginx 404', spec: spec('myapp'), url: '/nope', status: 404, body: /404 Not Found.*nginx\/1\.12\.2/s },
    { name: 'nginx welcome page', spec: spec('nginx'), url: '/', status: 200, body: /<title>Welcome to nginx!<\/title>/ },
    { name: 'nginx 404', spec: spec('nginx'), url: '/x', status: 404, body: /<title>404 Not Found<\/title>/ },
    { name: 'tomcat', spec: spec('tomcat'), url: '/', status: 200, body: /Apache Tomcat.*web-7d4/s },
    { name: 'hello-app', spec: spec('hello-app', { version: '1.0.0' }), url: '/', status: 200, body: 'Hello, world!\nVersion: 1.0.0\nHostname: web-7d4\n' },
    { name: 'node-hello', spec: spec('node-hello'), url: '/', status: 200, body: 'Hello Kubernetes!' },
    { name: 'http-echo', spec: spec('http-echo', { text: 'apple' }), url: '/any', status: 200, body: 'apple\n' },
    { name: 'serve-hostname', spec: spec('serve-hostname'), url: '/', status: 200, body: 'web-7d4' },
    { name: 'hpa-example (php-apache)', spec: spec('hpa-example'), url: '/', status: 200, body: 'OK!' },
    { name: 'echo: pod and request', spec: spec('echo', { image: 'mycorp/app' }), url: '/a?b=1', status: 200, body: /Hostname: web-7d4\n.*image: mycorp\/app.*client_address=127\.0\.0\.1:4000.*request_uri=\/a\?b=1.*user-agent=curl\/8/s },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = pageAnswer(c.spec, pod, get(c.url));
      assert.equal(a.status, c.status);
      if (typeof c.body === 'string') assert.equal(a.body, c.body);
      else assert.match(a.body, c.body);
    });
  }
});

describe('udpAnswer', () => {
  const cases: [string, BuiltinSpec, string | undefined][] = [
    ['serve-hostname answers its name', spec('serve-hostname'), 'web-7d4'],
    ['echo answers name, client and message', spec('echo'), 'web-7d4 127.0.0.1:5 hi'],
    ['nginx has no UDP', spec('nginx'), undefined],
  ];
  for (const [name, s, want] of cases) it(name, () => assert.equal(udpAnswer(s, pod, 'hi', '127.0.0.1:5'), want));
});

describe('access log', () => {
  it('nginx time', () => assert.equal(nginxTime(new Date('2026-03-04T05:06:07Z')), '04/Mar/2026:05:06:07 +0000'));
  it('combined format', () =>
    assert.equal(
      accessLogLine(get('/hostname.html'), 200, 8, new Date('2026-03-04T05:06:07Z')),
      '127.0.0.1 - - [04/Mar/2026:05:06:07 +0000] "GET /hostname.html HTTP/1.1" 200 8 "-" "curl/8"',
    ));
});
