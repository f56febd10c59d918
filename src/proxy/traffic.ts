// What the proxy has carried, per endpoint of each service port: the counters a live page turns
// into rates. Userspace counts in its listeners (bytes of open connections included); the
// kernel modes read their rules' counters: connections, and the IP packets' bytes both ways
// (modes/rule-counters.ts).

export interface EndpointTraffic {
  /** The service port's key, `namespace/name:portName/protocol`. */
  service: string;
  namespace: string;
  name: string;
  /** `ip:port`. */
  endpoint: string;
  /** Connections (TCP) or flows (UDP) opened to it since the proxy started. */
  connections: number;
  /** Open now; absent where the mode does not know (kernel modes). */
  open?: number;
  /** Client → endpoint payload, and back (userspace); absent in the kernel modes. */
  bytesIn?: number;
  bytesOut?: number;
  /** Both ways, IP packet lengths (headers included), where the mode counts them together
   *  (kernel modes); absent in iptables without ipset, which counts no bytes. */
  bytes?: number;
}

/** One node's counters at one moment, as its proxy reports them. */
export interface TrafficReport {
  node: string;
  /** The proxy mode in use. */
  mode: string;
  /** Milliseconds since the epoch, on the node's clock. */
  at: number;
  endpoints: EndpointTraffic[];
}
