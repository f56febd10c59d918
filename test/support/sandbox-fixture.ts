// Test support for netns.test.ts: creates a pod sandbox from whichever namespace runs this file.
// The test runs it inside a node's namespace through `ip netns exec`, as a node agent may run.
// argv[2]: the PodSandboxOptions as JSON; prints the sandbox's namespace.

import { createPodSandbox } from '../../src/network/netns/sandbox.js';

const { ns } = await createPodSandbox(JSON.parse(process.argv[2]!));
process.stdout.write(ns);
