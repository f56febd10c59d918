// What a built-in image server is told to do: passed as one JSON argument from resolve.ts to
// server.ts, so the process line shows it and the server needs nothing else but its env.

/** Which answers the server gives. */
export type BuiltinKind =
  | 'myapp'
  | 'nginx'
  | 'tomcat'
  | 'hello-app'
  | 'node-hello'
  | 'http-echo'
  | 'serve-hostname'
  | 'netexec'
  | 'echo'
  | 'pause'
  // The HPA walkthrough's php-apache: every request burns CPU in the pod's own process, which
  // metrics measure per container (node/resource-usage.ts): it must keep a process of its own.
  | 'hpa-example';

/** `http` serves HTTP over TCP; `tcp` and `udp` are the raw protocols of agnhost. */
export type ListenerProto = 'http' | 'tcp' | 'udp';

export interface Listener {
  port: number;
  proto: ListenerProto;
  /** A port the pod declared (or the program was told): failing to bind it is fatal. An image's
   *  implied default port that cannot be bound (e.g. 80 without privilege) is only logged. */
  required: boolean;
}

export interface BuiltinSpec {
  kind: BuiltinKind;
  /** The pod IP the listeners bind. */
  host: string;
  listeners: Listener[];
  /** The image's version where its answers show one (`v2` for myapp:v2). */
  version?: string;
  /** The text http-echo answers with. */
  text?: string;
  /** The image, for the echo server's answer. */
  image?: string;
}
