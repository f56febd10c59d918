// The desired state the proxy keeps, independent of any datapath mode: per service port its
// addresses, protocol, policies and endpoints. Modes (userspace today, nftables/iptables later)
// render it; `tinykube explain` reads it.

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

/** Annotations that tune a Service's datapath; only these are kept in the state. */
export const ANNOTATION_PREFIX = 'tinykube.io/';

/** One port of one Service: kube-proxy's ServicePort. */
export interface ServicePortInfo {
  /** `namespace/name:portName/protocol`, unique and stable. */
  key: string;
  namespace: string;
  name: string;
  uid: string;
  portName: string;
  protocol: Protocol;
  port: number;
  /** 0 when the service has none. */
  nodePort: number;
  type: string;
  clusterIPs: string[];
  externalIPs: string[];
  loadBalancerIPs: string[];
  /** Set when sessionAffinity is ClientIP. */
  affinityTimeoutSeconds?: number;
  internalPolicyLocal: boolean;
  externalPolicyLocal: boolean;
  /** Where this node answers whether it has local endpoints (LoadBalancer with Local policy). */
  healthCheckNodePort?: number;
  /** The `tinykube.io/*` annotations, sorted by key. */
  annotations: Record<string, string>;
}

/** One backend of a service port, merged from the service's EndpointSlices. */
export interface EndpointInfo {
  ip: string;
  port: number;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  nodeName?: string;
  /** On this proxy's node. */
  isLocal: boolean;
  /** The pod (or other object) behind it, for people reading explain output. */
  targetName?: string;
}

/** Which kind of address a connection arrives on; decides internal vs external traffic policy. */
export type AddressKind = 'ClusterIP' | 'NodePort' | 'ExternalIP' | 'LoadBalancer';

export interface ServiceAddress {
  kind: AddressKind;
  ip: string;
  port: number;
}

/** What the datapath does with a new connection to an address (kube-proxy's rule outcomes). */
export type Verdict = 'forward' | 'reject' | 'drop';

export interface AddressPlan extends ServiceAddress {
  verdict: Verdict;
  /** Why, in words, when the verdict is not forward. */
  reason?: string;
  /** Whether the endpoints come from the local-only set (traffic policy Local). */
  local: boolean;
  endpoints: EndpointInfo[];
}

export interface ServicePortState {
  service: ServicePortInfo;
  /** All endpoints of the port, sorted, whatever their conditions. */
  endpoints: EndpointInfo[];
  /** Each address with its verdict and usable endpoints. */
  addresses: AddressPlan[];
}

export interface ProxyState {
  nodeName: string;
  /** Where NodePorts listen. */
  nodePortIPs: string[];
  /** Both informers have synced (nothing is programmed before). */
  synced: boolean;
  /** By ServicePortInfo.key, sorted. */
  ports: Map<string, ServicePortState>;
}
