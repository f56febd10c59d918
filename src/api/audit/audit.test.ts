import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseRequestInfo } from '../request-info.js';
import { openAuditLog } from './log-file.js';
import { checkPolicy, decide, type PolicyRule } from './policy.js';

const policy = (rules: PolicyRule[], omitStages?: string[]) => checkPolicy({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', rules, ...(omitStages ? { omitStages } : {}) });
const admin = { username: 'system:admin', groups: ['system:masters', 'system:authenticated'] };
const req = (method: string, path: string, user = admin) => {
  const url = new URL(path, 'https://x');
  const info = parseRequestInfo(method, url.pathname, url.searchParams);
  return { user, info, verb: info.isResource ? info.verb : method.toLowerCase() };
};

describe('audit policy', () => {
  const cases: { name: string; rule: PolicyRule; method?: string; path: string; user?: typeof admin; matches: boolean }[] = [
    { name: 'an empty rule matches anything', rule: { level: 'Metadata' }, path: '/api/v1/pods', matches: true },
    { name: 'by user', rule: { level: 'Metadata', users: ['alice'] }, path: '/api/v1/pods', matches: false },
    { name: 'by group', rule: { level: 'Metadata', userGroups: ['system:masters'] }, path: '/api/v1/pods', matches: true },
    { name: 'by verb: list', rule: { level: 'Metadata', verbs: ['list'] }, path: '/api/v1/pods', matches: true },
    { name: 'by verb: watch is not list', rule: { level: 'Metadata', verbs: ['list'] }, path: '/api/v1/pods?watch=1', matches: false },
    { name: 'a resource', rule: { level: 'Metadata', resources: [{ group: '', resources: ['pods'] }] }, path: '/api/v1/namespaces/a/pods/p', matches: true },
    { name: 'a resource is not its subresource', rule: { level: 'Metadata', resources: [{ resources: ['pods'] }] }, path: '/api/v1/namespaces/a/pods/p/log', matches: false },
    { name: 'pods/* names subresources', rule: { level: 'Metadata', resources: [{ resources: ['pods/*'] }] }, path: '/api/v1/namespaces/a/pods/p/log', matches: true },
    { name: 'pods/* is not pods', rule: { level: 'Metadata', resources: [{ resources: ['pods/*'] }] }, path: '/api/v1/namespaces/a/pods/p', matches: false },
    { name: '*/scale', rule: { level: 'Metadata', resources: [{ group: 'apps', resources: ['*/scale'] }] }, path: '/apis/apps/v1/namespaces/a/deployments/d/scale', matches: true },
    { name: 'another group', rule: { level: 'Metadata', resources: [{ group: 'apps', resources: ['pods'] }] }, path: '/api/v1/pods', matches: false },
    { name: 'resourceNames', rule: { level: 'Metadata', resources: [{ resources: ['configmaps'], resourceNames: ['c'] }] }, path: '/api/v1/namespaces/a/configmaps/c', matches: true },
    { name: 'resourceNames never match a list', rule: { level: 'Metadata', resources: [{ resources: ['configmaps'], resourceNames: ['c'] }] }, path: '/api/v1/namespaces/a/configmaps', matches: false },
    { name: 'namespaces', rule: { level: 'Metadata', namespaces: ['kube-system'] }, path: '/api/v1/namespaces/a/pods', matches: false },
    { name: 'the "" namespace is cluster scope', rule: { level: 'Metadata', namespaces: [''] }, path: '/api/v1/nodes', matches: true },
    { name: 'resources do not match a URL', rule: { level: 'Metadata', resources: [{ resources: ['*'] }] }, path: '/healthz', matches: false },
    { name: 'a URL prefix', rule: { level: 'Metadata', nonResourceURLs: ['/healthz*'] }, path: '/healthz/etcd', matches: true },
    { name: 'an exact URL', rule: { level: 'Metadata', nonResourceURLs: ['/healthz'] }, path: '/healthz/etcd', matches: false },
    { name: 'URLs do not match a resource', rule: { level: 'Metadata', nonResourceURLs: ['*'] }, path: '/api/v1/pods', matches: false },
  ];
  for (const c of cases) {
    it(c.name, () => assert.equal(decide(policy([c.rule]), req(c.method ?? 'GET', c.path, c.user)).level, c.matches ? 'Metadata' : 'None'));
  }

  it('the first matching rule wins, and omitted stages add up', () => {
    const p = policy([{ level: 'None', verbs: ['watch'] }, { level: 'Request', omitStages: ['ResponseStarted'] }], ['RequestReceived']);
    assert.deepEqual(decide(p, req('GET', '/api/v1/pods?watch=1')), { level: 'None', omitStages: ['RequestReceived'] });
    assert.deepEqual(decide(p, req('POST', '/api/v1/namespaces/a/pods')), { level: 'Request', omitStages: ['RequestReceived', 'ResponseStarted'] });
  });

  it('says what is wrong', () => {
    assert.throws(() => checkPolicy({ kind: 'Policy', apiVersion: 'audit.k8s.io/v1beta1', rules: [] }), /not an audit.k8s.io\/v1 Policy/);
    assert.throws(() => policy([{ level: 'Everything' as never }]), /rules\[0\].level: "Everything" is not a level/);
    assert.throws(() => policy([{ level: 'Metadata', omitStages: ['Later' as never] }]), /rules\[0\].omitStages: "Later" is not a stage/);
  });
});

describe('audit log file', () => {
  it('rotates past maxsize, keeps maxbackup files, and drops those older than maxage', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tinykube-audit-log-'));
    try {
      let now = new Date('2026-01-01T00:00:00Z');
      // A backup made long ago: older than maxage, it goes at the next rotation.
      writeFileSync(join(dir, 'audit-2025-01-01T00-00-00.000.log'), 'old\n');
      const line = 'x'.repeat(99); // 100 bytes with its newline
      const sink = openAuditLog(join(dir, 'audit.log'), { maxSizeMB: 250 / (1024 * 1024), maxBackups: 2, maxAgeDays: 30 }, () => now);
      for (let i = 0; i < 9; i++) {
        now = new Date(now.getTime() + 1000);
        sink.write(line);
      }
      sink.close();
      // 9 lines, 2 per file: rotated at the 3rd, 5th, 7th and 9th line; the 2 newest backups kept.
      assert.deepEqual(readdirSync(dir).sort(), ['audit-2026-01-01T00-00-07.000.log', 'audit-2026-01-01T00-00-09.000.log', 'audit.log']);
      assert.equal(readFileSync(join(dir, 'audit.log'), 'utf8'), line + '\n');
      assert.equal(readFileSync(join(dir, 'audit-2026-01-01T00-00-09.000.log'), 'utf8'), `${line}\n${line}\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
