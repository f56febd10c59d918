import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pods, type Pod } from './pods.js';

const NOW = new Date('2024-01-01T01:00:00Z');
const T0 = '2024-01-01T00:00:00Z';

function pod(over: Partial<Pod> = {}): Pod {
  return {
    metadata: { name: 'web', namespace: 'default', creationTimestamp: T0 },
    spec: { containers: [{ name: 'app', image: 'nginx:1.25', ports: [{ containerPort: 80 }] }] },
    ...over,
  };
}

function created(over: Partial<Pod> = {}): Pod {
  const p = pod(over);
  pods.defaults!(p);
  pods.prepareForCreate!(p);
  return p;
}

const messages = (p: Pod, old?: Pod): string[] => pods.validate!(p, old).map((e) => `${e.field}: ${e.message}`);

describe('pods defaults', () => {
  it('fills what Kubernetes fills', () => {
    const p = created();
    const c = p.spec!.containers![0];
    assert.equal(p.spec!.restartPolicy, 'Always');
    assert.equal(p.spec!.dnsPolicy, 'ClusterFirst');
    assert.equal(p.spec!.terminationGracePeriodSeconds, 30);
    assert.equal(p.spec!.schedulerName, 'default-scheduler');
    assert.equal(p.spec!.enableServiceLinks, true);
    assert.equal(p.spec!.serviceAccountName, 'default');
    assert.equal(c.imagePullPolicy, 'IfNotPresent');
    assert.equal(c.terminationMessagePath, '/dev/termination-log');
    assert.equal(c.ports![0].protocol, 'TCP');
    assert.deepEqual(p.status, { phase: 'Pending', qosClass: 'BestEffort' });
  });
  const pulls: { name: string; image: string; want: string }[] = [
    { name: 'no tag', image: 'nginx', want: 'Always' },
    { name: 'latest', image: 'nginx:latest', want: 'Always' },
    { name: 'tag', image: 'registry:5000/nginx:1.2', want: 'IfNotPresent' },
    { name: 'registry port, no tag', image: 'registry:5000/nginx', want: 'Always' },
    { name: 'digest', image: 'nginx@sha256:abc', want: 'IfNotPresent' },
  ];
  for (const c of pulls)
    it(`imagePullPolicy: ${c.name}`, () => {
      const p = created({ spec: { containers: [{ name: 'a', image: c.image }] } });
      assert.equal(p.spec!.containers![0].imagePullPolicy, c.want);
    });
});

describe('pods validation', () => {
  const cases: { name: string; pod: Pod; want: string[] }[] = [
    { name: 'valid', pod: created(), want: [] },
    {
      name: 'no containers',
      pod: created({ spec: { containers: [] } }),
      want: ['spec.containers: Required value'],
    },
    {
      name: 'bad and duplicate container names, missing image',
      pod: created({ spec: { containers: [{ name: 'a', image: 'x' }, { name: 'a' }, { name: 'B', image: 'x' }] } }),
      want: [
        'spec.containers[1].name: Duplicate value: "a"',
        'spec.containers[1].image: Required value',
        `spec.containers[2].name: Invalid value: "B": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    },
    {
      name: 'port out of range and bad protocol',
      pod: created({ spec: { containers: [{ name: 'a', image: 'x', ports: [{ containerPort: 70000, protocol: 'ICMP' }] }] } }),
      want: [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
        'spec.containers[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
      ],
    },
    {
      name: 'restartPolicy',
      pod: created({ spec: { restartPolicy: 'Sometimes', containers: [{ name: 'a', image: 'x' }] } }),
      want: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'],
    },
    {
      name: 'name is a subdomain',
      pod: created({ metadata: { name: 'web.1', namespace: 'default' } }),
      want: [],
    },
  ];
  for (const c of cases) it(c.name, () => assert.deepEqual(messages(c.pod), c.want));

  it('an update may change images', () => {
    const old = created();
    const p = structuredClone(old);
    p.spec!.containers![0].image = 'nginx:1.26';
    assert.deepEqual(messages(p, old), []);
  });
  it('an update may not change other spec fields', () => {
    const old = created();
    const p = structuredClone(old);
    p.spec!.restartPolicy = 'Never';
    const [msg] = messages(p, old);
    assert.match(msg, /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/);
    assert.match(msg, /spec\.restartPolicy/);
  });
  it('an update may add tolerations', () => {
    const old = created();
    const p = structuredClone(old);
    p.spec!.tolerations!.push({ key: 'x', operator: 'Exists' });
    assert.deepEqual(messages(p, old), []);
  });
});

describe('pods table', () => {
  type Statuses = NonNullable<Pod['status']>;
  const cases: { name: string; status: Statuses; deleting?: boolean; want: unknown[] }[] = [
    { name: 'pending', status: { phase: 'Pending' }, want: ['0/1', 'Pending', '0'] },
    {
      name: 'running and ready',
      status: {
        phase: 'Running',
        podIPs: [{ ip: '10.244.0.11' }],
        containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: {} } }],
      },
      want: ['1/1', 'Running', '0'],
    },
    {
      name: 'crash loop with restarts',
      status: {
        phase: 'Running',
        containerStatuses: [
          {
            name: 'app',
            ready: false,
            restartCount: 5,
            state: { waiting: { reason: 'CrashLoopBackOff' } },
            lastState: { terminated: { exitCode: 1, finishedAt: '2024-01-01T00:55:00Z' } },
          },
        ],
      },
      want: ['0/1', 'CrashLoopBackOff', '5 (5m ago)'],
    },
    {
      name: 'completed',
      status: { phase: 'Succeeded', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
      want: ['0/1', 'Completed', '0'],
    },
    {
      name: 'exit code without reason',
      status: { phase: 'Failed', containerStatuses: [{ name: 'app', state: { terminated: { exitCode: 2 } } }] },
      want: ['0/1', 'ExitCode:2', '0'],
    },
    {
      name: 'terminating',
      status: { phase: 'Running', containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }] },
      deleting: true,
      want: ['1/1', 'Terminating', '0'],
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const p = pod({ status: c.status });
      if (c.deleting) p.metadata.deletionTimestamp = T0;
      const row = pods.row(p, NOW);
      assert.equal(row.length, pods.columns.length);
      assert.deepEqual(row.slice(1, 4), c.want);
      assert.equal(row[4], '60m');
    });
  it('wide cells', () => {
    const p = pod({ status: { phase: 'Running', podIPs: [{ ip: '10.244.0.11' }] } });
    p.spec!.nodeName = 'node1';
    assert.deepEqual(pods.row(p, NOW).slice(5), ['10.244.0.11', 'node1', '<none>', '<none>']);
    assert.deepEqual(pods.row(pod(), NOW).slice(5), ['<none>', '<none>', '<none>', '<none>']);
  });
  it('selectable fields', () => {
    const p = created({ status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] } });
    p.status = { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] };
    const f = pods.selectableFields!(p);
    assert.equal(f['status.phase'], 'Running');
    assert.equal(f['spec.nodeName'], '');
    assert.equal(f['status.podIP'], '10.0.0.1');
    assert.equal(f['spec.restartPolicy'], 'Always');
  });
});
