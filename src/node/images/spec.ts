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
  | 'flask-backend'
  | 'react-frontend'
  | 'postgres'
  // The HPA walkthrough's php-apache: every request burns CPU in the pod's own process, which
  // metrics measure per container (node/resource-usage.ts): it must keep a process of its own.
  | 'hpa-example';

/** `http` serves HTTP over TCP; `tcp` and `udp` are the raw protocols of agnhost; `postgres`
 *  is PostgreSQL's wire protocol. */
export type ListenerProto = 'http' | 'tcp' | 'udp' | 'postgres';

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
  /** A dual-stack pod's address in its other family: the listeners bind it too, as a real
   *  server bound to the wildcard address answers on both. */
  moreHosts?: string[];
  listeners: Listener[];
  /** The image's version where its answers show one (`v2` for myapp:v2, `1.7.9` for nginx). */
  version?: string;
  /** The text http-echo answers with. */
  text?: string;
  /** The image, for the echo server's answer. */
  image?: string;
  /** Runs as a process of its own instead of in the node's image host: for an image whose
   *  CPU use must show per pod in the resource metrics beyond its request handlers' own work. */
  ownProcess?: boolean;
  /** postgres: where its PGDATA and init scripts are on the node. */
  pg?: { data: string; initdb?: string };
}

/** The environment variables every server reads: who its pod is (serve.ts's podFromEnv). */
const POD_IDENTITY = ['POD_NAME', 'HOSTNAME', 'POD_NAMESPACE', 'POD_IP'];

/** What of a container's environment its server needs: all of it where the server runs
 *  commands with it or reads settings from it (netexec's /shell, postgres's POSTGRES_*), else
 *  its pod's identity only. A pod's environment holds seven variables per Service of its
 *  namespace: a thousand Services make it 7,000, too much to copy into the node's image host
 *  for each of its containers. */
export function serverEnv(spec: BuiltinSpec, env: Record<string, string>): Record<string, string> {
  if (spec.kind === 'netexec' || spec.kind === 'postgres') return env;
  return Object.fromEntries(POD_IDENTITY.filter((k) => env[k] !== undefined).map((k) => [k, env[k]!]));
}
