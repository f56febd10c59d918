// The states whose rendering is kept as golden files: compared byte for byte by iptables.test.ts
// and, as root, fed to the kernel by iptables-kernel.test.ts.

import { fileURLToPath } from 'node:url';
import { stateFromObjects } from '../../src/proxy/state/build-state.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { service, slice } from './objects.js';
import { TRACE_NODE } from './trace-cases.js';
import { serviceChains } from '../../src/proxy/modes/iptables/chain-names.js';
import type { RenderOptions } from '../../src/proxy/modes/iptables/render.js';
import { IPV6 } from '../../src/proxy/state/family.js';
import { dualStackState, DS_POD_CIDR6 } from './dual-stack-state.js';

export const webState = (spec: Parameters<typeof service>[1], ips: string[], node = TRACE_NODE): ProxyState =>
  stateFromObjects([service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], ...spec })], [slice('web', ips.map((ip, i) => ({ ip, node: i ? 'node-2' : 'node-1' })))], node);

export const nodePort = { type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 }] };

export const GOLDEN: { name: string; state: () => ProxyState; opts?: Partial<RenderOptions> }[] = [
  { name: 'clusterip-three-endpoints', state: () => webState({}, ['10.244.1.5', '10.244.2.5', '10.244.2.6']) },
  { name: 'no-endpoints', state: () => webState({ ...nodePort, externalIPs: ['172.20.0.50'] }, []) },
  { name: 'nodeport-local-affinity', state: () => webState({ ...nodePort, externalTrafficPolicy: 'Local', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, ['10.244.1.5', '10.244.2.5']) },
  {
    name: 'dns-two-services-masquerade-all',
    state: () =>
      stateFromObjects(
        [
          service('kube-dns', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }, { name: 'dns-tcp', protocol: 'TCP', port: 53, targetPort: 53 }] }, undefined, 'kube-system'),
          service('web', { clusterIP: '10.96.0.20', clusterIPs: ['10.96.0.20'], internalTrafficPolicy: 'Local' }),
        ],
        [
          slice('kube-dns', [{ ip: '10.244.1.2' }], [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }], 'kube-dns-abc', 'kube-system'),
          slice('web', [{ ip: '10.244.2.5', node: 'node-2' }]),
        ],
        TRACE_NODE,
      ),
    opts: { masqueradeAll: true },
  },
  {
    name: 'stale-chains-deleted',
    state: () => webState({}, ['10.244.1.5']),
    opts: { existingChains: ['KUBE-SERVICES', 'KUBE-SVC-AAAAAAAAAAAAAAAA', 'KUBE-SEP-BBBBBBBBBBBBBBBB', 'DOCKER', serviceChains(webState({}, []).ports.values().next().value!.service).cluster] },
  },
  // ip6tables' half of a dual-stack node (loaded with ip6tables-restore: the name ends in -ip6).
  { name: 'dual-stack-ip6', state: dualStackState, opts: { family: IPV6, podCIDR: DS_POD_CIDR6 } },
];

/** The golden files stay beside the renderer's tests, in src/proxy/modes/iptables/testdata. */
export const goldenPath = (name: string): string => fileURLToPath(new URL(`../../src/proxy/modes/iptables/testdata/${name}.rules`, import.meta.url));

