// A dual-stack cluster's state for the kernel modes' IPv6 golden files and tests: Services with
// a ClusterIP in each family (or one), EndpointSlices per family, a node with an address in
// each family. The IPv4 half matches the other trace states (trace-cases.ts).

import { stateFromObjects } from '../../src/proxy/state/build-state.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { service, slice, type EndpointBrief } from './objects.js';
import { TRACE_POD_CIDR } from './trace-cases.js';

export const DS_POD_CIDR6 = 'fd00:10:244::/56';
export const DS_NODE = { nodeName: 'node-1', nodePortIPs: ['172.20.0.1', 'fd00:20::1'] };

/** An IPv6 EndpointSlice (its endpoints' addresses are IPv6). */
export const slice6 = (svc: string, eps: EndpointBrief[], ports?: Parameters<typeof slice>[2]) => ({ ...slice(svc, eps, ports, `${svc}-v6`), addressType: 'IPv6' as const });

const dual = (v4: string, v6: string) => ({ clusterIP: v4, clusterIPs: [v4, v6], ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' });

export function dualStackState(): ProxyState {
  return stateFromObjects(
    [
      service('web', dual('10.96.0.20', 'fd00:10:96::20')),
      {
        ...service('shop', {
          ...dual('10.96.0.30', 'fd00:10:96::30'),
          type: 'LoadBalancer',
          externalTrafficPolicy: 'Local',
          ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }],
        }),
        status: { loadBalancer: { ingress: [{ ip: '172.20.0.200' }, { ip: 'fd00:20::200' }] } },
      },
      service('sticky', { ...dual('10.96.0.40', 'fd00:10:96::40'), sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 300 } } }),
      // IPv6 endpoints gone: rejected on the IPv6 ClusterIP only.
      service('half', { ...dual('10.96.0.50', 'fd00:10:96::50'), ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 5353 }] }),
      // Single-stack IPv4: nothing in the ip6 table.
      service('v4only', { clusterIP: '10.96.0.60', clusterIPs: ['10.96.0.60'] }),
    ],
    [
      slice('web', [{ ip: '10.244.1.5' }, { ip: '10.244.2.5', node: 'node-2' }]),
      slice6('web', [{ ip: 'fd00:10:244:1::5' }, { ip: 'fd00:10:244:2::5', node: 'node-2' }]),
      slice('shop', [{ ip: '10.244.1.6' }]),
      slice6('shop', [{ ip: 'fd00:10:244:1::6' }, { ip: 'fd00:10:244:2::6', node: 'node-2' }]),
      slice('sticky', [{ ip: '10.244.1.7' }]),
      slice6('sticky', [{ ip: 'fd00:10:244:1::7' }, { ip: 'fd00:10:244:2::7', node: 'node-2' }]),
      slice('half', [{ ip: '10.244.1.8' }], [{ name: 'dns', port: 5353, protocol: 'UDP' }]),
      slice6('half', [], [{ name: 'dns', port: 5353, protocol: 'UDP' }]),
      slice('v4only', [{ ip: '10.244.1.9' }]),
    ],
    DS_NODE,
  );
}

export const DS_POD_CIDR4 = TRACE_POD_CIDR;
