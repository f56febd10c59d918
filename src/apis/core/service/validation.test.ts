import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultService } from './defaults.js';
import { prepareServiceForCreate, prepareServiceForUpdate } from './strategy.js';
import type { Service, ServiceSpec } from './types.js';
import { validateService } from './validation.js';

function svc(spec: Partial<ServiceSpec>, name = 'web'): Service {
  const s: Service = { metadata: { name, namespace: 'default' }, spec: { ports: [{ port: 80 }], selector: { app: 'web' }, ...spec } };
  defaultService(s);
  prepareServiceForCreate(s);
  return s;
}

const messages = (s: Service, old?: Service): string[] => validateService(s, old).map((e) => `${e.field}: ${e.message}`);

test('validateService on create', () => {
  const cases: { name: string; svc: Service; want: string[] }[] = [
    { name: 'a minimal ClusterIP service', svc: svc({}), want: [] },
    {
      name: 'name must be a DNS-1035 label',
      svc: svc({}, '1web'),
      want: [
        `metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
      ],
    },
    { name: 'ports required', svc: svc({ ports: [] }), want: ['spec.ports: Required value'] },
    { name: 'headless needs no ports', svc: svc({ ports: [], clusterIP: 'None' }), want: [] },
    {
      name: 'port out of range',
      svc: svc({ ports: [{ port: 70000 }] }),
      want: [
        'spec.ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    },
    {
      name: 'names required when several ports, and unique',
      svc: svc({ ports: [{ port: 80 }, { port: 81, name: 'a' }, { port: 82, name: 'a' }] }),
      want: ['spec.ports[0].name: Required value', 'spec.ports[2].name: Duplicate value: "a"'],
    },
    {
      name: 'protocol not supported',
      svc: svc({ ports: [{ port: 80, protocol: 'HTTP' }] }),
      want: ['spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'],
    },
    { name: 'named targetPort', svc: svc({ ports: [{ port: 80, targetPort: 'http' }] }), want: [] },
    {
      name: 'bad targetPort name',
      svc: svc({ ports: [{ port: 80, targetPort: 'HTTP--x' }] }),
      want: [
        'spec.ports[0].targetPort: Invalid value: "HTTP--x": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
        'spec.ports[0].targetPort: Invalid value: "HTTP--x": must not contain consecutive hyphens',
      ],
    },
    {
      name: 'duplicate port and protocol',
      svc: svc({ ports: [{ port: 80, name: 'a' }, { port: 80, name: 'b' }] }),
      want: [
        'spec.ports[1]: Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
      ],
    },
    { name: 'same port, other protocol', svc: svc({ ports: [{ port: 53, name: 'a' }, { port: 53, name: 'b', protocol: 'UDP' }] }), want: [] },
    {
      name: 'nodePort on ClusterIP',
      svc: svc({ ports: [{ port: 80, nodePort: 30001 }] }),
      want: ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
    },
    {
      name: 'unknown type',
      svc: svc({ type: 'Magic' }),
      want: ['spec.type: Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"'],
    },
    {
      name: 'headless NodePort',
      svc: svc({ type: 'NodePort', clusterIP: 'None' }),
      want: [`spec.clusterIPs[0]: Invalid value: "None": may not be set to 'None' for NodePort services`],
    },
    {
      name: 'ExternalName needs externalName',
      svc: svc({ type: 'ExternalName', ports: [] }),
      want: ['spec.externalName: Required value'],
    },
    { name: 'ExternalName with a trailing dot', svc: svc({ type: 'ExternalName', externalName: 'db.example.com.' }), want: [] },
    {
      name: 'ExternalName with a clusterIP',
      svc: svc({ type: 'ExternalName', externalName: 'db.example.com', clusterIP: '10.0.0.1' }),
      want: ['spec.clusterIPs: Forbidden: may not be set for ExternalName services'],
    },
    {
      name: 'bad externalName',
      svc: svc({ type: 'ExternalName', externalName: 'Bad_Name' }),
      want: [
        `spec.externalName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
      ],
    },
    {
      name: 'session affinity value',
      svc: svc({ sessionAffinity: 'Sticky' }),
      want: ['spec.sessionAffinity: Unsupported value: "Sticky": supported values: "ClientIP", "None"'],
    },
    {
      name: 'session affinity timeout bounds',
      svc: svc({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
      want: ['spec.sessionAffinityConfig.clientIP.timeoutSeconds: Invalid value: 86401: must be greater than 0 and less than 86400'],
    },
    {
      name: 'bad clusterIP',
      svc: svc({ clusterIP: '10.0.0.300' }),
      want: ['spec.clusterIPs[0]: Invalid value: "10.0.0.300": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'],
    },
    {
      name: 'clusterIPs must follow clusterIP',
      svc: svc({ clusterIP: '10.0.0.1', clusterIPs: ['10.0.0.2'] }),
      want: ['spec.clusterIPs: Invalid value: []string{"10.0.0.2"}: first value must match `clusterIP`'],
    },
    {
      name: 'externalIPs',
      svc: svc({ externalIPs: ['1.2.3.4', '127.0.0.1', 'nope'] }),
      want: [
        'spec.externalIPs[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
        'spec.externalIPs[2]: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)',
      ],
    },
    {
      name: 'traffic policy values',
      svc: svc({ type: 'NodePort', externalTrafficPolicy: 'Nearby', internalTrafficPolicy: 'Far' }),
      want: [
        'spec.externalTrafficPolicy: Unsupported value: "Nearby": supported values: "Cluster", "Local"',
        'spec.internalTrafficPolicy: Unsupported value: "Far": supported values: "Cluster", "Local"',
      ],
    },
    {
      name: 'externalTrafficPolicy on an internal service',
      svc: svc({ externalTrafficPolicy: 'Local' }),
      want: ['spec.externalTrafficPolicy: Invalid value: "Local": may only be set for externally-accessible services'],
    },
    {
      name: 'loadBalancer fields on ClusterIP',
      svc: svc({ loadBalancerSourceRanges: ['10.0.0.0/8'], loadBalancerClass: 'x/y', allocateLoadBalancerNodePorts: false }),
      want: [
        "spec.LoadBalancerSourceRanges: Forbidden: may only be used when `type` is 'LoadBalancer'",
        "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used when `type` is 'LoadBalancer'",
        "spec.loadBalancerClass: Forbidden: may only be used when `type` is 'LoadBalancer'",
      ],
    },
    {
      name: 'bad source range',
      svc: svc({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/40'] }),
      want: ['spec.LoadBalancerSourceRanges[0]: Invalid value: "10.0.0.0/40": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'],
    },
    { name: 'a LoadBalancer with Local policy', svc: svc({ type: 'LoadBalancer', externalTrafficPolicy: 'Local' }), want: [] },
  ];
  for (const c of cases) assert.deepEqual(messages(c.svc), c.want, c.name);
});

test('validateService on update', () => {
  const stored = svc({ clusterIP: '10.96.0.5', type: 'NodePort', ports: [{ port: 80, nodePort: 30001 }] });
  stored.spec.ipFamilies = ['IPv4'];
  stored.spec.ipFamilyPolicy = 'SingleStack';
  stored.metadata.uid = 'u1';
  const update = (spec: Partial<ServiceSpec>): Service => {
    const s: Service = { metadata: { ...stored.metadata }, spec: { ports: [{ port: 80 }], selector: { app: 'web' }, type: 'NodePort', ...spec } };
    defaultService(s);
    prepareServiceForUpdate(s, stored);
    return s;
  };
  const cases: { name: string; svc: Service; want: string[] }[] = [
    { name: 'resubmitting the original manifest keeps allocated values', svc: update({}), want: [] },
    {
      name: 'clusterIP is immutable',
      svc: update({ clusterIP: '10.96.0.6' }),
      want: ['spec.clusterIPs[0]: Invalid value: []string{"10.96.0.6"}: may not change once set'],
    },
    { name: 'to ExternalName drops the cluster IP', svc: update({ type: 'ExternalName', externalName: 'db.example.com' }), want: [] },
    { name: 'to ClusterIP drops node ports', svc: update({ type: 'ClusterIP' }), want: [] },
    { name: 'to LoadBalancer', svc: update({ type: 'LoadBalancer' }), want: [] },
  ];
  for (const c of cases) assert.deepEqual(messages(c.svc, stored), c.want, c.name);

  const s = update({});
  assert.equal(s.spec.clusterIP, '10.96.0.5');
  assert.deepEqual(s.spec.clusterIPs, ['10.96.0.5']);
  assert.equal(s.spec.ports?.[0].nodePort, 30001);
  const toName = update({ type: 'ExternalName', externalName: 'db.example.com' });
  assert.equal(toName.spec.clusterIP, undefined);
  assert.equal(toName.spec.ipFamilies, undefined);
  assert.equal(toName.spec.externalTrafficPolicy, undefined);
  assert.equal(update({ type: 'ClusterIP' }).spec.ports?.[0].nodePort, undefined);
});
