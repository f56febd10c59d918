// Ingress and IngressClass with the real kubectl: the API only (no controller routes them) —
// the typed `kubectl create ingress` (protobuf), apply, get, describe, explain, and bad rules
// refused with the API server's messages.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, rows } from './harness.js';

describe('Ingress and IngressClass with kubectl (API only)', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start(['--disable', 'node,proxy,dns']);
  });
  after(async () => {
    await t?.destroy();
  });

  it('creates an IngressClass and Ingresses with the typed command and apply; get, describe, explain', () => {
    t.k(['apply', '-f', t.manifest('class.yaml', 'apiVersion: networking.k8s.io/v1\nkind: IngressClass\nmetadata: {name: nginx}\nspec: {controller: k8s.io/ingress-nginx}\n')]);
    assert.deepEqual(rows(t.k('get ingressclass'))[0].slice(0, 3), ['nginx', 'k8s.io/ingress-nginx', '<none>']);
    assert.match(t.k(['create', 'ingress', 'simple', '--class=nginx', '--rule=foo.com/bar*=svc1:8080', '--rule=secure.com/=svc2:https,tls=cert']), /ingress.networking.k8s.io\/simple created/);
    // No controller: ADDRESS stays empty.
    assert.match(t.k('get ing simple'), /^simple\s+nginx\s+foo\.com,secure\.com\s+80, 443\s+\d+s$/m);
    assert.equal(t.k('get ing simple -o jsonpath={.spec.rules[0].http.paths[0].pathType}/{.spec.rules[1].http.paths[0].backend.service.port.name}'), 'Prefix/https');
    assert.match(t.k('describe ing simple'), /foo\.com\s+\n?\s*\/bar\s+svc1:8080/);
    assert.match(t.k('explain ingress.spec.rules.http.paths.pathType'), /FIELD: pathType <string>/);
  });

  it('refuses bad rules with the API server\'s messages and stores nothing', () => {
    const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: bad}
spec:
  rules:
  - host: 10.0.0.1
    http:
      paths:
      - path: relative
        pathType: Prefix
        backend: {service: {name: svc, port: {name: http, number: 80}}}
`;
    const r = t.kubectl(['apply', '-f', t.manifest('bad-ing.yaml', bad)]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Ingress "bad" is invalid: \n\* spec.rules\[0\].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address\n\* spec.rules\[0\].http.paths\[0\].path: Invalid value: "relative": must be an absolute path\n\* spec.rules\[0\].http.paths\[0\].backend.service.port: Invalid value: "http": cannot set both port name & port number/);
    assert.match(t.kubectl('get ing bad').stderr, /not found/);
    assert.match(t.k('api-resources --no-headers'), /^ingresses\s+ing\s+networking.k8s.io\/v1\s+true\s+Ingress$/m);
  });
});
