// The process of a built-in image: `node server.js '<BuiltinSpec JSON>'` (see resolve.ts). The
// pod's name, namespace and IP come from its environment, as the agent sets it.

import { hostname } from 'node:os';
import { podFromEnv, serve, stopGracefully } from './serve.js';
import type { BuiltinSpec } from './spec.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as BuiltinSpec;
const pod = podFromEnv(process.env, spec.host, hostname());

// Keeps an image without listeners (pause) alive until it is stopped.
const keepAlive = setInterval(() => {}, 2 ** 31 - 1);

serve(spec, pod, { log: (line) => process.stdout.write(`${line}\n`), exit: (code) => process.exit(code) }).then(
  (running) => {
    const stop = (): void => {
      clearInterval(keepAlive);
      void stopGracefully(running).then(() => process.exit(0));
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  },
  (err: Error) => {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  },
);
