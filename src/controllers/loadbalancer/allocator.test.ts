import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Allocator, type Allocation, type LBRequest } from './allocator.js';
import { parsePool } from './pools.js';

const req = (key: string, o: Partial<LBRequest> = {}): LBRequest => ({
  key,
  ports: [{ port: 80, protocol: 'TCP' }],
  externalTrafficPolicy: 'Cluster',
  selector: `app=${key}`,
  ...o,
});

type Step = ['assign', LBRequest, string?] | ['release', string] | ['restore', LBRequest, string];

describe('Allocator', () => {
  const cases: { name: string; pools?: string[]; steps: Step[]; want: (Allocation | boolean)[] }[] = [
    {
      name: 'lowest free address first, then none left',
      steps: [['assign', req('a')], ['assign', req('b')], ['assign', req('c')]],
      want: [{ ip: '127.240.0.1' }, { ip: '127.240.0.2' }, { error: 'no available IPs' }],
    },
    {
      name: 'a released address is free again',
      steps: [['assign', req('a')], ['assign', req('b')], ['release', 'a'], ['assign', req('c')]],
      want: [{ ip: '127.240.0.1' }, { ip: '127.240.0.2' }, true, { ip: '127.240.0.1' }],
    },
    {
      name: 'assigning again keeps the address',
      steps: [['assign', req('a')], ['assign', req('b')], ['release', 'a'], ['assign', req('b')]],
      want: [{ ip: '127.240.0.1' }, { ip: '127.240.0.2' }, true, { ip: '127.240.0.2' }],
    },
    {
      name: 'the preferred (status) address when it is free',
      steps: [['assign', req('a'), '127.240.0.2']],
      want: [{ ip: '127.240.0.2' }],
    },
    {
      name: 'a requested address, outside the pools, or taken',
      steps: [['assign', req('a', { requested: '127.240.0.2' })], ['assign', req('b', { requested: '10.0.0.1' })], ['assign', req('c', { requested: '127.240.0.2' })]],
      want: [{ ip: '127.240.0.2' }, { error: '["10.0.0.1"] is not allowed in config' }, { error: `can't use "127.240.0.2": in use by "a" with a different sharing key` }],
    },
    {
      name: 'a changed request moves the Service',
      steps: [['assign', req('a')], ['assign', req('a', { requested: '127.240.0.2' })], ['assign', req('b')]],
      want: [{ ip: '127.240.0.1' }, { ip: '127.240.0.2' }, { ip: '127.240.0.1' }],
    },
    {
      name: 'sharing: same key and other ports share; a port clash does not',
      steps: [
        ['assign', req('dns-tcp', { sharingKey: 'dns', ports: [{ port: 53, protocol: 'TCP' }] })],
        ['assign', req('dns-udp', { sharingKey: 'dns', ports: [{ port: 53, protocol: 'UDP' }] })],
        ['assign', req('dns-again', { sharingKey: 'dns', ports: [{ port: 53, protocol: 'UDP' }] })],
        ['release', 'dns-tcp'],
      ],
      want: [{ ip: '127.240.0.1' }, { ip: '127.240.0.1' }, { ip: '127.240.0.2' }, false],
    },
    {
      name: 'sharing with a requested address needs the same key',
      steps: [
        ['assign', req('a', { sharingKey: 'k' })],
        ['assign', req('b', { sharingKey: 'other', requested: '127.240.0.1', ports: [{ port: 81, protocol: 'TCP' }] })],
        ['assign', req('c', { sharingKey: 'k', requested: '127.240.0.1', ports: [{ port: 80, protocol: 'TCP' }] })],
      ],
      want: [
        { ip: '127.240.0.1' },
        { error: `can't use "127.240.0.1": in use by "a" with a different sharing key` },
        { error: `can't use "127.240.0.1": port 80/TCP is already used by "a"` },
      ],
    },
    {
      name: 'externalTrafficPolicy Local shares only with the same pods',
      pools: ['127.240.0.1/32'],
      steps: [
        ['assign', req('a', { sharingKey: 'k', externalTrafficPolicy: 'Local', selector: 'app=x' })],
        ['assign', req('b', { sharingKey: 'k', externalTrafficPolicy: 'Cluster', selector: 'app=y', ports: [{ port: 81, protocol: 'TCP' }] })],
        ['assign', req('c', { sharingKey: 'k', externalTrafficPolicy: 'Local', selector: 'app=x', ports: [{ port: 82, protocol: 'TCP' }] })],
      ],
      want: [{ ip: '127.240.0.1' }, { error: 'no available IPs' }, { ip: '127.240.0.1' }],
    },
    {
      name: 'restore takes exactly the address from status, if the rules allow',
      steps: [['restore', req('old'), '127.240.0.2'], ['restore', req('dup'), '127.240.0.2'], ['restore', req('outside'), '10.0.0.1'], ['assign', req('new')]],
      want: [true, false, false, { ip: '127.240.0.1' }],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const a = new Allocator((c.pools ?? ['127.240.0.1-127.240.0.2']).map(parsePool));
      const got = c.steps.map((s) => (s[0] === 'assign' ? a.assign(s[1], s[2]) : s[0] === 'release' ? a.release(s[1]) : a.restore(s[1], s[2])));
      assert.deepEqual(got, c.want);
    });
  }
});
