// Jobs and CronJobs with the real kubectl: completions and parallelism, `kubectl wait
// --for=condition=complete`, `kubectl logs job/x`, the backoff limit, the active deadline, a
// FailJob rule of a pod failure policy, TTL after finishing; CronJobs created with the typed
// command, `kubectl create job --from=cronjob/x`, suspend, and a bad schedule refused.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Tinykube, eventually, rows } from './harness.js';

const job = (name: string, script: string, spec: string): string => `
apiVersion: batch/v1
kind: Job
metadata: {name: ${name}}
spec:
${spec}  template:
    spec:
      restartPolicy: Never
      containers:
      - name: main
        image: busybox:1.36
        command: [sh, -c, '${script}']
`;

describe('Jobs and CronJobs with kubectl', () => {
  let t: Tinykube;
  before(async () => {
    t = await Tinykube.start();
    await t.readyNode();
  });
  after(async () => {
    await t?.destroy();
  });

  const condition = (name: string) => t.k(['get', 'job', name, '-o', 'jsonpath={.status.conditions[?(@.status=="True")].type}/{.status.conditions[-1:].reason}']);

  it('runs 3 completions 2 at a time; wait --for=condition=complete; logs job/x', () => {
    t.k(['apply', '-f', t.manifest('hello.yaml', job('hello', 'echo hello from $HOSTNAME', '  completions: 3\n  parallelism: 2\n'))]);
    assert.match(t.k('wait --for=condition=complete job/hello --timeout=60s'), /job.batch\/hello condition met/);
    assert.match(t.k('get job hello'), /^hello\s+Complete\s+3\/3\s+\d+s\s+\d+s$/m);
    assert.equal(rows(t.k(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=hello'])).filter((r) => r[2] === 'Completed').length, 3);
    assert.match(t.k('logs job/hello'), /^hello from hello-\w+$/m);
    assert.equal(condition('hello'), 'SuccessCriteriaMet Complete/CompletionsReached');
  });

  it('fails after backoffLimit failed pods', async () => {
    t.k(['apply', '-f', t.manifest('fail.yaml', job('fail', 'exit 3', '  backoffLimit: 1\n'))]);
    await eventually(() => condition('fail').endsWith('BackoffLimitExceeded') || undefined, 60_000, 'BackoffLimitExceeded');
    assert.equal(t.k('get job fail -o jsonpath={.status.failed}'), '2');
    assert.match(t.k('get job fail'), /^fail\s+Failed\s+0\/1/m);
  });

  it('fails at its active deadline and stops its pod', async () => {
    t.k(['apply', '-f', t.manifest('slow.yaml', job('slow', 'sleep 60', '  activeDeadlineSeconds: 2\n'))]);
    assert.match(t.k('wait --for=condition=failed job/slow --timeout=30s'), /condition met/);
    assert.equal(condition('slow'), 'FailureTarget Failed/DeadlineExceeded');
    await eventually(() => t.k(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=slow', '-o', 'name']).trim() === '', 30_000, 'the pod gone');
  });

  it('a FailJob rule of the pod failure policy fails the Job at the first matching exit code', async () => {
    const spec = '  backoffLimit: 6\n  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {containerName: main, operator: In, values: [42]}\n';
    t.k(['apply', '-f', t.manifest('policy.yaml', job('policy', 'exit 42', spec))]);
    await eventually(() => condition('policy').endsWith('PodFailurePolicy') || undefined, 60_000, 'PodFailurePolicy');
    assert.match(t.k('get job policy -o jsonpath={.status.conditions[-1:].message}'), /^Container main for pod default\/policy-\w+ failed with exit code 42 matching FailJob rule at index 0$/);
    assert.equal(t.k('get job policy -o jsonpath={.status.failed}'), '1');
  });

  it('a finished Job with ttlSecondsAfterFinished is deleted with its pods', async () => {
    t.k(['apply', '-f', t.manifest('ttl.yaml', job('ttl', 'true', '  ttlSecondsAfterFinished: 1\n'))]);
    await eventually(() => t.kubectl('get job ttl').code !== 0, 30_000, 'the Job deleted');
    await eventually(() => t.k(['get', 'pods', '-l', 'batch.kubernetes.io/job-name=ttl', '-o', 'name']).trim() === '', 30_000, 'its pod deleted');
  });

  it('CronJobs: the typed create, get, a Job from it by hand, suspend', () => {
    assert.match(t.k(['create', 'cronjob', 'tick', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'sh', '-c', 'echo tick']), /cronjob.batch\/tick created/);
    assert.match(t.k('get cj tick'), /^tick\s+\*\/5 \* \* \* \*\s+<none>\s+false\s+0\s+<none>\s+\d+s$/m);
    assert.match(t.k('create job manual --from=cronjob/tick'), /job.batch\/manual created/);
    assert.match(t.k('wait --for=condition=complete job/manual --timeout=60s'), /condition met/);
    assert.match(t.k('logs job/manual'), /^tick$/m);
    assert.equal(t.k('get job manual -o jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.annotations.cronjob\\.kubernetes\\.io/instantiate}'), 'CronJob/manual');
    t.k(['patch', 'cj', 'tick', '-p', '{"spec":{"suspend":true}}']);
    assert.match(t.k('get cj tick'), /^tick\s+\S+ \S+ \S+ \S+ \S+\s+<none>\s+true\s+/m);
  });

  it('refuses a bad schedule and stores nothing', () => {
    const r = t.kubectl(['create', 'cronjob', 'bad', '--image=busybox:1.36', '--schedule=61 * * * *']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /failed to create cronjob: CronJob "bad" is invalid: spec.schedule: Invalid value: "61 \* \* \* \*": end of range \(61\) above maximum \(59\): 61/);
    const r2 = t.kubectl(['create', 'cronjob', 'bad', '--image=busybox:1.36', '--schedule=not a schedule']);
    assert.match(r2.stderr, /expected exactly 5 fields, found 3: \[not a schedule\]/);
    assert.match(t.kubectl('get cj bad').stderr, /not found/);
    assert.match(t.k('api-resources --no-headers'), /^cronjobs\s+cj\s+batch\/v1\s+true\s+CronJob$/m);
  });
});
