import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Node } from '../../apis/core/nodes.js';
import { stateFromObjects } from '../state/build-state.js';
import { service, slice } from '../../../test/proxy/objects.js';
import { announcers, loadBalancerTargets, readyNodeNames } from './choose.js';
import { IPV4 } from '../state/family.js';
import { slice6 } from '../../../test/proxy/dual-stack-state.js';

const node = (name: string, ready?: string): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  status: ready ? { conditions: [{ type: 'Ready', status: ready }] } : {},
});
const POOL = Array.from({ length: 51 }, (_, i) => `172.20.0.${200 + i}`);
const NODES = ['tinykube-node-1', 'tinykube-node-2', 'tinykube-node-3'];

describe('readyNodeNames', () => {
  it('keeps Ready=True only (Unknown after a lease expired, False, no condition are out)', () => {
    assert.deepEqual(readyNodeNames([node('c', 'True'), node('a', 'True'), node('b', 'Unknown'), node('d', 'False'), node('e')]), ['a', 'c']);
  });
});

describe('announcers', () => {
  it('gives every address exactly one Ready node, the same whatever the order of the inputs', () => {
    const a = announcers(POOL, NODES);
    const b = announcers([...POOL].reverse(), [...NODES].reverse());
    assert.equal(a.size, POOL.length);
    assert.deepEqual([...a].sort(), [...b].sort());
    for (const n of a.values()) assert.ok(NODES.includes(n));
  });

  it('spreads addresses over the nodes', () => {
    const counts = new Map<string, number>();
    for (const n of announcers(POOL, NODES).values()) counts.set(n, (counts.get(n) ?? 0) + 1);
    assert.equal(counts.size, 3);
    for (const c of counts.values()) assert.ok(c >= 8, `uneven: ${[...counts.values()].join(',')}`);
  });

  it('when a node leaves, only its addresses move, and to a remaining node', () => {
    const before = announcers(POOL, NODES);
    const after = announcers(POOL, NODES.filter((n) => n !== 'tinykube-node-2'));
    for (const ip of POOL) {
      if (before.get(ip) === 'tinykube-node-2') assert.notEqual(after.get(ip), 'tinykube-node-2');
      else assert.equal(after.get(ip), before.get(ip), ip);
    }
  });

  it('no Ready node: nobody announces', () => {
    assert.equal(announcers(POOL, []).size, 0);
  });

  it('preferred nodes (Local policy endpoints) win while one is Ready', () => {
    const ip = POOL[0]!;
    for (const n of NODES) assert.equal(announcers([ip], NODES, new Map([[ip, [n]]])).get(ip), n);
    assert.ok(NODES.includes(announcers([ip], NODES, new Map([[ip, ['gone-node']]])).get(ip)!));
  });
});

describe('loadBalancerTargets', () => {
  it('lists the ingress IPs, with the endpoint nodes of Local-policy ports', () => {
    const lb = (name: string, ip: string, local: boolean) => ({
      ...service(name, { type: 'LoadBalancer', externalTrafficPolicy: local ? 'Local' : 'Cluster', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] }),
      status: { loadBalancer: { ingress: [{ ip }] } },
    });
    const st = stateFromObjects(
      [lb('a', '172.20.0.201', true), lb('b', '172.20.0.202', false)],
      [slice('a', [{ ip: '10.244.2.5', node: 'tinykube-node-2' }, { ip: '10.244.3.5', node: 'tinykube-node-3', ready: false, serving: false }]), slice('b', [{ ip: '10.244.1.5' }])],
      { nodeName: 'tinykube-node-1', nodePortIPs: [] },
    );
    const t = loadBalancerTargets(st);
    assert.deepEqual(t.lbIPs, ['172.20.0.201', '172.20.0.202']);
    assert.deepEqual([...t.preferred], [['172.20.0.201', ['tinykube-node-2']]]);
  });

  it('dual-stack: each ingress IP prefers the nodes with endpoints of its family; families the datapath lacks are left out', () => {
    const st = stateFromObjects(
      [{
        ...service('a', { clusterIPs: ['10.96.0.30', 'fd00:10:96::30'], type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ name: 'http', protocol: 'TCP', port: 80, nodePort: 30080 }] }),
        status: { loadBalancer: { ingress: [{ ip: '172.20.0.201' }, { ip: 'fd00:20::201' }] } },
      }],
      [slice('a', [{ ip: '10.244.2.5', node: 'node-2' }]), slice6('a', [{ ip: 'fd00:10:244:3::5', node: 'node-3' }])],
      { nodeName: 'node-1', nodePortIPs: [] },
    );
    const t = loadBalancerTargets(st);
    assert.deepEqual(t.lbIPs, ['172.20.0.201', 'fd00:20::201']);
    assert.deepEqual([...t.preferred], [['172.20.0.201', ['node-2']], ['fd00:20::201', ['node-3']]]);
    assert.deepEqual(loadBalancerTargets(st, [IPV4]).lbIPs, ['172.20.0.201']);
  });
});
