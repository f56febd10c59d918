// Tests that need what a machine may lack (root, dig, chromium, a user namespace, wrk). Outside
// CI they skip, saying why. Under CI=true they never skip: they fail, naming what is missing, so
// a CI machine short of a package cannot go green without the tests that need it.

import { spawnSync } from 'node:child_process';

export interface Requirement {
  /** node:test's `skip` option: why, outside CI, when something is missing; false otherwise. */
  skip: string | false;
  /** Throws when something is missing: the first before() of a suite, or a test's first line. */
  check(): void;
}

/** `missing`: what this machine lacks for the test, or undefined when it has everything. */
export function requirement(missing: string | undefined): Requirement {
  return {
    skip: missing !== undefined && process.env.CI !== 'true' ? missing : false,
    check: () => {
      if (missing !== undefined) throw new Error(`cannot run here: ${missing}`);
    },
  };
}

/** A command that must start (`argv`, e.g. ['dig', '-v']); `install` says how to get it. */
export function requiresCommand(argv: string[], install: string): Requirement {
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  return requirement(r.error ? `${argv[0]} is not installed (${install})` : undefined);
}

/** Root and iproute2: the netns network creates network namespaces. */
export const requiresNetns = (): Requirement =>
  requirement(process.getuid?.() !== 0 ? 'needs root (it creates network namespaces)' : spawnSync('ip', ['netns', 'list']).status !== 0 ? 'needs iproute2 (`ip netns`)' : undefined);
