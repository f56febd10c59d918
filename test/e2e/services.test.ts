// The Service tutorials, step by step with the real kubectl: create every kind of Service,
// read it back the way kubectl prints it, change it, break it, delete it.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Tinykube, EXAMPLES, rows } from './harness.js';

describe('Services with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
  });
  after(async () => {
    await t?.destroy();
  });

  it('a fresh cluster has the system namespaces and the kubernetes Service', () => {
    const ns = rows(t.k('get ns')).map((r) => r[0]);
    assert.deepEqual(ns.sort(), ['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const svc = rows(t.k('get svc kubernetes'));
    assert.deepEqual(svc[0].slice(0, 5), ['kubernetes', 'ClusterIP', '127.96.0.1', '<none>', '443/TCP']);
    const ep = rows(t.k('get endpoints kubernetes'))[0];
    assert.match(ep[1], /^127\.0\.0\.1:\d+$/);
    const slices = t.k('get endpointslices -l kubernetes.io/service-name=kubernetes -o jsonpath={.items[0].endpoints[0].addresses[0]}');
    assert.equal(slices, '127.0.0.1');
    assert.match(t.k('cluster-info'), /Kubernetes control plane is running at https:\/\/127\.0\.0\.1:\d+/);
    assert.match(t.k('version'), /Server Version: v1\.32\.0-tinykube/);
  });

  it('discovery gives kubectl its short names and the all category', () => {
    const resources = t.k('api-resources');
    for (const line of [/^services\s+svc\s+v1\s+true\s+Service$/m, /^endpointslices\s+discovery\.k8s\.io\/v1\s+true\s+EndpointSlice$/m, /^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m]) {
      assert.match(resources, line);
    }
    assert.match(t.k('api-versions'), /^discovery\.k8s\.io\/v1$/m);
    const cs = t.kubectl('get cs');
    assert.equal(cs.code, 0, cs.stderr);
    assert.match(cs.stdout, /etcd-0\s+Healthy/);
  });

  it('applies the tutorial manifests and prints them as Kubernetes does', () => {
    for (const f of ['clusterip', 'nodeport', 'loadbalancer', 'externalname', 'headless', 'multiport']) {
      assert.match(t.k(['apply', '-f', join(EXAMPLES, `${f}.yaml`)]), /created/);
    }
    const table = Object.fromEntries(rows(t.k('get svc -o wide')).map((r) => [r[0], r]));
    assert.equal(table['my-service'][1], 'ClusterIP');
    assert.match(table['my-service'][2], /^127\.96\.\d+\.\d+$/);
    assert.equal(table['my-service'][4], '80/TCP');
    assert.equal(table['my-service'][6], 'app.kubernetes.io/name=MyApp');
    assert.equal(table['my-nodeport'][4], '80:30008/TCP');
    assert.deepEqual(table['my-lb'].slice(1, 2), ['LoadBalancer']);
    assert.match(table['my-lb'][3], /^127\.240\.0\.([1-9]\d*)$/, 'an address from the default pool, not its network address');
    assert.equal(table['my-lb'][4], '80:31771/TCP');
    assert.deepEqual(table['my-database'].slice(1, 4), ['ExternalName', '<none>', 'my.database.example.com']);
    assert.equal(table['myapp-headless'][2], 'None');
    assert.equal(table['my-multiport'][4], '80/TCP,443/TCP');

    const lb = JSON.parse(t.k('get svc my-lb -o json'));
    assert.equal(lb.spec.ports[0].targetPort, 'http');
    assert.equal(lb.spec.externalTrafficPolicy, 'Cluster');
    assert.equal(lb.spec.sessionAffinity, 'None');
    assert.deepEqual(lb.spec.ipFamilies, ['IPv4']);
    assert.equal(lb.spec.clusterIPs[0], lb.spec.clusterIP);
  });

  it('apply again is unchanged; a changed manifest is configured and merged', () => {
    assert.match(t.k(['apply', '-f', join(EXAMPLES, 'multiport.yaml')]), /service\/my-multiport unchanged/);
    const changed = t.manifest('multiport-2.yaml', `apiVersion: v1
kind: Service
metadata:
  name: my-multiport
spec:
  selector:
    app.kubernetes.io/name: MyApp
  ports:
    - name: http
      protocol: TCP
      port: 8080
      targetPort: 9376
`);
    assert.match(t.k(['apply', '-f', changed]), /service\/my-multiport configured/);
    const svc = JSON.parse(t.k('get svc my-multiport -o json'));
    assert.deepEqual(svc.spec.ports.map((p: { port: number }) => p.port), [8080]);
    const last = JSON.parse(svc.metadata.annotations['kubectl.kubernetes.io/last-applied-configuration']);
    assert.equal(last.spec.ports[0].port, 8080);
  });

  it('describe shows what kubectl describe shows', () => {
    const d = t.k('describe svc my-nodeport');
    assert.match(d, /^Name:\s+my-nodeport$/m);
    assert.match(d, /^Type:\s+NodePort$/m);
    assert.match(d, /^NodePort:\s+<unset>\s+30008\/TCP$/m);
    assert.match(d, /^Session Affinity:\s+None$/m);
  });

  it('refuses bad Services with Kubernetes wording and keeps what is stored', () => {
    const before = t.k('get svc my-service -o json');
    const bad = t.manifest('bad.yaml', `apiVersion: v1
kind: Service
metadata:
  name: Bad_Svc
spec:
  ports:
    - port: 70000
`);
    const r = t.kubectl(['apply', '-f', bad]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /The Service "Bad_Svc" is invalid: /);
    assert.match(r.stderr, /metadata\.name: Invalid value: "Bad_Svc": a DNS-1035 label must consist of lower case alphanumeric characters/);
    assert.match(r.stderr, /spec\.ports\[0\]\.port: Invalid value: 70000: must be between 1 and 65535, inclusive/);

    const taken = t.manifest('taken.yaml', `apiVersion: v1
kind: Service
metadata:
  name: another-nodeport
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30008
`);
    const r2 = t.kubectl(['apply', '-f', taken]);
    assert.equal(r2.code, 1);
    assert.match(r2.stderr, /spec\.ports\[0\]\.nodePort: Invalid value: 30008: provided port is already allocated/);

    const typo = t.manifest('typo.yaml', `apiVersion: v1
kind: Service
metadata:
  name: typo
spec:
  prots:
    - port: 80
`);
    const r3 = t.kubectl(['apply', '-f', typo]);
    assert.equal(r3.code, 1);
    assert.match(r3.stderr, /strict decoding error: unknown field "spec\.prots"/);

    const r4 = t.kubectl('get svc nosuch');
    assert.equal(r4.code, 1);
    assert.match(r4.stderr, /Error from server \(NotFound\): services "nosuch" not found/);

    const r5 = t.kubectl(['create', '-f', join(EXAMPLES, 'clusterip.yaml')]);
    assert.equal(r5.code, 1);
    assert.match(r5.stderr, /Error from server \(AlreadyExists\): error when creating ".*clusterip\.yaml": services "my-service" already exists/);

    assert.equal(t.k('get svc my-service -o json'), before);
    assert.equal(t.kubectl('get svc another-nodeport').code, 1);
  });

  it('typed create commands send protobuf and work', () => {
    assert.match(t.k('create namespace test01'), /namespace\/test01 created/);
    assert.match(t.k('create service nodeport hello --tcp=80:8080 -n test01'), /service\/hello created/);
    const svc = JSON.parse(t.k('get svc hello -n test01 -o json'));
    assert.equal(svc.spec.type, 'NodePort');
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.ok(svc.spec.ports[0].nodePort >= 30000 && svc.spec.ports[0].nodePort <= 32767);
    assert.match(t.k('create deployment hello --image=nginx --port=80 -n test01'), /deployment\.apps\/hello created/);
    assert.equal(t.k('get deploy hello -n test01 -o jsonpath={.spec.template.spec.containers[0].image}'), 'nginx');
    assert.match(t.k('create service externalname ext --external-name=example.com -n test01'), /created/);
  });

  it('label, annotate, patch, replace and selectors', () => {
    t.k('label svc my-service tier=backend');
    t.k('annotate svc my-service owner=team-a');
    assert.deepEqual(rows(t.k('get svc -l tier=backend')).map((r) => r[0]), ['my-service']);
    assert.deepEqual(rows(t.k('get svc -l "tier in (backend,frontend)"')).map((r) => r[0]), ['my-service']);
    assert.match(t.k('get svc --show-labels my-service'), /tier=backend/);
    assert.deepEqual(rows(t.k('get svc --field-selector metadata.name=my-nodeport')).map((r) => r[0]), ['my-nodeport']);

    t.k(['patch', 'svc', 'my-service', '-p', '{"spec":{"ports":[{"port":80,"targetPort":9999}]}}']);
    assert.equal(t.k('get svc my-service -o jsonpath={.spec.ports[0].targetPort}'), '9999');
    t.k(['patch', 'svc', 'my-service', '--type=merge', '-p', '{"metadata":{"labels":{"tier":null}}}']);
    assert.doesNotMatch(t.k('get svc my-service --show-labels'), /tier=/);
    t.k(['patch', 'svc', 'my-service', '--type=json', '-p', '[{"op":"replace","path":"/spec/sessionAffinity","value":"ClientIP"}]']);
    const svc = JSON.parse(t.k('get svc my-service -o json'));
    assert.equal(svc.spec.sessionAffinity, 'ClientIP');
    assert.equal(svc.spec.sessionAffinityConfig.clientIP.timeoutSeconds, 10800);

    svc.metadata.labels = { replaced: 'yes' };
    assert.match(t.k(['replace', '-f', '-'], JSON.stringify(svc)), /replaced/);
    assert.match(t.k('get svc my-service --show-labels'), /replaced=yes/);

    const stale = { ...svc, metadata: { ...svc.metadata, labels: { stale: 'yes' } } };
    const r = t.kubectl(['replace', '-f', '-'], JSON.stringify(stale));
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Conflict.*the object has been modified/);
  });

  it('clusterIP is immutable; type changes allocate and release', () => {
    const r = t.kubectl(['patch', 'svc', 'my-service', '-p', '{"spec":{"clusterIP":"127.96.200.200"}}']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /spec\.clusterIPs\[0\]: Invalid value: \[\]string\{"127\.96\.200\.200"\}: may not change once set/);

    const ip = t.k('get svc my-nodeport -o jsonpath={.spec.clusterIP}');
    t.k(['patch', 'svc', 'my-nodeport', '-p', '{"spec":{"type":"LoadBalancer"}}']);
    assert.equal(t.k('get svc my-nodeport -o jsonpath={.spec.clusterIP}'), ip);
    assert.equal(t.k('get svc my-nodeport -o jsonpath={.spec.ports[0].nodePort}'), '30008');
    t.k(['patch', 'svc', 'my-nodeport', '--type=merge', '-p', '{"spec":{"type":"ExternalName","externalName":"db.example.com","clusterIP":null,"clusterIPs":null,"ports":null,"externalTrafficPolicy":null,"ipFamilies":null,"ipFamilyPolicy":null,"internalTrafficPolicy":null,"sessionAffinity":null,"allocateLoadBalancerNodePorts":null}}']);
    assert.equal(t.k('get svc my-nodeport -o jsonpath={.spec.clusterIP}'), '');
    // The released nodePort can be taken by another Service now.
    const again = t.manifest('again.yaml', `apiVersion: v1
kind: Service
metadata:
  name: takes-30008
spec:
  type: NodePort
  ports:
    - port: 80
      nodePort: 30008
`);
    assert.match(t.k(['apply', '-f', again]), /created/);
  });

  it('server-side apply owns fields and removes what the manifest drops', () => {
    const m = (ports: string) => t.manifest('ssa.yaml', `apiVersion: v1
kind: Service
metadata:
  name: ssa
spec:
  selector:
    app: ssa
  ports:
${ports}`);
    const two = m('    - name: a\n      port: 80\n    - name: b\n      port: 81\n');
    assert.match(t.k(['apply', '--server-side', '-f', two]), /service\/ssa serverside-applied/);
    const one = m('    - name: a\n      port: 80\n');
    assert.match(t.k(['apply', '--server-side', '-f', one]), /serverside-applied/);
    assert.deepEqual(JSON.parse(t.k('get svc ssa -o json')).spec.ports.map((p: { name: string }) => p.name), ['a']);
    t.k(['patch', 'svc', 'ssa', '--field-manager=other', '-p', '{"spec":{"ports":[{"port":80,"targetPort":8888}]}}']);
    const conflict = m('    - name: a\n      port: 80\n      targetPort: 7777\n');
    const r = t.kubectl(['apply', '--server-side', '-f', conflict]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /conflict/i);
    assert.match(t.k(['apply', '--server-side', '--force-conflicts', '-f', conflict]), /serverside-applied/);
    assert.equal(t.k('get svc ssa -o jsonpath={.spec.ports[0].targetPort}'), '7777');
  });

  it('dry run stores nothing', () => {
    const dry = t.manifest('dry.yaml', 'apiVersion: v1\nkind: Service\nmetadata:\n  name: dry\nspec:\n  ports:\n    - port: 80\n');
    assert.match(t.k(['create', '-f', dry, '--dry-run=server']), /created \(server dry run\)/);
    assert.equal(t.kubectl('get svc dry').code, 1);
  });

  it('delete by name, -f, -l and --all', () => {
    assert.match(t.k('delete svc my-service'), /service "my-service" deleted/);
    assert.match(t.k(['delete', '-f', join(EXAMPLES, 'headless.yaml')]), /deleted/);
    t.k('label svc my-lb group=gone');
    assert.match(t.k('delete svc -l group=gone'), /service "my-lb" deleted/);
    const r = t.kubectl('delete svc nosuch');
    assert.match(r.stderr, /services "nosuch" not found/);
    t.k('delete svc --all -n test01');
    assert.match(t.kubectl('get svc -n test01').stderr, /No resources found in test01 namespace/);
  });

  it('deleting a namespace removes what is in it, then the namespace', () => {
    t.k('create namespace doomed');
    t.k(['apply', '-n', 'doomed', '-f', join(EXAMPLES, 'clusterip.yaml')]);
    assert.match(t.k('delete namespace doomed --timeout=20s'), /namespace "doomed" deleted/);
    assert.equal(t.kubectl('get ns doomed').code, 1);
    assert.match(t.kubectl('get svc -n doomed').stderr, /No resources found/);
    const r = t.kubectl(['apply', '-n', 'nosuchns', '-f', join(EXAMPLES, 'clusterip.yaml')]);
    assert.match(r.stderr, /namespaces "nosuchns" not found/);
  });
});
