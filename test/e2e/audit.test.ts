// The audit log (--audit-policy-file, --audit-log-path): one line per stage of each request
// the policy selects, as audit.k8s.io/v1 Events, for every verb kubectl sends, with the bodies
// the level asks for and nothing for what it does not.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tinykube } from './harness.js';

const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  - level: RequestResponse
    resources: [{ group: "", resources: [configmaps] }]
  - level: Metadata
    resources: [{ group: "", resources: [secrets] }]
  - level: Request
    verbs: [get]
    nonResourceURLs: ["/apis/apps*"]
  - level: None
`;

interface AuditEvent {
  apiVersion: string;
  kind: string;
  level: string;
  auditID: string;
  stage: string;
  requestURI: string;
  verb: string;
  user: { username: string; groups: string[] };
  sourceIPs: string[];
  userAgent?: string;
  objectRef?: { resource: string; namespace?: string; name?: string; apiVersion: string };
  responseStatus: { code: number; reason?: string; message?: string };
  requestObject?: { data?: Record<string, string> };
  responseObject?: { kind?: string; data?: Record<string, string> };
  requestReceivedTimestamp: string;
  stageTimestamp: string;
}

describe('audit log', () => {
  let t: Tinykube;
  let dir: string;
  let log: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tinykube-audit-'));
    writeFileSync(join(dir, 'policy.yaml'), POLICY);
    log = join(dir, 'audit', 'audit.log');
    t = await Tinykube.start(['--disable', 'node,proxy,dns', '--audit-policy-file', join(dir, 'policy.yaml'), '--audit-log-path', log]);
  });
  after(async () => {
    await t?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const events = (): AuditEvent[] => readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as AuditEvent);

  it('logs every verb at the level its rule gives', () => {
    t.k('create configmap audited --from-literal=k=v1');
    t.k('get configmap audited');
    t.k('get configmaps');
    t.k(['get', '--raw', '/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=1']);
    const cm = JSON.parse(t.k('get configmap audited -o json'));
    cm.data.k = 'v2';
    t.k(['replace', '-f', '-'], JSON.stringify(cm));
    t.k(['patch', 'configmap', 'audited', '-p', '{"data":{"k":"v3"}}']);
    t.k('delete configmap audited');
    assert.match(t.kubectl('get configmap audited').stderr, /NotFound/);
    t.k('create secret generic hidden --from-literal=password=hunter2');
    t.k('get --raw /apis/apps/v1');
    t.k('get namespaces');

    const all = events();
    for (const e of all) {
      assert.equal(e.apiVersion, 'audit.k8s.io/v1');
      assert.equal(e.kind, 'Event');
      assert.notEqual(e.stage, 'RequestReceived', 'omitted by the policy');
      assert.equal(e.user.username, 'system:admin');
      assert.ok(e.user.groups.includes('system:masters'));
      assert.deepEqual(e.sourceIPs, ['127.0.0.1']);
      assert.match(e.userAgent ?? '', /^kubectl\//);
      assert.match(e.requestReceivedTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      assert.ok(e.stageTimestamp >= e.requestReceivedTimestamp);
    }
    assert.ok(!all.some((e) => e.objectRef?.resource === 'namespaces'), 'level None is not logged');

    const cms = all.filter((e) => e.objectRef?.resource === 'configmaps' && e.stage === 'ResponseComplete');
    assert.deepEqual([...new Set(cms.map((e) => e.verb))].sort(), ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch']);
    const by = (verb: string) => cms.filter((e) => e.verb === verb);
    assert.equal(by('create')[0]!.responseStatus.code, 201);
    assert.equal(by('create')[0]!.requestObject?.data?.k, 'v1');
    assert.equal(by('create')[0]!.responseObject?.data?.k, 'v1');
    assert.equal(by('update')[0]!.requestObject?.data?.k, 'v2');
    assert.deepEqual(by('patch')[0]!.requestObject, { data: { k: 'v3' } });
    assert.equal(by('patch')[0]!.responseObject?.data?.k, 'v3');
    assert.equal(by('delete')[0]!.objectRef?.name, 'audited');
    const notFound = by('get').find((e) => e.responseStatus.code === 404)!;
    assert.equal(notFound.responseStatus.reason, 'NotFound');
    assert.match(notFound.responseStatus.message ?? '', /configmaps "audited" not found/);
    // A watch: ResponseStarted when its stream begins, then ResponseComplete, and no body.
    const watch = all.filter((e) => e.verb === 'watch');
    assert.deepEqual(watch.map((e) => e.stage), ['ResponseStarted', 'ResponseComplete']);
    assert.equal(watch[0]!.auditID, watch[1]!.auditID);
    assert.equal(watch[1]!.responseObject, undefined);

    const secret = all.find((e) => e.objectRef?.resource === 'secrets' && e.verb === 'create')!;
    assert.equal(secret.level, 'Metadata');
    assert.equal(secret.requestObject, undefined);
    assert.equal(secret.responseObject, undefined);
    assert.ok(!readFileSync(log, 'utf8').includes(Buffer.from('hunter2').toString('base64')), 'no Secret data in the log');

    const discovery = all.find((e) => e.requestURI === '/apis/apps/v1')!;
    assert.equal(discovery.verb, 'get');
    assert.equal(discovery.level, 'Request');
  });
});
