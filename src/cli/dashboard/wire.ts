// What the page receives from /ui/api/: types only, shared by the server and the page (which
// is type-checked for the browser, so nothing here may import Node's modules).

export interface EndpointRate {
  node: string;
  /** The service port's key. */
  service: string;
  namespace: string;
  name: string;
  endpoint: string;
  /** The kernel modes count a connection when its first packet is DNATed. */
  connectionsPerSecond: number;
  /** Both directions: the payload in userspace, the IP packets (headers included) in the
   *  kernel modes; absent where the mode counts no bytes (iptables without ipset). */
  bytesPerSecond?: number;
  /** Absent where the mode does not know (kernel modes). */
  open?: number;
  connections: number;
}

export interface TrafficEvent {
  at: number;
  nodes: { node: string; mode?: string; error?: string }[];
  endpoints: EndpointRate[];
}

export interface ExplainView {
  node: string;
  mode: string;
  /** Where the client's packets meet a proxy, and which addresses it can use. */
  client: string;
  words: string;
  rules?: string;
  dns: string[];
}


/** The collections the page's stream carries. */
export type StreamKind = 'namespaces' | 'nodes' | 'services' | 'slices' | 'pods' | 'events';

export interface ObjectChange {
  kind: StreamKind;
  type: string;
  object: { metadata: { name?: string; namespace?: string } };
}
