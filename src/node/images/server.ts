// The process of a built-in image: `node server.js '<BuiltinSpec JSON>'` (see resolve.ts). The
// pod's name, namespace and IP come from its environment, as the agent sets it.

import { hostname } from 'node:os';
import { serve } from './serve.js';
import type { BuiltinSpec } from './spec.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as BuiltinSpec;
const env = process.env;
const pod = {
  name: env.POD_NAME ?? env.HOSTNAME ?? hostname(),
  namespace: env.POD_NAMESPACE ?? 'default',
  ip: env.POD_IP ?? spec.host,
  env,
};

/** After SIGTERM a server keeps accepting this long before it closes its listeners: the pod's
 *  endpoint is marked terminating at the same moment, and proxies need a moment to stop
 *  sending new connections (what a preStop sleep does for real images). */
const LINGER_MS = 1000;
/** A request that is still running this long after closing does not hold the exit. */
const DRAIN_MS = 5000;

// Keeps an image without listeners (pause) alive until it is stopped.
const keepAlive = setInterval(() => {}, 2 ** 31 - 1);

serve(spec, pod, { log: (line) => process.stdout.write(`${line}\n`), exit: (code) => process.exit(code) }).then(
  (running) => {
    const stop = (): void => {
      clearInterval(keepAlive);
      setTimeout(() => {
        setTimeout(() => process.exit(0), DRAIN_MS).unref();
        void running.close().then(() => process.exit(0));
      }, LINGER_MS);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
