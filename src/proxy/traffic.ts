// What the proxy has carried, per endpoint of each service port: the counters a live page turns
// into rates. Userspace counts in its listeners (bytes of open connections included); a mode
// without counters reports none.

export interface EndpointTraffic {
  /** The service port's key, `namespace/name:portName/protocol`. */
  service: string;
  namespace: string;
  name: string;
  /** `ip:port`. */
  endpoint: string;
  /** Connections (TCP) or flows (UDP) opened to it since the proxy started. */
  connections: number;
  /** Open now. */
  open: number;
  /** Client → endpoint. */
  bytesIn: number;
  bytesOut: number;
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
