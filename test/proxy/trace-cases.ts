// The packet-tracer cases every kernel mode (nftables, iptables) must pass: a state, one packet,
// and what the rendered rules must do with it. Modes do not import each other; they import this
// table and trace their own rendered text. The network is the netns one: pods 10.244.0.0/16
// (this node's pods 10.244.1.0/24), node addresses 172.20.0.x, services 10.96.0.0/12.

import type { Service } from '../../src/apis/core/service/types.js';
import { stateFromObjects } from '../../src/proxy/state/build-state.js';
import type { ProxyState } from '../../src/proxy/state/types.js';
import { service, slice, type EndpointBrief } from './objects.js';

export const TRACE_POD_CIDR = '10.244.0.0/16';
export const TRACE_NODE = { nodeName: 'node-1', nodePortIPs: ['172.20.0.1'] };

export interface TracePacket {
  sourceIP: string;
  destIP: string;
  destPort: number;
  protocol: 'TCP' | 'UDP';
  /** Arrives from outside the node (the underlay); otherwise from a pod on this node. */
  fromOutside?: boolean;
}

export interface TraceExpect {
  /** 'none': no service rule matches, the packet goes on untouched. */
  verdict: 'forward' | 'reject' | 'drop' | 'none';
  /** 'ip:port', sorted: every DNAT target the rules may choose. */
  endpoints?: string[];
  /** Leaves with the node's address. Cases keep this the same for every endpoint choice. */
  masquerade?: boolean;
}

export interface TraceCase {
  name: string;
  state: () => ProxyState;
  packet: TracePacket;
  expect: TraceExpect;
}

const LOCAL_POD = '10.244.1.9';
const OUTSIDE_CLIENT = '172.20.0.100';
const NODE_IP = TRACE_NODE.nodePortIPs[0]!;
const WEB_IP = '10.96.0.20';
const LB_IP = '172.20.0.200';
const EXTERNAL_IP = '172.20.0.50';
const NODE_PORT = 30080;

const HERE = { ip: '10.244.1.5', node: 'node-1' };
const THERE = { ip: '10.244.2.5', node: 'node-2' };
const BOTH = [`${HERE.ip}:8080`, `${THERE.ip}:8080`];

/** A state of one Service `web` (port 80 → 8080) with these endpoints. */
function web(spec: Parameters<typeof service>[1], endpoints: EndpointBrief[], extra: Partial<Service> = {}): () => ProxyState {
  return () =>
    stateFromObjects(
      [{ ...service('web', { clusterIP: WEB_IP, clusterIPs: [WEB_IP], ...spec }), ...extra }],
      [slice('web', endpoints)],
      TRACE_NODE,
    );
}

const nodePortSpec = { type: 'NodePort', ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: NODE_PORT }] };
const lbSpec = { ...nodePortSpec, type: 'LoadBalancer' };
const lbStatus = { status: { loadBalancer: { ingress: [{ ip: LB_IP }] } } };

const fromPod = (destIP: string, destPort = 80, sourceIP = LOCAL_POD): TracePacket => ({ sourceIP, destIP, destPort, protocol: 'TCP' });
const fromOutside = (destIP: string, destPort = 80): TracePacket => ({ ...fromPod(destIP, destPort, OUTSIDE_CLIENT), fromOutside: true });
const forward = (endpoints: string[], masquerade = false): TraceExpect => ({ verdict: 'forward', endpoints, masquerade });

