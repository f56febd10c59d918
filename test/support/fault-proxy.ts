// A TCP proxy that injects the faults a network or a load balancer in front of the API causes:
//
//   pass          forward both ways
//   stall         a partition: open connections stop forwarding and stay open (half-open, no FIN,
//                 no RST); new connections still pass, as after the network heals
//   drop          reset every open connection, and each new one at once
//   reset-reply   forward the request, reset the client's connection when the reply starts
//                 (the request landed, its answer was lost); with TLS terminated, so that the
//                 reply is the HTTP answer and not the TLS handshake
//   html          (terminating TLS only) answer every new request with a load balancer's HTML
//                 502 page
//   corrupt       (terminating TLS only) the next reply bytes on each open connection are replaced
//                 by an HTML fragment, framed as one HTTP chunk (a streamed answer gets a line
//                 that is not JSON); new connections pass
//
// With `tls` it terminates TLS with that certificate and opens TLS to the target, as a load
// balancer does, so the bytes it sees (and the page it sends) are HTTP.

import net from 'node:net';
import tls from 'node:tls';

export type Fault = 'pass' | 'stall' | 'drop' | 'reset-reply' | 'html' | 'corrupt';

export const LB_ERROR_PAGE =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n';

interface Pair {
  client: net.Socket;
  upstream?: net.Socket;
  stalled: boolean;
  corruptNext?: boolean;
}

export class FaultProxy {
  private fault: Fault = 'pass';
  private readonly pairs = new Set<Pair>();
  /** Every accepted TCP connection, ended on close whatever state it is in. */
  private readonly sockets = new Set<net.Socket>();

  private constructor(private readonly server: net.Server, private readonly target: { host: string; port: number; tls: boolean }) {}

  /** Listens on 127.0.0.1 (a free port) and forwards to host:port. */
  static async start(target: { host: string; port: number }, opts: { tls?: { cert: string; key: string } } = {}): Promise<FaultProxy> {
    let proxy!: FaultProxy;
    const onClient = (c: net.Socket): void => proxy.accept(c);
    const server = opts.tls ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key }, onClient) : net.createServer(onClient);
    proxy = new FaultProxy(server, { ...target, tls: opts.tls !== undefined });
    server.on('connection', (s: net.Socket) => {
      proxy.sockets.add(s);
      s.on('close', () => proxy.sockets.delete(s));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** Connections open now. */
  get open(): number {
    return this.pairs.size;
  }

  /** The fault for new connections; stall and drop also hit the open ones. */
  set(fault: Fault): void {
    this.fault = fault;
    if (fault === 'drop') this.cut();
    if (fault === 'stall') for (const p of this.pairs) this.stall(p);
    if (fault === 'corrupt') for (const p of this.pairs) p.corruptNext = true;
  }

  /** Resets every open connection (a load balancer restarting). */
  cut(): void {
    for (const p of this.pairs) this.reset(p);
  }

  close(): Promise<void> {
    this.cut();
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    const p: Pair = { client, stalled: false };
    this.pairs.add(p);
    client.on('error', () => undefined);
    client.on('close', () => this.forget(p));
    if (this.fault === 'drop') return this.reset(p);
    if (this.fault === 'html') return this.answerHtml(p);
    const upstream = this.target.tls
      ? tls.connect({ host: this.target.host, port: this.target.port, rejectUnauthorized: false })
      : net.connect(this.target.port, this.target.host);
    p.upstream = upstream;
    upstream.on('error', () => this.reset(p));
    upstream.on('close', () => this.forget(p));
    const resetReply = this.fault === 'reset-reply';
    client.on('data', (d: Buffer) => p.stalled || upstream.write(d));
    upstream.on('data', (d: Buffer) => {
      if (resetReply) return this.reset(p);
      if (p.stalled) return;
      if (!p.corruptNext) return void client.write(d);
      // The stream was idle, so these bytes start a chunk: one whole chunk replaces them.
      p.corruptNext = false;
      const junk = '<html><body>upstream hiccup</body></html>\n';
      client.write(`${Buffer.byteLength(junk).toString(16)}\r\n${junk}\r\n`);
    });
    client.on('end', () => p.stalled || upstream.end());
    upstream.on('end', () => p.stalled || client.end());
  }

  /** Reads one request head and answers it with the page, then closes. */
  private answerHtml(p: Pair): void {
    let head = '';
    p.client.on('data', (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      p.client.end(
        `HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/html\r\nContent-Length: ${LB_ERROR_PAGE.length}\r\nConnection: close\r\n\r\n${LB_ERROR_PAGE}`,
      );
    });
  }

  /** Nothing more passes either way, and nothing tells either side. */
  private stall(p: Pair): void {
    p.stalled = true;
    p.client.pause();
    p.upstream?.pause();
  }

  private reset(p: Pair): void {
    for (const s of [p.client, p.upstream]) {
      if (!s || s.destroyed) continue;
      try {
        s.resetAndDestroy();
      } catch {
        s.destroy();
      }
    }
    this.pairs.delete(p);
  }

  /** One side closed: close the other, unless stalled (then both stay until drop or close). */
  private forget(p: Pair): void {
    if (p.stalled) return;
    this.pairs.delete(p);
    p.client.destroy();
    p.upstream?.destroy();
  }
}
