import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deployments, type Deployment } from './deployments.js';
import { replicaSets, type ReplicaSet } from './replicasets.js';

const NOW = new Date('2024-01-01T00:03:00Z');
const msgs = (errs: { field: string; message: string }[]): string[] => errs.map((e) => `${e.field}: ${e.message}`);

function deployment(over: Partial<Deployment['spec']> = {}): Deployment {
  const d: Deployment = {
    metadata: { name: 'webapp', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
    spec: {
      selector: { matchLabels: { app: 'webapp' } },
      template: { metadata: { labels: { app: 'webapp' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] } },
      ...over,
    },
  };
  deployments.defaults!(d);
  return d;
}

describe('deployments', () => {
  it('defaults as apps/v1 does', () => {
    const d = deployment();
    assert.equal(d.spec!.replicas, 1);
    assert.deepEqual(d.spec!.strategy, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } });
    assert.equal(d.spec!.revisionHistoryLimit, 10);
    assert.equal(d.spec!.progressDeadlineSeconds, 600);
    assert.equal(d.spec!.template!.spec!.restartPolicy, 'Always');
    assert.equal(d.spec!.template!.spec!.containers![0].imagePullPolicy, 'IfNotPresent');
  });

  const cases: { name: string; d: Deployment; want: string[] }[] = [
    { name: 'valid', d: deployment(), want: [] },
    {
      name: 'selector does not match the template',
      d: deployment({ selector: { matchLabels: { app: 'other' } } }),
      want: ['spec.template.metadata.labels: Invalid value: map[string]string{"app":"webapp"}: `selector` does not match template `labels`'],
    },
    {
      name: 'no selector',
      d: deployment({ selector: undefined }),
      want: ['spec.selector: Required value', 'spec.template.metadata.labels: Invalid value: map[string]string{"app":"webapp"}: `selector` does not match template `labels`'],
    },
    {
      name: 'empty selector',
      d: deployment({ selector: {} }),
      want: ['spec.selector: Invalid value: &v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'],
    },
    { name: 'negative replicas', d: deployment({ replicas: -1 }), want: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
    {
      name: 'restartPolicy must be Always',
      d: deployment({ template: { metadata: { labels: { app: 'webapp' } }, spec: { restartPolicy: 'Never', containers: [{ name: 'web', image: 'x' }] } } }),
      want: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'],
    },
    {
      name: 'missing image',
      d: deployment({ template: { metadata: { labels: { app: 'webapp' } }, spec: { containers: [{ name: 'web' }] } } }),
      want: ['spec.template.spec.containers[0].image: Required value'],
    },
    {
      name: 'zero surge and unavailability',
      d: deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } } }),
      want: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0'],
    },
    {
      name: 'bad expression operator',
      d: deployment({ selector: { matchLabels: { app: 'webapp' }, matchExpressions: [{ key: 'x', operator: 'Foo' }] } }),
      want: [
        'spec.selector.matchExpressions[0].operator: Invalid value: "Foo": not a valid selector operator',
        'spec.selector: Invalid value: &v1.LabelSelector{MatchLabels:map[string]string{"app":"webapp"}, MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"x", Operator:"Foo", Values:[]string(nil)}}}: invalid label selector',
      ],
    },
  ];
  for (const c of cases) it(`validates: ${c.name}`, () => assert.deepEqual(msgs(deployments.validate!(c.d)), c.want));

  it('the selector is immutable', () => {
    const old = deployment();
    const d = deployment({ selector: { matchLabels: { app: 'webapp', v: '2' } } });
    d.spec!.template!.metadata!.labels = { app: 'webapp', v: '2' };
    assert.deepEqual(msgs(deployments.validate!(d, old)), [
      'spec.selector: Invalid value: &v1.LabelSelector{MatchLabels:map[string]string{"app":"webapp", "v":"2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable',
    ]);
  });

  it('prints READY, UP-TO-DATE, AVAILABLE and the wide cells', () => {
    const d = deployment({ replicas: 3 });
    d.status = { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 };
    assert.deepEqual(deployments.row(d, NOW), ['webapp', '2/3', 3, 2, '3m', 'web', 'nginx:1.25', 'app=webapp']);
    assert.equal(deployments.columns.length, 8);
  });
});

describe('replicasets', () => {
  const rs = (): ReplicaSet => {
    const r: ReplicaSet = {
      metadata: { name: 'webapp-5d4f8', namespace: 'default', creationTimestamp: '2024-01-01T00:00:00Z' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'webapp', 'pod-template-hash': '5d4f8' } },
        template: { metadata: { labels: { app: 'webapp', 'pod-template-hash': '5d4f8' } }, spec: { containers: [{ name: 'web', image: 'nginx' }, { name: 'side', image: 'busybox' }] } },
      },
    };
    replicaSets.defaults!(r);
    return r;
  };
  it('validates', () => assert.deepEqual(replicaSets.validate!(rs()), []));
  it('prints DESIRED, CURRENT, READY and the wide cells', () => {
    const r = rs();
    r.status = { replicas: 2, readyReplicas: 1 };
    assert.deepEqual(replicaSets.row(r, NOW), ['webapp-5d4f8', 2, 2, 1, '3m', 'web,side', 'nginx,busybox', 'app=webapp,pod-template-hash=5d4f8']);
  });
  it('selectable fields', () => assert.deepEqual(replicaSets.selectableFields!(rs()), { 'status.replicas': '0' }));
});