export const TRACE_CASES: TraceCase[] = [
  {
    name: 'ClusterIP from a pod goes to every ready endpoint, not the unready one',
    state: web({}, [HERE, THERE, { ip: '10.244.2.6', node: 'node-2', ready: false }]),
    packet: fromPod(WEB_IP),
    expect: forward(BOTH),
  },
  {
    name: 'ClusterIP without endpoints is rejected',
    state: web({}, []),
    packet: fromPod(WEB_IP),
    expect: { verdict: 'reject' },
  },
  {
    name: 'only serving-terminating endpoints are used when none is ready',
    state: web({}, [
      { ...HERE, ready: false, serving: true, terminating: true },
      { ...THERE, ready: false, serving: false, terminating: true },
    ]),
    packet: fromPod(WEB_IP),
    expect: forward([`${HERE.ip}:8080`]),
  },
  {
    name: 'terminating endpoints are ignored while one is ready',
    state: web({}, [{ ...HERE, ready: false, serving: true, terminating: true }, THERE]),
    packet: fromPod(WEB_IP),
    expect: forward([`${THERE.ip}:8080`]),
  },
  {
    name: 'ClusterIP from outside the pod network is masqueraded',
    state: web({}, [HERE, THERE]),
    packet: fromOutside(WEB_IP),
    expect: forward(BOTH, true),
  },
  {
    name: 'hairpin: an endpoint reaching its own service is masqueraded',
    state: web({}, [HERE]),
    packet: fromPod(WEB_IP, 80, HERE.ip),
    expect: forward([`${HERE.ip}:8080`], true),
  },
  {
    name: 'NodePort on a node address from outside, Cluster policy: masqueraded',
    state: web(nodePortSpec, [HERE, THERE]),
    packet: fromOutside(NODE_IP, NODE_PORT),
    expect: forward(BOTH, true),
  },
  {
    name: 'NodePort without endpoints is rejected',
    state: web(nodePortSpec, []),
    packet: fromOutside(NODE_IP, NODE_PORT),
    expect: { verdict: 'reject' },
  },
  {
    name: 'NodePort on an address that is not this node is left alone',
    state: web(nodePortSpec, [HERE]),
    packet: fromOutside('172.20.0.2', NODE_PORT),
    expect: { verdict: 'none' },
  },
  {
    name: 'LoadBalancer IP from outside, Cluster policy: masqueraded',
    state: web(lbSpec, [HERE, THERE], lbStatus),
    packet: fromOutside(LB_IP),
    expect: forward(BOTH, true),
  },
  {
    name: 'externalIP from outside, Cluster policy: masqueraded',
    state: web({ externalIPs: [EXTERNAL_IP] }, [HERE, THERE]),
    packet: fromOutside(EXTERNAL_IP),
    expect: forward(BOTH, true),
  },
  {
    name: 'internalTrafficPolicy Local keeps this node’s endpoint',
    state: web({ internalTrafficPolicy: 'Local' }, [HERE, THERE]),
    packet: fromPod(WEB_IP),
    expect: forward([`${HERE.ip}:8080`]),
  },
  {
    name: 'internalTrafficPolicy Local without a local endpoint drops',
    state: web({ internalTrafficPolicy: 'Local' }, [THERE]),
    packet: fromPod(WEB_IP),
    expect: { verdict: 'drop' },
  },
  {
    name: 'externalTrafficPolicy Local: NodePort keeps the client address, local endpoint only',
    state: web({ ...nodePortSpec, externalTrafficPolicy: 'Local' }, [HERE, THERE]),
    packet: fromOutside(NODE_IP, NODE_PORT),
    expect: forward([`${HERE.ip}:8080`]),
  },
  {
    name: 'externalTrafficPolicy Local: LoadBalancer IP keeps the client address',
    state: web({ ...lbSpec, externalTrafficPolicy: 'Local' }, [HERE, THERE], lbStatus),
    packet: fromOutside(LB_IP),
    expect: forward([`${HERE.ip}:8080`]),
  },
  {
    name: 'externalTrafficPolicy Local without a local endpoint drops',
    state: web({ ...lbSpec, externalTrafficPolicy: 'Local' }, [THERE], lbStatus),
    packet: fromOutside(LB_IP),
    expect: { verdict: 'drop' },
  },
  {
    name: 'externalTrafficPolicy Local: a pod reaching the LoadBalancer IP uses every endpoint',
    state: web({ ...lbSpec, externalTrafficPolicy: 'Local' }, [HERE, THERE], lbStatus),
    packet: fromPod(LB_IP),
    expect: forward(BOTH),
  },
  {
    name: 'externalTrafficPolicy Local leaves the ClusterIP on every endpoint',
    state: web({ ...nodePortSpec, externalTrafficPolicy: 'Local' }, [THERE]),
    packet: fromPod(WEB_IP),
    expect: forward([`${THERE.ip}:8080`]),
  },
  {
    name: 'an unknown address is left alone',
    state: web({}, [HERE]),
    packet: fromPod('10.96.0.99'),
    expect: { verdict: 'none' },
  },
  {
    name: 'a known address on another port is left alone',
    state: web({}, [HERE]),
    packet: fromPod(WEB_IP, 81),
    expect: { verdict: 'none' },
  },
  {
    name: 'a TCP service does not catch UDP',
    state: web({}, [HERE]),
    packet: { ...fromPod(WEB_IP), protocol: 'UDP' },
    expect: { verdict: 'none' },
  },
  {
    name: 'UDP service (DNS) goes to its endpoints',
    state: () =>
      stateFromObjects(
        [service('kube-dns', { clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }] }, undefined, 'kube-system')],
        [slice('kube-dns', [HERE, THERE], [{ name: 'dns', port: 53, protocol: 'UDP' }], 'kube-dns-abc', 'kube-system')],
        TRACE_NODE,
      ),
    packet: { ...fromPod('10.96.0.10', 53), protocol: 'UDP' },
    expect: forward([`${HERE.ip}:53`, `${THERE.ip}:53`]),
  },
  {
    name: 'ClientIP affinity: a first packet may go to any endpoint',
    state: web({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 60 } } }, [HERE, THERE]),
    packet: fromPod(WEB_IP),
    expect: forward(BOTH),
  },
];
